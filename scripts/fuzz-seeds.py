#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/ from the project's
own fixtures: the portal samples (tests/fixtures/, the shared portal corpus when it is there),
messages and config snippets written in the tests and docs, FETCH responses made from those
messages, and a few hand-written hostile inputs. Idempotent: each seed is named by its hash.

Usage: scripts/fuzz-seeds.py [CORPUS_DIR]   (default: fuzz/corpus)
"""

import email
import email.policy
import hashlib
import json
import email.utils
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Seeds larger than this are left out: libFuzzer's inputs stay small (see -max_len in fuzz.sh).
MAX_SEED = 64 * 1024

TARGETS = [
    "mime_view",
    "portal_classify",
    "imap_rows",
    "sanitize",
    "sealed_envelope",
    "portal_api",
    "config",
    "search_query",
    "header_cache",
    "crypto_open",
]

# OpenPGP shapes: PGP/MIME, armour, clear-signed text (no keys: the parsers around gpg).
PGP = [
    "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b\r\n"
    "Content-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA\r\n"
    "-----END PGP MESSAGE-----\r\n--b--\r\n",
    "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=s\r\n\r\n"
    "--s\r\nContent-Type: text/plain\r\n\r\nhi\r\n--s\r\nContent-Type: application/pgp-signature\r\n\r\n"
    "-----BEGIN PGP SIGNATURE-----\r\n\r\niQEzBAEBCAAd\r\n=abcd\r\n-----END PGP SIGNATURE-----\r\n--s--\r\n",
    "Subject: x\r\n\r\n-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\n- --dash\r\n"
    "-----BEGIN PGP SIGNATURE-----\r\n\r\niQ==\r\n-----END PGP SIGNATURE-----\r\n",
]

# Search queries as users type them (docs/user-guide.md "Searching") and the tests write them.
QUERIES = [
    "from:alice", "to:bob cc:team", "subject:Grüße", "body:pineapple", "見積",
    "\"quarterly report\"", "since:2026-02-15", "before:7d", "on:yesterday", "larger:10k",
    "smaller:2M", "is:unread", "is:flagged NOT is:answered", "has:attachment", "portal:sealed",
    "from:alice OR (subject:lunch AND is:answered) OR to:dave", "-from:alice is:unread",
    "(from:a OR to:b) NOT subject:c", "\"a \\\"quoted\\\" word\"", "from:", "((((", "a OR", "foo:bar",
]


def shared_corpus_dirs():
    """The shared portal corpus: beside the repository (CI) or at its usual place."""
    for base in (REPO.parent / "shared", REPO.parent.parent / "shared", Path("/work/shared")):
        d = base / "corpus" / "portal"
        if d.is_dir():
            yield d
            return


def message_files():
    roots = [REPO / "tests" / "fixtures", *shared_corpus_dirs()]
    for root in roots:
        for path in sorted(root.rglob("*.eml")):
            yield path.read_bytes()


def rust_literals(text):
    """String literals of Rust source (raw and plain, byte strings included), unescaped."""
    out = []
    for m in re.finditer(r'b?r(#+)"(.*?)"\1', text, re.S):
        out.append(m.group(2))
    plain = re.sub(r'b?r(#+)".*?"\1', "", text, flags=re.S)
    for m in re.finditer(r'b?"((?:[^"\\]|\\.)*)"', plain, re.S):
        out.append(unescape(m.group(1)))
    return out


def unescape(s):
    s = re.sub(r"\\\n\s*", "", s)  # line continuation
    def rep(m):
        e = m.group(1)
        simple = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
        if e in simple:
            return simple[e]
        if e.startswith("x"):
            return chr(int(e[1:], 16))
        if e.startswith("u{"):
            try:
                return chr(int(e[2:-1], 16))
            except ValueError:
                return ""
        return e
    return re.sub(r"\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)", rep, s)


def source_texts(*globs):
    for pattern in globs:
        for path in sorted(REPO.glob(pattern)):
            yield path.read_text(encoding="utf-8", errors="replace")


def messages_in_sources():
    for text in source_texts("tests/**/*.rs", "src/mime/*.rs", "src/portal/**/*.rs"):
        for lit in rust_literals(text):
            head = lit[:2000]
            if len(lit) > 40 and re.search(r"^(From|Subject|Content-Type):", head, re.M | re.I):
                yield lit.encode("utf-8", "surrogateescape")


def toml_snippets():
    for text in source_texts("src/config/*.rs"):
        for lit in rust_literals(text):
            if "[[account]]" in lit or "[reader]" in lit or "trusted_portals" in lit:
                yield lit.encode()
    for text in source_texts("docs/*.md", "README.md"):
        for m in re.finditer(r"```toml\n(.*?)```", text, re.S):
            yield m.group(1).encode()


# ---- IMAP: FETCH responses made from messages --------------------------------------------

CHEAP_FIELDS = [
    "Sealed-Message", "Content-Class", "Content-Type", "X-ProofpointSecure", "X-ZixNet",
    "X-VPM-ActionCode", "X-VPM-MIV",
]


def q(value):
    """An IMAP string: quoted when it can be, else a literal; NIL for None."""
    if value is None:
        return "NIL"
    if isinstance(value, bytes):
        value = value.decode("utf-8", "surrogateescape")
    value = str(value)
    if any(c in value for c in '"\\\r\n') or any(ord(c) > 126 for c in value):
        raw = value.encode("utf-8", "surrogateescape")
        return "{%d}\r\n" % len(raw) + raw.decode("utf-8", "surrogateescape")
    return '"%s"' % value


def addresses(value):
    if not value:
        return "NIL"
    out = []
    for name, addr in email.utils.getaddresses([str(value)]):
        local, _, host = addr.partition("@")
        out.append("(%s NIL %s %s)" % (q(name or None), q(local or None), q(host or None)))
    return "(" + "".join(out) + ")" if out else "NIL"


def params(pairs):
    if not pairs:
        return "NIL"
    return "(" + " ".join("%s %s" % (q(k), q(v)) for k, v in pairs) + ")"


def bodystructure(part, depth=0):
    if part.is_multipart() and depth < 8:
        subs = "".join(bodystructure(p, depth + 1) for p in part.get_payload())
        return "(%s %s)" % (subs or '("text" "plain" NIL NIL NIL "7bit" 0 0)',
                             q(part.get_content_subtype()))
    ctype, sub = part.get_content_maintype(), part.get_content_subtype()
    ps = [(k, v) for k, v in (part.get_params(header="content-type") or [])[1:]]
    payload = part.get_payload(decode=False)
    size = len(payload) if isinstance(payload, str) else 0
    cte = part.get("Content-Transfer-Encoding", "7bit")
    disp = part.get("Content-Disposition")
    if disp:
        dparams = (part.get_params(header="content-disposition") or [])
        dtype = dparams[0][0] if dparams else "attachment"
        dispo = "(%s %s)" % (q(dtype), params(dparams[1:]))
    else:
        dispo = "NIL"
    base = "(%s %s %s NIL NIL %s %d" % (q(ctype), q(sub), params(ps), q(cte), size)
    if ctype == "text":
        base += " %d" % payload.count("\n") if isinstance(payload, str) else " 0"
    return base + " NIL %s NIL NIL)" % dispo


def fetch_response(raw, seq):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    env = "(%s %s %s %s %s %s %s %s %s %s)" % (
        q(msg.get("Date")), q(msg.get("Subject")), addresses(msg.get("From")),
        addresses(msg.get("Sender") or msg.get("From")),
        addresses(msg.get("Reply-To") or msg.get("From")), addresses(msg.get("To")),
        addresses(msg.get("Cc")), addresses(msg.get("Bcc")), q(msg.get("In-Reply-To")),
        q(msg.get("Message-ID")))
    header = "".join("%s: %s\r\n" % (k, v) for k, v in msg.items() if k in CHEAP_FIELDS) + "\r\n"
    hb = header.encode("utf-8", "surrogateescape")
    try:
        bs = bodystructure(msg)
    except Exception:  # a message the stdlib cannot walk still makes a row
        bs = '("text" "plain" NIL NIL NIL "7bit" 0 0)'
    text = ("* %d FETCH (UID %d FLAGS (\\Seen) INTERNALDATE \"04-Dec-2026 10:00:00 +0000\" "
            "RFC822.SIZE %d ENVELOPE %s BODYSTRUCTURE %s BODY[HEADER.FIELDS (%s)] {%d}\r\n"
            % (seq, seq, len(raw), env, bs, " ".join(CHEAP_FIELDS), len(hb)))
    return text.encode("utf-8", "surrogateescape") + hb + b")\r\n"


HOSTILE_FETCH = [
    # A non-ASCII parameter name cut inside a character by a byte-length prefix test.
    b'* 1 FETCH (UID 1 ENVELOPE (NIL "x" NIL NIL NIL NIL NIL NIL NIL NIL) BODYSTRUCTURE '
    b'("application" "pdf" ("name" "a.pdf") NIL NIL "base64" 10 NIL ("attachment" '
    b'("filenam\xc3\xa9" "x.pdf" "filename*0*" "utf-8\'\'%C3%A9" "filename*1" "b")) NIL NIL))\r\n',
    b'* 2 FETCH (UID 2 FLAGS (\\Seen \\Flagged) ENVELOPE ("Mon, 4 Jan 2021 10:00:00 +0100" '
    b'"=?UTF-8?B?R3LDvMOfZQ==?=" (("=?iso-8859-1?Q?J=F6rg?=" NIL "j" "example.org")) NIL NIL '
    b'NIL NIL NIL NIL "<id@x>") BODYSTRUCTURE ((("text" "plain" ("charset" "utf-8") NIL NIL '
    b'"7bit" 1 1)("text" "html" NIL NIL NIL "7bit" 1 1) "alternative")("application" '
    b'"octet-stream" ("name*" "utf-8\'en\'%E2%80%AEfdp.exe") NIL NIL "base64" 4 NIL NIL NIL '
    b'NIL) "mixed"))\r\n',
    b'* 3 FETCH (UID 3 ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) '
    b'BODY[HEADER.FIELDS (Sealed-Message X-ZixNet)] {58}\r\nSealed-Message: v=1;\r\n '
    b'portal=https://p.example\r\nX-ZixNet: y\r\n\r\n)\r\n',
    b'* 4 FETCH (FLAGS (\\Deleted))\r\n* 5 EXISTS\r\n* 1 EXPUNGE\r\n',
]


# ---- small hand-written seeds ------------------------------------------------------------

SANITIZE = [
    "plain text, Grüße, 世界",
    "hi\x1b]52;c;ZXZpbA==\x07 \x1b[2J\u009b31m",
    "evil\u202efdp.exe \u2066x\u2069 \u200f\u061c",
    "pay\u200bpal \ufeff \u2060 \u2028\u2029 \U000e0041",
    "a\tb\r\nc\rd\n\te\x7f\x00",
    "\u115f\u1160\u3164\uffa0\u00ad\u034f\u180e\ufe0f\U000e0100\u2800",
    "👨\u200d👩\u200d👧 ❤\ufe0f",
    "<U+202E> \u2400 ␛",
]

API = [
    {"v": 1, "methods": ["otp", "oidc"], "otp": {"digits": 8, "ttl_s": 900},
     "oidc": [{"issuer": "https://id.example", "client_id": "mailreader", "name": "Example"}]},
    {"id": "AAAAAAAAAAAAAAAAAAAAAA", "from": "alice@example.org",
     "to": ["bob@example.org", "carol@example.org"], "key": "A" * 43,
     "expires": "2026-12-31T23:59:59Z"},
    {"id": "AAAAAAAAAAAAAAAAAAAAAA", "email": "Bob@Example.org"},
    {"reference": "K7QX", "expires_in": 900},
    {"id": "AAAAAAAAAAAAAAAAAAAAAA", "email": "bob@example.org", "otp": "12345678"},
    {"id": "AAAAAAAAAAAAAAAAAAAAAA", "id_token": "eyJhbGciOiJSUzI1NiJ9.e30.sig"},
    {"key": "A" * 43, "session": "s", "session_expires_in": 3600},
    {"error": "bad_credential", "message": "wrong passcode", "attempts_left": 4},
]
API_TEXT = [
    "https://portal.example.com:8443", "http://127.0.0.1:8080", "http://[::1]:9",
    "jane.doe@example.com", " Jane.Doe@EXAMPLE.com ", "a@b.example,c@d.example",
    "2026-11-24T10:00:00Z", "too_many_attempts", "AAAAAAAAAAAAAAAAAAAAAA",
]

SEALED_HEADERS = [
    "v=1; portal=https://portal.example.com; id=AAAAAAAAAAAAAAAAAAAAAA",
    "id=AAAAAAAAAAAAAAAAAAAAAA;\r\n portal=http://127.0.0.1:1; v=1",
]

CONFIG = [
    'trusted_portals = ["https://portal.example.com"]\n[reader]\norder = "oldest"\n'
    'layout = "full"\nfirst_window = 4294967295\n',
    '[[account]]\nname = "work"\nimap = "imaps://imap.example.com:993"\n'
    'user = "me@example.com"\nauth = "oauth2"\n[account.oauth2]\nprovider = "custom"\n'
    'client_id = "x"\nissuer = "https://id.example"\nscopes = ["openid"]\n'
    'token_store_command = "true"\ntoken_load_command = "true"\n',
    '[[account]]\nmaildir = "~/Mail"\n[[account]]\nimap = "imap://localhost"\nuser = "u"\n'
    'password_env = "X"\n',
]


def envelopes_of(raw):
    """The envelope JSON and Sealed-Message header of a sealed message."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    header = msg.get("Sealed-Message")
    if header:
        yield str(header).encode()
    for part in msg.walk():
        if part.get_content_type() == "application/vnd.sealed-message+json":
            body = part.get_payload(decode=True)
            if body:
                yield body


