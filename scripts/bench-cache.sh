#!/usr/bin/env bash
# The header-cache, search and threading benchmark (an explicit command, never part of the
# test suite). On the 100,000-message INBOX over IMAPS on loopback (the reader benchmark's
# private Dovecot), in ONE run, side by side:
#
#   floor          a raw-socket client: login + newest 50, the bare fetch of every envelope
#   sealmail-cold  the sealmail binary with an empty header cache
#   sealmail-warm  the same with its cache filled (one unmeasured run first), nothing changed
#   sealmail-warm-changed  the same after another client toggled \Flagged on 1,000 messages
#                  and delivered 1,000 new ones, before every run
#   neomutt-warm-qresync   neomutt with its header cache filled and QRESYNC on
#   neomutt-warm-qresync-changed  the same after the same changes
#   aerc-cold      aerc (it has no header cache here and loads only the visible rows)
#   search         `from:` and `subject:` searches through the reader's actor, beside the bare
#                  UID SEARCH of the same criteria (imap_search_floor.py)
#   threads        client-side threading of 100,000 messages and the thread view's layout
#
#   scripts/bench-cache.sh                  # 3 runs each (about 10 minutes)
#   RUNS=5 scripts/bench-cache.sh
#   CLIENTS="sealmail-warm floor" scripts/bench-cache.sh
#
# Results: target/bench-cache/ (JSON per client, table.md, machine.txt); figures in
# docs/performance.md, "Header cache, search and threads".
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$REPO/scripts/bench"
RUNS=${RUNS:-3}
USER_NAME=bench100k
N=100000
CLIENTS=${CLIENTS:-"floor sealmail-cold sealmail-warm sealmail-warm-changed neomutt-warm-qresync neomutt-warm-qresync-changed aerc-cold search threads"}
QUERIES=${QUERIES:-"from:garcia|subject:budget"}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
OUT=${OUT:-$CARGO_TARGET_DIR/bench-cache}
CA=/tmp/bench-dovecot/ssl/ca.pem
mkdir -p "$OUT"

"$BENCH/install.sh" tmux neomutt aerc
cargo build --release --bin sealmail --example imap_load --example imap_search --example thread_bench
SEALMAIL="$CARGO_TARGET_DIR/release/sealmail"
QUERY=$("$CARGO_TARGET_DIR/release/examples/imap_load" --print-query)

"$BENCH/start.sh"
SIZES="$USER_NAME:$N" "$BENCH/setup_mailboxes.sh"
python3 "$BENCH/imap_floor.py" --user "$USER_NAME" --warm --reader-items "$QUERY"
python3 "$BENCH/imap_changes.py" --user "$USER_NAME" restore

{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -r)"
  echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "dovecot: $(dovecot --version)"
  echo "neomutt: $(neomutt -v | head -1)"
  echo "aerc: $(aerc -v 2>&1 | head -1)"
} | tee "$OUT/machine.txt"

home=/tmp/bench-clients/sealmail-cache
changes="python3 $BENCH/imap_changes.py --user $USER_NAME change --flags 1000 --new 1000"
sealmail_cmd="$SEALMAIL --imap imaps://127.0.0.1:11993 --user $USER_NAME --password-command 'echo benchpass' --ca-file $CA"
NEOMUTT_ROW='^ *[0-9]+ .{3} [A-Z][a-z]{2} [0-9]{2} '
AERC_ROW='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [AP]M \S'

sealmail() { # label, extra measure_tui arguments...
  local label=$1
  shift
  python3 "$BENCH/measure_tui.py" --label "$label" --runs "$RUNS" --cmd "$sealmail_cmd" \
    --env "HOME=$home" --env "XDG_CONFIG_HOME=$home/config" --env "XDG_STATE_HOME=$home/state" \
    --env "XDG_CACHE_HOME=$home/cache" --env "SSL_CERT_FILE=$CA" \
    --first-regex '\d{4}-\d\d-\d\d' --loaded-regex '\b1\d{5} messages' \
    --quit-keys q --settle 0.5 --timeout 300 --json "$OUT/$label.json" "$@"
}

