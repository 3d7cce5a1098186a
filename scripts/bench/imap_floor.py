#!/usr/bin/env python3
"""The "physical floor": how fast can a minimal client get the envelopes out of Dovecot?

    imap_floor.py --user bench100k [--runs 3] [--port 11993] [--json out.json]
    imap_floor.py --user bench100k --warm        # only pre-populate Dovecot's cache

A raw-socket IMAPS client (no imaplib): it writes a command and reads the byte stream until
the tagged completion, counting "* n FETCH" responses. It does no parsing beyond that, so
the numbers are the server + TLS + loopback cost, i.e. a lower bound for any real client.

Timings per run (seconds, wall clock, time.perf_counter):
  connect_login_select : TCP connect + TLS handshake + LOGIN + EXAMINE INBOX
  first50              : FETCH <n-49>:<n> (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)
                         i.e. the 50 newest messages, one round trip
  first50_total        : connect_login_select + first50  (what a client needs to show a screen)
  all_envelopes        : UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)
  all_headers          : UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE
                         BODY.PEEK[HEADER.FIELDS (<the fields neomutt asks for>)])
  uid_search / uid_sort: UID SEARCH ALL, and UID SORT (REVERSE ARRIVAL) UTF-8 ALL
Each of these is done on a fresh connection so that they do not help each other.
For the two full fetches the CPU seconds of the Dovecot process tree (imap + imap-login, which
does TLS) and of this client are recorded too (*_server_cpu, *_client_cpu).

Pitfall seen on Dovecot 2.3 + Maildir: the first command in a session that needs RFC822.SIZE
costs ~80 ms at 100k messages (Dovecot reads the 6 MB dovecot-uidlist to get the S=/W= sizes
from the file names); ENVELOPE/FLAGS/INTERNALDATE alone come from the index/cache in ~2 ms.
"""
import argparse
import json
import os
import re
import socket
import ssl
import statistics
import sys
import time

ENVELOPE_ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)"
# what neomutt 20220429 requests (imap_headers empty), see README
NEOMUTT_HDRS = ("DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE "
                "CONTENT-DESCRIPTION IN-REPLY-TO REPLY-TO LINES LIST-POST LIST-SUBSCRIBE "
                "LIST-UNSUBSCRIBE X-LABEL X-ORIGINAL-TO")
HEADER_ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (%s)])" % NEOMUTT_HDRS
WARM_ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (%s)])" % NEOMUTT_HDRS


CLK_TCK = os.sysconf("SC_CLK_TCK")
MASTER_PIDFILE = "/tmp/bench-dovecot/run/master.pid"