class Corpus:
    def __init__(self, root):
        self.root = Path(root)
        self.counts = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        if not data or len(data) > MAX_SEED:
            return
        d = self.root / target
        d.mkdir(parents=True, exist_ok=True)
        path = d / ("seed-" + hashlib.sha1(data).hexdigest()[:16])
        if not path.exists():
            path.write_bytes(data)
        self.counts[target] = self.counts.get(target, 0) + 1


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "fuzz" / "corpus"
    c = Corpus(root)
    messages = list(message_files()) + list(messages_in_sources())
    for seq, raw in enumerate(messages, 1):
        for target in ("mime_view", "portal_classify", "sealed_envelope", "crypto_open"):
            c.add(target, raw)
        for piece in envelopes_of(raw):
            c.add("sealed_envelope", piece)
        try:
            c.add("imap_rows", fetch_response(raw, seq))
        except Exception as e:  # noqa: BLE001 - a seed less, not a failure
            print("fuzz-seeds: no FETCH seed for one message: %s" % e, file=sys.stderr)
        subject = email.message_from_bytes(raw).get("Subject")
        if subject:
            c.add("sanitize", str(subject))
    for seed in HOSTILE_FETCH:
        c.add("imap_rows", seed)
    for s in SANITIZE:
        c.add("sanitize", s)
    for body in API:
        c.add("portal_api", json.dumps(body))
    for s in API_TEXT:
        c.add("portal_api", s)
    for s in SEALED_HEADERS:
        c.add("sealed_envelope", s)
    for s in CONFIG:
        c.add("config", s)
    for s in toml_snippets():
        c.add("config", s)
    for s in QUERIES:
        c.add("search_query", s)
    # The demo's S/MIME messages (made by openssl cms), whole and as their parts' bytes.
    for path in sorted((REPO / "assets" / "demo").rglob("*")):
        if path.is_file() and b"pkcs7" in path.read_bytes()[:4096]:
            raw = path.read_bytes()
            c.add("crypto_open", raw)
            for part in email.message_from_bytes(raw).walk():
                payload = part.get_payload(decode=True)
                if payload:
                    c.add("crypto_open", payload)
    for s in PGP:
        c.add("crypto_open", s)
    # Header-cache bodies: the target takes a row count byte, then row records.
    for n, rows in enumerate([b"", b"\x01\x00\x00\x00\x01\x03" + b"\x00" * 12 + b"\x00\x01\x00a\x01\x00b"]):
        c.add("header_cache", bytes([n]) + rows)
    for target in TARGETS:
        (root / target).mkdir(parents=True, exist_ok=True)
        print("fuzz-seeds: %-16s %3d seeds" % (target, c.counts.get(target, 0)))


if __name__ == "__main__":
    main()
