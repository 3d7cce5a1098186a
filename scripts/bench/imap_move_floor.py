#!/usr/bin/env python3
"""The floor of a move: a raw-socket IMAPS client issuing the same UID MOVE commands as the
reader, over one connection, timing them; then it moves the messages back (not timed).

    imap_move_floor.py --user bench100k --target Moved [--every 10] [--json out.json]

The marked messages are every Nth of INBOX newest first, as `examples/imap_move.rs` marks
them; the UIDs go in sets of runs of at most 500 ranges a command, as the reader sends them
(`src/imap/uidset.rs`). A move out of the target back to INBOX (`UID MOVE 1:*`) leaves the
mailbox as it was for the next run.
"""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imap_floor import Conn  # noqa: E402

MAX_RANGES = 500


def uid_sets(ascending):
    """Runs of ascending UIDs as IMAP sets, at most MAX_RANGES ranges each."""
    ranges = []
    for uid in ascending:
        if ranges and ranges[-1][1] + 1 == uid:
            ranges[-1][1] = uid
        else:
            ranges.append([uid, uid])
    sets = []
    for i in range(0, len(ranges), MAX_RANGES):
        chunk = ranges[i:i + MAX_RANGES]
        sets.append(",".join(str(lo) if lo == hi else "%d:%d" % (lo, hi) for lo, hi in chunk))
    return sets


def ok(conn, text):
    status, _, _, body = conn.cmd(text)
    if " OK" not in status:
        raise RuntimeError("%s -> %s" % (text[:60], status))
    return body


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", default="benchpass")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=11993)
    ap.add_argument("--cafile", default="/tmp/bench-dovecot/ssl/ca.pem")
    ap.add_argument("--target", required=True)
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--json")
    a = ap.parse_args()

    conn = Conn(a.host, a.port, True, a.cafile)
    ok(conn, "LOGIN %s %s" % (a.user, a.password))
    ok(conn, "SELECT INBOX")
    body = ok(conn, "UID SEARCH ALL")
    uids = sorted(int(u) for line in re.findall(rb"\* SEARCH([ \d]*)", body) for u in line.split())
    marked = sorted(list(reversed(uids))[::a.every])
    sets = uid_sets(marked)
    t0 = time.perf_counter()
    for s in sets:
        ok(conn, "UID MOVE %s %s" % (s, a.target))
    move_s = time.perf_counter() - t0
    # Back, for the next run (not timed).
    ok(conn, "SELECT %s" % a.target)
    ok(conn, "UID MOVE 1:* INBOX")
    conn.close()
    result = {"moved": len(marked), "commands": len(sets), "move_s": round(move_s, 3)}
    print(json.dumps(result))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f)


if __name__ == "__main__":
    main()
