#!/usr/bin/env python3
"""The floor of a search: a bare IMAPS client (imap_floor.py's) sends each search command and
reads the answer to its tagged OK, parsing nothing. The commands are those the reader sends
(`examples/imap_search --print-commands`), as `UID SEARCH RETURN (ALL) CHARSET UTF-8 <criteria>`
(ESEARCH) and as the plain `UID SEARCH CHARSET UTF-8 <criteria>`.

    imap_search_floor.py --user bench100k --runs 5 --criteria 'FROM "garcia"' ... --json out.json
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imap_floor import Conn  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", default="benchpass")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=11993)
    ap.add_argument("--cafile", default="/tmp/bench-dovecot/ssl/ca.pem")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--criteria", action="append", default=[])
    ap.add_argument("--json")
    a = ap.parse_args()
    c = Conn(a.host, a.port, True, a.cafile)
    st, _, _, _ = c.cmd("LOGIN %s %s" % (a.user, a.password))
    assert " OK" in st, st
    st, _, _, _ = c.cmd("SELECT INBOX")
    assert " OK" in st, st
    out = []
    for criteria in a.criteria:
        row = {"criteria": criteria}
        for name, command in [("esearch", "UID SEARCH RETURN (ALL) CHARSET UTF-8 " + criteria),
                              ("plain", "UID SEARCH CHARSET UTF-8 " + criteria)]:
            times = []
            for _ in range(a.runs):
                t0 = time.perf_counter()
                st, _, nbytes, _ = c.cmd(command)
                times.append(time.perf_counter() - t0)
                assert " OK" in st, st
            row[name + "_median_s"] = statistics.median(times)
            row[name + "_bytes"] = nbytes
        out.append(row)
        print(json.dumps(row))
    c.close()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
