#!/usr/bin/env bash
# The portal's unseal throughput on each backend, in ONE run (an explicit command, never part
# of the test suite; figures in docs/performance.md, "Portal at scale"):
#
#   sqlite      one portal, SQLite file (WAL)
#   postgres    one portal, a private PostgreSQL on loopback
#   postgres-2  two portals on that database behind HAProxy (round robin, keep-alive)
#
# Each mode: one message registered, a passcode used once for a session, then REQUESTS
# `POST /v1/unseal {id, session}` from CONCURRENCY keep-alive clients (examples/portal_bench.rs),
# every answer checked to be 200; requests/s, p50/p99 latency, and CPU per request of the
# portal(s), PostgreSQL, HAProxy and the load generator.
#
#   scripts/bench-portal.sh                 # 30000 requests, 32 clients, 3 runs of each
#   REQUESTS=50000 CONCURRENCY=64 RUNS=1 scripts/bench-portal.sh
#   SEALMAIL_BENCH_IP_LIMIT=100000000 scripts/bench-portal.sh   # with the per-IP budget on
#
# Needs root (initdb runs as the postgres user), PostgreSQL and HAProxy
# (scripts/install-test-deps.sh installs both). Output: target/bench-portal/results.txt.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQUESTS=${REQUESTS:-30000}
CONCURRENCY=${CONCURRENCY:-32}
RUNS=${RUNS:-3}
MODES=${MODES:-"sqlite postgres postgres-2"}
TARGET=${CARGO_TARGET_DIR:-"$REPO/target"}
OUT="$REPO/target/bench-portal"
PG=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}

[ "$(id -u)" = 0 ] || { echo "bench-portal: run as root (initdb runs as postgres)" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "bench-portal: haproxy missing: scripts/install-test-deps.sh" >&2; exit 1; }
[ -x "$PG/initdb" ] || { echo "bench-portal: PostgreSQL missing: scripts/install-test-deps.sh" >&2; exit 1; }

(cd "$REPO" && cargo build --release --locked --example portal_bench)
BIN="$TARGET/release/examples/portal_bench"
mkdir -p "$OUT"

# A private PostgreSQL, as the test harness starts it, but with fsync on (the default).
D=$(mktemp -d /tmp/bench-pg.XXXXXX)
chown postgres:postgres "$D"
chmod 700 "$D"
PASSWORD=$(head -c 18 /dev/urandom | base64)
printf '%s\n' "$PASSWORD" >"$D/pw"
chown postgres:postgres "$D/pw"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  runuser -u postgres -- "$PG/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$D"
}
trap cleanup EXIT
runuser -u postgres -- "$PG/initdb" -D "$D/data" -U sealmail -A scram-sha-256 --pwfile="$D/pw" \
  -E UTF8 --locale=C >/dev/null
runuser -u postgres -- "$PG/pg_ctl" -D "$D/data" -l "$D/log" -w \
  -o "-p $PORT -k $D -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
PG_PID=$(head -n 1 "$D/data/postmaster.pid")

{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "PostgreSQL: $("$PG/postgres" --version)"
  echo "HAProxy: $(haproxy -v | head -n 1)"
  echo "requests: $REQUESTS, concurrency: $CONCURRENCY, runs: $RUNS, per-IP budget: ${SEALMAIL_BENCH_IP_LIMIT:-off}"
} | tee "$OUT/results.txt"

run=0
for r in $(seq 1 "$RUNS"); do
  for mode in $MODES; do
    run=$((run + 1))
    db="bench_$run"
    PGPASSWORD="$PASSWORD" "$PG/psql" -q -h 127.0.0.1 -p "$PORT" -U sealmail -d postgres \
      -c "CREATE DATABASE $db" >/dev/null
    echo "-- run $r, $mode, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/results.txt"
    SEALMAIL_BENCH_DATABASE_URL="postgres://sealmail@127.0.0.1:$PORT/$db" \
      SEALMAIL_PORTAL_DATABASE_PASSWORD="$PASSWORD" SEALMAIL_BENCH_PG_PID="$PG_PID" \
      "$BIN" "$REQUESTS" "$CONCURRENCY" "$mode" | grep '^\[' | tee -a "$OUT/results.txt"
  done
done
