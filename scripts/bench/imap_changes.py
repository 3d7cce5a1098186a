#!/usr/bin/env python3
"""Changes made to a benchmark mailbox by "another client", between a reader's sessions.

    imap_changes.py --user bench100k change [--flags 1000] [--new 1000]
    imap_changes.py --user bench100k restore

`change` toggles \\Flagged on `--flags` messages spread over the mailbox (set where it is
clear, cleared where it is set, so every call changes that many) and appends `--new` small
messages (each carries the header `X-Bench-New: 1`). `restore` expunges every message with
that header and toggles \\Flagged back where `change` toggled it an odd number of times
(kept in /tmp/bench-changes-USER.json), leaving the mailbox as it was.
A raw-socket IMAPS client, as imap_floor.py.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imap_floor import Conn  # noqa: E402


def login(a):
    c = Conn(a.host, a.port, True, a.cafile)
    st, _, _, _ = c.cmd("LOGIN %s %s" % (a.user, a.password))
    assert " OK" in st, st
    st, _, _, body = c.cmd("SELECT INBOX")
    assert " OK" in st, st
    return c


def spread(c, count):
    st, _, _, body = c.cmd("UID SEARCH ALL")
    uids = [int(x) for x in body.split(b"SEARCH", 1)[1].split()] if b"SEARCH" in body else []
    if not uids or count <= 0:
        return []
    step = max(1, len(uids) // count)
    return uids[::step][:count]


def state_path(a):
    return "/tmp/bench-changes-%s.json" % a.user


def load_toggled(a):
    try:
        with open(state_path(a)) as f:
            return set(json.load(f))
    except (OSError, ValueError):
        return set()


def toggle(c, chosen):
    """Toggles \\Flagged on the chosen UIDs."""
    st, _, _, body = c.cmd("UID FETCH %s (FLAGS)" % ",".join(map(str, chosen)))
    flagged = set()
    for line in body.split(b"\r\n"):
        if b"\\Flagged" in line and b"UID " in line:
            flagged.add(int(line.split(b"UID ", 1)[1].split()[0].strip(b")")))
    on = [u for u in chosen if u not in flagged]
    off = [u for u in chosen if u in flagged]
    if on:
        c.cmd("UID STORE %s +FLAGS.SILENT (\\Flagged)" % ",".join(map(str, on)))
    if off:
        c.cmd("UID STORE %s -FLAGS.SILENT (\\Flagged)" % ",".join(map(str, off)))


def change(a):
    c = login(a)
    chosen = spread(c, a.flags)
    toggled = load_toggled(a) ^ set(chosen)
    with open(state_path(a), "w") as f:
        json.dump(sorted(toggled), f)
    if chosen:
        toggle(c, chosen)
    # An old date: the list shows it as a full date, as every other row of the mailbox.
    now = "Wed, 01 Jan 2020 00:00:00 +0000"
    for i in range(a.new):
        msg = ("From: Bench <new@example.test>\r\nTo: you@example.test\r\n"
               "Subject: new message %d\r\nDate: %s\r\nX-Bench-New: 1\r\n"
               "Message-ID: <new-%d-%f@example.test>\r\n\r\nhello\r\n" % (i, now, i, time.time()))
        data = msg.encode()
        c.tagn += 1
        tag = b"F%d" % c.tagn
        c.buf = bytearray()
        c.sock.sendall(tag + b" APPEND INBOX {%d+}\r\n" % len(data) + data + b"\r\n")
        end = c._read_until(b"\r\n" + tag + b" ") if not c.buf.startswith(tag) else 0
        c._read_until(b"\r\n", end + 2)
    c.close()


def restore(a):
    c = login(a)
    st, _, _, body = c.cmd("UID SEARCH HEADER X-Bench-New 1")
    uids = body.split(b"SEARCH", 1)[1].split() if b"SEARCH" in body else []
    if uids:
        c.cmd("UID STORE %s +FLAGS.SILENT (\\Deleted)" % b",".join(uids).decode())
        c.cmd("UID EXPUNGE %s" % b",".join(uids).decode())
    toggled = sorted(load_toggled(a))
    if toggled:
        toggle(c, toggled)
    try:
        os.remove(state_path(a))
    except OSError:
        pass
    c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", default="benchpass")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=11993)
    ap.add_argument("--cafile", default="/tmp/bench-dovecot/ssl/ca.pem")
    sub = ap.add_subparsers(dest="what", required=True)
    ch = sub.add_parser("change")
    ch.add_argument("--flags", type=int, default=1000)
    ch.add_argument("--new", type=int, default=1000)
    sub.add_parser("restore")
    a = ap.parse_args()
    change(a) if a.what == "change" else restore(a)


if __name__ == "__main__":
    main()