def server_ticks():
    """utime+stime ticks of the bench Dovecot's whole process tree (imap, imap-login = TLS, ...)."""
    try:
        root = int(open(MASTER_PIDFILE).read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    kids, stats = {}, {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                s = open("/proc/%s/stat" % d, "rb").read()
                rest = s[s.rindex(b")") + 2:].split()
                kids.setdefault(int(rest[1]), []).append(int(d))
                stats[int(d)] = int(rest[11]) + int(rest[12])
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += stats.get(p, 0)
        todo.extend(kids.get(p, []))
    return total


class Conn:
    def __init__(self, host, port, use_tls, cafile):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if use_tls:
            ctx = ssl.create_default_context(cafile=cafile) if cafile else ssl._create_unverified_context()
            self.sock = ctx.wrap_socket(self.sock, server_hostname=host)
        self.buf = bytearray()
        self.tagn = 0
        self._read_until(b"\r\n")  # greeting

    def _read_until(self, needle, start=0):
        while True:
            i = self.buf.find(needle, start)
            if i >= 0:
                return i
            start = max(0, len(self.buf) - len(needle))
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("server closed connection")
            self.buf += chunk

    def cmd(self, text):
        """Send one command, return (status_line, number_of_untagged_FETCH, bytes_received)."""
        self.tagn += 1
        tag = b"F%d" % self.tagn
        self.buf = bytearray()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        # tagged completion is at the start of a line: "\r\nF3 OK ..." or at buffer start
        needle = b"\r\n" + tag + b" "
        start = 0
        while True:
            if self.buf.startswith(tag + b" "):
                end = 0
                break
            i = self.buf.find(needle, start)
            if i >= 0:
                end = i + 2
                break
            start = max(0, len(self.buf) - len(needle))
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("server closed connection")
            self.buf += chunk
        eol = self._read_until(b"\r\n", end)
        status = bytes(self.buf[end:eol]).decode("utf-8", "replace")
        body = bytes(self.buf[:end])
        nfetch = body.count(b" FETCH (")
        return status, nfetch, len(self.buf), body

    def close(self):
        try:
            self.cmd("LOGOUT")
        except Exception:
            pass
        self.sock.close()


def connect(a):
    t0 = time.perf_counter()
    c = Conn(a.host, a.port, not a.plain, a.cafile)
    st, _, _, _ = c.cmd("LOGIN %s %s" % (a.user, a.password))
    assert " OK" in st, st
    st, _, _, body = c.cmd("EXAMINE INBOX")
    assert " OK" in st, st
    m = re.search(rb"\* (\d+) EXISTS", body)
    exists = int(m.group(1))
    return c, exists, time.perf_counter() - t0


def timed(c, text, cpu=None):
    """Run one command; returns (seconds, FETCH responses, bytes). If cpu is a dict, the server's
    CPU seconds for the command go into cpu['server_cpu_s'] and the client's into cpu['client_cpu_s']."""
    s0 = server_ticks()
    c0 = time.process_time()
    t0 = time.perf_counter()
    st, n, nbytes, _ = c.cmd(text)
    dt = time.perf_counter() - t0
    if cpu is not None:
        cpu["client_cpu_s"] = time.process_time() - c0
        s1 = server_ticks()
        if s0 is not None and s1 is not None:
            cpu["server_cpu_s"] = (s1 - s0) / CLK_TCK
    if " OK" not in st:
        raise RuntimeError("%s -> %s" % (text[:60], st))
    return dt, n, nbytes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", default="benchpass")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=11993)
    ap.add_argument("--plain", action="store_true", help="no TLS (use with --port 11143)")
    ap.add_argument("--cafile", default="/tmp/bench-dovecot/ssl/ca.pem")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warm", action="store_true", help="just fetch everything once to fill Dovecot's cache")
    ap.add_argument("--json", help="write per-run and median results here")
    ap.add_argument("--reader-items", help="also time UID FETCH 1:* with these items (the reader's row "
                    "query, e.g. with BODYSTRUCTURE and header fields) as all_reader; --warm fetches them too")
    a = ap.parse_args()

    if a.warm:
        c, exists, _ = connect(a)
        dt, n, nb = timed(c, "UID FETCH 1:* " + WARM_ITEMS)
        if a.reader_items:
            timed(c, "UID FETCH 1:* " + a.reader_items)
        c.close()
        print("%s: warmed %d messages (%.1f MB of responses) in %.2fs" % (a.user, n, nb / 1e6, dt))
        return

    runs = []
    for r in range(a.runs):
        res = {}
        c, exists, t_login = connect(a)
        lo = max(1, exists - 49)
        dt, n, nb = timed(c, "FETCH %d:%d %s" % (lo, exists, ENVELOPE_ITEMS))
        res.update(exists=exists, connect_login_select=t_login, first50=dt, first50_n=n,
                   first50_total=t_login + dt)
        c.close()

        c, _, _ = connect(a)
        cpu = {}
        dt, n, nb = timed(c, "UID FETCH 1:* " + ENVELOPE_ITEMS, cpu)
        res.update(all_envelopes=dt, all_envelopes_n=n, all_envelopes_mb=nb / 1e6,
                   all_envelopes_server_cpu=cpu.get("server_cpu_s"), all_envelopes_client_cpu=cpu["client_cpu_s"])
        c.close()

        c, _, _ = connect(a)
        cpu = {}
        dt, n, nb = timed(c, "UID FETCH 1:* " + HEADER_ITEMS, cpu)
        res.update(all_headers=dt, all_headers_n=n, all_headers_mb=nb / 1e6,
                   all_headers_server_cpu=cpu.get("server_cpu_s"), all_headers_client_cpu=cpu["client_cpu_s"])
        c.close()

        if a.reader_items:
            c, _, _ = connect(a)
            cpu = {}
            dt, n, nb = timed(c, "UID FETCH 1:* " + a.reader_items, cpu)
            res.update(all_reader=dt, all_reader_n=n, all_reader_mb=nb / 1e6,
                       all_reader_server_cpu=cpu.get("server_cpu_s"), all_reader_client_cpu=cpu["client_cpu_s"])
            c.close()

            # The same items over two connections at once, one per half of the mailbox:
            # does a second Dovecot process (the other core) shorten the whole fetch?
            import threading
            conns = [connect(a)[0] for _ in range(2)]
            half = max(1, exists // 2)
            ranges = ["%d:%d" % (half + 1, exists), "1:%d" % half]
            s0 = server_ticks()
            t0 = time.perf_counter()
            errors = []

            def fetch(conn, seqs):
                try:
                    st, _, _, _ = conn.cmd("FETCH %s %s" % (seqs, a.reader_items))
                    if " OK" not in st:
                        errors.append(st)
                except Exception as e:  # reported below
                    errors.append(str(e))

            threads = [threading.Thread(target=fetch, args=(cn, rg)) for cn, rg in zip(conns, ranges)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            dt = time.perf_counter() - t0
            s1 = server_ticks()
            for cn in conns:
                cn.close()
            if errors:
                raise RuntimeError("parallel halves: %s" % errors)
            res.update(all_reader_2conn=dt)
            if s0 is not None and s1 is not None:
                res.update(all_reader_2conn_server_cpu=(s1 - s0) / CLK_TCK)

        c, _, _ = connect(a)
        dt, _, nb = timed(c, "UID SEARCH ALL")
        res.update(uid_search=dt)
        dt, _, nb = timed(c, "UID SORT (REVERSE ARRIVAL) UTF-8 ALL")
        res.update(uid_sort=dt)
        c.close()
        runs.append(res)
        print("run %d: %s" % (r + 1, json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                                                  for k, v in res.items()})), file=sys.stderr)

    med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if runs[0][k] is not None}
    out = {"user": a.user, "port": a.port, "tls": not a.plain, "runs": runs, "median": med}
    print(json.dumps(out["median"], indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
