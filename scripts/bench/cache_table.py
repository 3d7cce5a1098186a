#!/usr/bin/env python3
"""The header-cache benchmark's tables (scripts/bench-cache.sh): every client of one run side
by side, the floor of the same run, and the searches beside the bare UID SEARCH.

    python3 cache_table.py DIR
"""
import json
import os
import statistics
import sys

CLIENTS = [
    ("sealmail-cold", "sealmail, empty cache"),
    ("sealmail-warm", "sealmail, warm cache, nothing changed"),
    ("sealmail-warm-changed", "sealmail, warm cache, 1,000 flags + 1,000 new"),
    ("neomutt-warm-qresync", "neomutt, warm header cache + QRESYNC, nothing changed"),
    ("neomutt-warm-qresync-changed", "neomutt, warm header cache + QRESYNC, 1,000 flags + 1,000 new"),
    ("aerc-cold", "aerc (no cache; loads the visible rows only)"),
]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def stat(s, digits=2):
    if not s:
        return "n/a"
    out = "%.*f" % (digits, s["median"])
    if s.get("n", 1) > 1:
        out += " [%.*f–%.*f]" % (digits, s["min"], digits, s["max"])
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    print("| client (100k INBOX) | first rows (s) | every row, current (s) | peak RSS (MB) | client CPU (s) | server CPU (s) |")
    print("|---|---|---|---|---|---|")
    for name, label in CLIENTS:
        s = load(os.path.join(d, name + ".json"))
        if not s:
            continue
        print("| %s | %s | %s | %s | %s | %s |" % (
            label, stat(s.get("first_s")), stat(s.get("loaded_s")), stat(s.get("rss_mb"), 0),
            stat(s.get("cpu_s")), stat(s.get("server_cpu_s"))))
    f = load(os.path.join(d, "floor.json"))
    if f:
        m = f["median"]
        print()
        print("Floor, same run: login + newest 50 envelopes %.3f s; every envelope (bare "
              "`UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)`) %.2f s; "
              "`UID SEARCH ALL` %.3f s." % (m["first50_total"], m["all_envelopes"], m["uid_search"]))
    rounds = [(load(os.path.join(d, "search-floor-%d.json" % r)),
               load(os.path.join(d, "search-sealmail-%d.json" % r))) for r in (1, 2, 3)]
    rounds = [(f, o) for f, o in rounds if f and o]
    floor, ours = [], []
    if rounds:
        # The median over the rounds of each round's median.
        for i in range(len(rounds[0][0])):
            fl = dict(rounds[0][0][i])
            for key in ("esearch_median_s", "plain_median_s"):
                fl[key] = statistics.median(f[i][key] for f, _ in rounds)
            o = dict(rounds[0][1][i])
            o["median_s"] = statistics.median(s[i]["median_s"] for _, s in rounds)
            floor.append(fl)
            ours.append(o)
    if floor and ours:
        print()
        print("Searches: the median of three rounds, each the median of 5 runs, the bare client "
              "and sealmail in turn.")
        print()
        print("| query | hits | sealmail: command to results (s) | bare `UID SEARCH RETURN (ALL)` (s) | bare plain `UID SEARCH` (s) | ratio to the bare ESEARCH |")
        print("|---|---|---|---|---|---|")
        for o, fl in zip(ours, floor):
            ratio = o["median_s"] / fl["esearch_median_s"] if fl["esearch_median_s"] else 0
            print("| `%s` | %d | %.4f | %.4f | %.4f | %.2f |" % (
                o["query"], o["hits"], o["median_s"], fl["esearch_median_s"],
                fl["plain_median_s"], ratio))


def threads(d):
    t = load(os.path.join(d, "threads.json"))
    if t:
        print()
        print("Threading %d messages client-side (%d threads): %.3f s of CPU off the UI task, "
              "then %.3f s to lay out the thread view's lines (medians of %d runs)."
              % (t["messages"], t["threads"], t["thread_s"], t["flatten_s"], t["runs"]))


if __name__ == "__main__":
    main()
    threads(sys.argv[1] if len(sys.argv) > 1 else ".")