neomutt() { # label, extra measure_tui arguments...
  local label=$1
  shift
  local hc="/tmp/bench-clients/neomutt/hcache-qr-$USER_NAME"
  python3 "$BENCH/measure_tui.py" --label "$label" --runs "$RUNS" --timeout 300 --quit-keys q \
    --cmd "$BENCH/clients/neomutt/run.sh -e 'set imap_condstore=yes imap_qresync=yes'" \
    --env "BENCH_USER=$USER_NAME" --env "BENCH_HCACHE=$hc" \
    --first-regex "$NEOMUTT_ROW" --loaded-regex '\[Msgs:1\d{5}\b' \
    --json "$OUT/$label.json" "$@"
}

for client in $CLIENTS; do
  echo "=== $client ($(date +%T))"
  case "$client" in
    floor)
      python3 "$BENCH/imap_floor.py" --user "$USER_NAME" --runs "$RUNS" --json "$OUT/floor.json" >/dev/null ;;
    sealmail-cold)
      sealmail "$client" --pre "rm -rf $home/cache" ;;
    sealmail-warm)
      rm -rf "$home/cache"
      sealmail "$client" --warmup 1 ;;
    sealmail-warm-changed)
      rm -rf "$home/cache"
      sealmail "$client" --warmup 1 --pre "$changes"
      python3 "$BENCH/imap_changes.py" --user "$USER_NAME" restore ;;
    neomutt-warm-qresync)
      rm -rf "/tmp/bench-clients/neomutt/hcache-qr-$USER_NAME"
      neomutt "$client" --warmup 1 ;;
    neomutt-warm-qresync-changed)
      neomutt "$client" --warmup 1 --pre "$changes"
      python3 "$BENCH/imap_changes.py" --user "$USER_NAME" restore ;;
    aerc-cold)
      rm -rf "/tmp/bench-clients/aerc/$USER_NAME/cache"
      python3 "$BENCH/measure_tui.py" --label "$client" --runs "$RUNS" --timeout 300 --quit-keys q \
        --cmd "$BENCH/clients/aerc/run.sh" --env "BENCH_USER=$USER_NAME" \
        --first-regex "$AERC_ROW" --loaded-regex "INBOX +[0-9]+/$N\\b" --loaded-absent '\[\.\.\]' \
        --json "$OUT/$client.json" ;;
    search)
      IFS='|' read -r -a queries <<< "$QUERIES"
      qargs=()
      for q in "${queries[@]}"; do qargs+=(--query "$q"); done
      criteria=()
      while IFS= read -r line; do criteria+=(--criteria "$line"); done \
        < <("$CARGO_TARGET_DIR/release/examples/imap_search" --print-commands "${qargs[@]}")
      # Three rounds, the bare client and sealmail in turn, so that both meet the same load.
      for round in 1 2 3; do
        python3 "$BENCH/imap_search_floor.py" --user "$USER_NAME" --runs 5 "${criteria[@]}" \
          --json "$OUT/search-floor-$round.json"
        IMAP_PASSWORD=benchpass "$CARGO_TARGET_DIR/release/examples/imap_search" \
          imaps://127.0.0.1:11993 "$USER_NAME" --ca-file "$CA" --runs 5 "${qargs[@]}" \
          | tee "$OUT/search-sealmail-$round.json"
      done ;;
    threads)
      "$CARGO_TARGET_DIR/release/examples/thread_bench" --messages "$N" --runs 5 | tee "$OUT/threads.json" ;;
    *) echo "unknown client $client" >&2; exit 2 ;;
  esac
done

python3 "$BENCH/cache_table.py" "$OUT" | tee "$OUT/table.md"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
[ -n "${KEEP_SERVER:-}" ] || "$BENCH/stop.sh"
