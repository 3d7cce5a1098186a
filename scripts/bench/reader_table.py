#!/usr/bin/env python3
"""The reader benchmark's table: sealmail next to the IMAP floor measured in the same run.

    python3 reader_table.py DIR      # DIR holds sealmail-<size>.json and floor-<size>.json
"""
import json
import os
import sys

SIZES = ["1k", "10k", "100k"]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError:
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
    print("| mailbox | first rows (s) | whole list loaded (s) | peak RSS (MB) | client CPU (s) | "
          "server CPU (s) | floor: login + newest 50 (s) | floor: all ENVELOPEs (s) | "
          "floor: all reader items (s) | floor: reader items, 2 connections (s) | loaded / all ENVELOPEs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size in SIZES:
        s = load(os.path.join(d, "sealmail-%s.json" % size))
        f = load(os.path.join(d, "floor-%s.json" % size))
        if not s and not f:
            continue
        fm = f["median"] if f else {}
        ratio = "n/a"
        if s and s.get("loaded_s") and fm.get("all_envelopes"):
            ratio = "%.2f" % (s["loaded_s"]["median"] / fm["all_envelopes"])
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            size,
            stat(s and s.get("first_s")), stat(s and s.get("loaded_s")),
            stat(s and s.get("rss_mb"), 0), stat(s and s.get("cpu_s")),
            stat(s and s.get("server_cpu_s")),
            "%.3f" % fm["first50_total"] if "first50_total" in fm else "n/a",
            "%.2f" % fm["all_envelopes"] if "all_envelopes" in fm else "n/a",
            "%.2f" % fm["all_reader"] if "all_reader" in fm else "n/a",
            "%.2f" % fm["all_reader_2conn"] if "all_reader_2conn" in fm else "n/a",
            ratio))


if __name__ == "__main__":
    main()
