#!/usr/bin/env bash
# The reader benchmark (an explicit command, never part of the test suite).
#
# Measures how fast sealmail's IMAP reader puts a large INBOX on the screen, over IMAPS on
# loopback against a private Dovecot with mailboxes of 1,000, 10,000 and 100,000 messages:
# time from process start to the first rows, to the whole list loaded, and peak memory. In
# the same run it measures the "floor" (a raw-socket client that parses nothing) so the
# figures can be compared on a shared, noisy machine. Results: docs/performance.md, "Reader".
#
#   scripts/bench-reader.sh                    # all sizes, 3 runs each
#   SIZES="100k" RUNS=5 scripts/bench-reader.sh
#   KEEP_SERVER=1 scripts/bench-reader.sh      # leave Dovecot running afterwards
#   CLIENT=reader scripts/bench-reader.sh      # the whole reader (sealmail) in the pane
#
# CLIENT=actor (the default) measures examples/imap_load.rs: the reader's IMAP actor printing
# what the status line shows (`41200/100000` while it fills, `100000 messages` when done).
# CLIENT=reader measures the sealmail binary itself: first rows = a dated row on screen,
# loaded = `100000 messages` in its status line. READER_CMD overrides the command line.
#
# Needs root on Debian/Ubuntu for the packages (installed when missing: dovecot-imapd,
# dovecot-core, tmux, openssl, python3) and about 1.2 GB in /tmp for the mailboxes, which
# are generated once (about a minute) and kept in /tmp/bench-dovecot.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$REPO/scripts/bench"
SIZES=${SIZES:-"1k 10k 100k"}
RUNS=${RUNS:-3}
WINDOW=${WINDOW:-50}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
CLIENT=${CLIENT:-actor}
OUT=${OUT:-$CARGO_TARGET_DIR/bench-reader/$CLIENT}
CA=/tmp/bench-dovecot/ssl/ca.pem
mkdir -p "$OUT"

count_of() {
  case "$1" in
    1k) echo 1000 ;; 10k) echo 10000 ;; 100k) echo 100000 ;;
    *) echo "unknown size $1 (1k, 10k or 100k)" >&2; exit 2 ;;
  esac
}

# --- tools -------------------------------------------------------------------------------
"$BENCH/install.sh" tmux

# --- the client --------------------------------------------------------------------------
cargo build --release --example imap_load
ACTOR="$CARGO_TARGET_DIR/release/examples/imap_load"
QUERY=$("$ACTOR" --print-query)
case "$CLIENT" in
  actor) ;;
  reader) cargo build --release --bin sealmail ;;
  *) echo "CLIENT must be actor or reader" >&2; exit 2 ;;
esac

# --- the server and the mailboxes ---------------------------------------------------------
"$BENCH/start.sh"
specs=""
for size in $SIZES; do specs="$specs bench$size:$(count_of "$size")"; done
SIZES="${specs# }" "$BENCH/setup_mailboxes.sh"
# Dovecot caches what clients ask for: fetch the reader's own items once, so that every
# measured run sees the same warm server (as the other clients' figures do).
for size in $SIZES; do
  python3 "$BENCH/imap_floor.py" --user "bench$size" --warm --reader-items "$QUERY"
done

# --- measure -----------------------------------------------------------------------------
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -r)"
  echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "dovecot: $(dovecot --version)"
  echo "reader query: $QUERY"
} | tee "$OUT/machine.txt"

for size in $SIZES; do
  n=$(count_of "$size")
  echo "== floor $size"
  python3 "$BENCH/imap_floor.py" --user "bench$size" --runs "$RUNS" \
    --reader-items "$QUERY" --json "$OUT/floor-$size.json" >/dev/null
  echo "== sealmail ($CLIENT) $size"
  if [ "$CLIENT" = reader ]; then
    home="/tmp/bench-clients/sealmail"
    mkdir -p "$home"
    cmd=${READER_CMD:-"$CARGO_TARGET_DIR/release/sealmail --imap imaps://127.0.0.1:11993 --user bench$size --password-command 'echo benchpass' --ca-file $CA"}
    first='\d{4}-\d\d-\d\d'
    loaded="$n messages"
    quit="q"
  else
    home="$HOME"
    cmd=${READER_CMD:-"$ACTOR imaps://127.0.0.1:11993 bench$size --ca-file $CA --window $WINDOW --hold"}
    first='^first \d+ rows|^\s*\d+/\d+'
    loaded="^$n messages"
    quit="q Enter"
  fi
  python3 "$BENCH/measure_tui.py" --label "sealmail-$size" --runs "$RUNS" \
    --cmd "$cmd" --env IMAP_PASSWORD=benchpass --env "SSL_CERT_FILE=$CA" --env "HOME=$home" \
    --env "XDG_CONFIG_HOME=$home/config" --env "XDG_STATE_HOME=$home/state" \
    --env "XDG_CACHE_HOME=$home/cache" \
    --first-regex "$first" --loaded-regex "$loaded" \
    --quit-keys "$quit" --settle 0.5 --json "$OUT/sealmail-$size.json"
done

python3 "$REPO/scripts/bench/reader_table.py" "$OUT" | tee "$OUT/table.md"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
[ -n "${KEEP_SERVER:-}" ] || "$BENCH/stop.sh"
