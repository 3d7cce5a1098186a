#!/bin/sh
# Kept beside sealmail's own benchmarks, so that one run measures every client.
# Wrapper used by the harness: neomutt reading INBOX over IMAPS.
#   BENCH_USER (required) BENCH_PASS (default benchpass) BENCH_HOST (127.0.0.1) BENCH_PORT (11993)
#   BENCH_HCACHE: empty/unset = no header cache (cold); else a directory for the header cache
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${BENCH_USER:?set BENCH_USER}"
export BENCH_PASS="${BENCH_PASS:-benchpass}" BENCH_HOST="${BENCH_HOST:-127.0.0.1}" BENCH_PORT="${BENCH_PORT:-11993}"
export BENCH_CLIENT_DIR="/tmp/bench-clients/neomutt/$BENCH_USER"
mkdir -p "$BENCH_CLIENT_DIR"
cd "$BENCH_CLIENT_DIR" || exit 1
if [ -n "${BENCH_HCACHE:-}" ]; then
  mkdir -p "$BENCH_HCACHE"
  exec neomutt -n -F "$HERE/neomuttrc" -e "set header_cache=\"$BENCH_HCACHE/\"" "$@"
fi
exec neomutt -n -F "$HERE/neomuttrc" "$@"
