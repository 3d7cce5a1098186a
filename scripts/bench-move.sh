#!/usr/bin/env bash
# The move benchmark (an explicit command, never part of the test suite).
#
# Moves 10,000 marked messages (every 10th, newest first) of a 100,000-message INBOX to another
# folder through the reader's IMAP actor (examples/imap_move.rs), and, in the same run, has a
# bare raw-socket client issue the same UID MOVE commands over one connection
# (scripts/bench/imap_move_floor.py): the floor. Runs alternate between the two; each run
# moves the messages back afterwards, so every run starts from the same mailbox. Also timed:
# a message opened during the reader's move, and the undo. Results: docs/performance.md,
# "Moving messages".
#
#   scripts/bench-move.sh                  # 3 runs each
#   RUNS=5 EVERY=10 scripts/bench-move.sh
#   KEEP_SERVER=1 scripts/bench-move.sh    # leave the benchmark Dovecot running
#
# Uses the benchmark Dovecot and mailboxes of scripts/bench-reader.sh (installed and
# generated when missing; needs root on Debian/Ubuntu and about 1.2 GB in /tmp).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$REPO/scripts/bench"
RUNS=${RUNS:-3}
EVERY=${EVERY:-10}
USER_NAME=bench100k
TARGET=Moved
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
OUT=${OUT:-$CARGO_TARGET_DIR/bench-move}
CA=/tmp/bench-dovecot/ssl/ca.pem
mkdir -p "$OUT"

"$BENCH/install.sh"

cargo build --release --example imap_move
MOVER="$CARGO_TARGET_DIR/release/examples/imap_move"
"$BENCH/start.sh"
SIZES="$USER_NAME:100000" "$BENCH/setup_mailboxes.sh"
doveadm -c "$BENCH/dovecot/dovecot.conf" mailbox create -u "$USER_NAME" "$TARGET" 2>/dev/null || true

{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -r)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "dovecot: $(dovecot --version)"
} | tee "$OUT/machine.txt"

: > "$OUT/floor.jsonl"
: > "$OUT/sealmail.jsonl"
for run in $(seq 1 "$RUNS"); do
  echo "== run $run: floor"
  python3 "$BENCH/imap_move_floor.py" --user "$USER_NAME" --target "$TARGET" --every "$EVERY" \
    | tee -a "$OUT/floor.jsonl"
  echo "== run $run: sealmail"
  IMAP_PASSWORD=benchpass SSL_CERT_FILE=$CA "$MOVER" imaps://127.0.0.1:11993 "$USER_NAME" \
    --ca-file "$CA" --target "$TARGET" --every "$EVERY" --json | tee -a "$OUT/sealmail.jsonl"
done

python3 - "$OUT" <<'PY' | tee "$OUT/table.md"
import json, statistics, sys
out = sys.argv[1]
floor = [json.loads(l) for l in open(out + "/floor.jsonl") if l.strip()]
seal = [json.loads(l) for l in open(out + "/sealmail.jsonl") if l.strip()]
med = lambda xs: statistics.median(xs)
rng = lambda xs: "[%.2f–%.2f]" % (min(xs), max(xs))
f = [r["move_s"] for r in floor]
a = [r["answer_s"] for r in seal]
l = [r["list_s"] for r in seal]
o = [r["open_during_move_s"] for r in seal]
u = [r["undo_s"] for r in seal]
print("| moved | commands | floor: bare UID MOVE (s) | sealmail: move answered (s) | sealmail: last row gone from the list (s) | ratio | a message opened during the move (s) | undo (s) |")
print("|---|---|---|---|---|---|---|---|")
print("| %d | %d | %.2f %s | %.2f %s | %.2f %s | **%.2f** | %.2f %s | %.2f %s |" % (
    seal[0]["moved"], floor[0]["commands"], med(f), rng(f), med(a), rng(a), med(l), rng(l),
    med(a) / med(f), med(o), rng(o), med(u), rng(u)))
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
[ -n "${KEEP_SERVER:-}" ] || "$BENCH/stop.sh"
