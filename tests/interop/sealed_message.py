#!/usr/bin/env python3
"""An independent implementation of the sealed-message format and portal API, version 2 (docs/protocol.md),
written from the specification with Python's standard library and the `cryptography` package.
The integration tests run it against sealmail to show that the specification, not one code base,
is what interoperates.

    sealed_message.py seal --portal ORIGIN --token TOKEN [--expires RFC3339] < inner.eml > sealed.eml
    sealed_message.py seal --portal ORIGIN --session S --in-reply-to ID < reply.eml  # a sealed reply
    sealed_message.py request-otp --email ADDR < sealed.eml          # prints the reference
    sealed_message.py unseal --email ADDR --otp CODE [--session-out F] < sealed.eml  # prints it
    sealed_message.py unseal --id-token TOKEN < sealed.eml
    sealed_message.py nonce < sealed.eml                             # a nonce for an ID token
    sealed_message.py open --key KEY_B64URL < sealed.eml             # decrypt with a known key
    sealed_message.py envelope < sealed.eml                          # prints the envelope JSON

`unseal` requires the envelope's `from` and `to` to equal what the portal says was registered,
and warns on stderr when the inner message's From differs from that sender.

Exit status: 0 on success; 2 for an API error (its JSON body on stderr); 3 when authentication
of the ciphertext fails; 4 for a malformed message or envelope (a version 1 message included:
its sender cannot be verified); 5 when the envelope disagrees with the portal's record (forged).
"""

import argparse
import base64
import datetime
import email
import email.policy
import email.utils
import json
import os
import re
import sys
import urllib.error
import urllib.request
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MEDIA_TYPE = "application/vnd.sealed-message+json"
CT_MEDIA_TYPE = "application/vnd.sealed-message.ciphertext"


class Malformed(Exception):
    pass


class Forged(Exception):
    pass


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str, length=None) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise Malformed("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(data) != text:
        raise Malformed("not canonical base64url")
    if length is not None and len(data) != length:
        raise Malformed(f"expected {length} bytes")
    return data


ADDRESS = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9-]+(\.[a-z0-9-]+)*")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def check_origin(origin: str):
    m = re.fullmatch(r"(https?)://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[1-9][0-9]{0,4})?", origin)
    if not m:
        raise Malformed("portal is not an origin")
    host = m.group(2)
    loopback = host in ("localhost", "[::1]") or host.startswith("127.")
    if m.group(1) == "http" and not loopback:
        raise Malformed("http:// only for loopback")


def aad(env: dict) -> bytes:
    fields = [env["portal"], env["id"], env["from"], ",".join(env["to"]), env["created"]]
    for f in fields:
        if "\n" in f:
            raise Malformed("newline in a field")
    for a in env["to"]:
        if "," in a:
            raise Malformed("comma in an address")
    return ("sealed-message/2\n" + "\n".join(fields)).encode("utf-8")


def validate(env: dict):
    if not isinstance(env, dict):
        raise Malformed("the envelope is not an object")
    if env.get("v") == 1 and type(env.get("v")) is int:
        raise Malformed("version 1: the sender cannot be verified, not opened")
    if env.get("v") != 2 or type(env.get("v")) is not int:
        raise Malformed("v")
    if env.get("alg") != "A256GCM":
        raise Malformed("alg")
    check_origin(env.get("portal", ""))
    unb64url(env.get("id", ""), 16)
    if not ADDRESS.fullmatch(env.get("from", "")):
        raise Malformed("from")
    to = env.get("to")
    if not isinstance(to, list) or not to or not all(isinstance(a, str) and ADDRESS.fullmatch(a) for a in to):
        raise Malformed("to")
    if any(to[i].encode() >= to[i + 1].encode() for i in range(len(to) - 1)):
        raise Malformed("to is not sorted and unique")
    if not TIMESTAMP.fullmatch(env.get("created", "")):
        raise Malformed("created")
    unb64url(env.get("nonce", ""), 12)


def open_envelope(env: dict, ct: bytes, key: bytes) -> bytes:
    validate(env)
    if len(ct) < 16:
        raise Malformed("ct")
    return AESGCM(key).decrypt(unb64url(env["nonce"], 12), ct, aad(env))


def find_envelope(raw: bytes):
    """The envelope (a dict) and the ciphertext (bytes) of a sealed message."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    header = msg.get("Sealed-Message")
    env = ct = None
    for part in msg.walk():
        if env is None and part.get_content_type() == MEDIA_TYPE:
            env = json.loads(part.get_payload(decode=True))
            validate(env)
        elif ct is None and part.get_content_type() == CT_MEDIA_TYPE:
            ct = part.get_payload(decode=True)
    if env is None:
        raise Malformed("no envelope part")
    if ct is None:
        raise Malformed("no ciphertext part")
    if header is not None:
        params = dict(p.strip().split("=", 1) for p in str(header).split(";") if "=" in p)
        if params.get("portal") != env["portal"] or params.get("id") != env["id"] or params.get("v") != "2":
            raise Malformed("the Sealed-Message header does not match the envelope")
    return env, ct


def check_registered(env: dict, answer: dict, inner: bytes):
    """The portal is the authority for the sender: the envelope must agree with its record."""
    if answer.get("from") != env["from"]:
        raise Forged(f"the envelope says {env['from']}, the portal says {answer.get('from')} registered it")
    if answer.get("to") != env["to"]:
        raise Forged("the envelope names other recipients than the portal registered")
    msg = email.message_from_bytes(inner, policy=email.policy.default)
    froms = [a.lower() for _, a in email.utils.getaddresses([str(v) for v in msg.get_all("From", [])])]
    if froms != [env["from"]]:
        sys.stderr.write(f"WARNING: the inner From {froms} is not the verified sender {env['from']}\n")


def api(origin: str, method: str, path: str, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(origin + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
            return resp.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        sys.stderr.write(e.read().decode("utf-8", "replace") + "\n")
        sys.exit(2)


def cmd_seal(args):
    inner = sys.stdin.buffer.read()
    msg = email.message_from_bytes(inner, policy=email.policy.default)
    sender = email.utils.getaddresses([str(msg.get("From", ""))])[0][1].lower()
    rcpts = email.utils.getaddresses([str(v) for v in msg.get_all("To", []) + msg.get_all("Cc", [])])
    to = sorted({a.lower() for _, a in rcpts if a}, key=lambda a: a.encode())
    check_origin(args.portal)
    env = {
        "v": 2,
        "portal": args.portal,
        "id": b64url(os.urandom(16)),
        "from": sender,
        "to": to,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "alg": "A256GCM",
    }
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    env["nonce"] = b64url(nonce)
    ct = AESGCM(key).encrypt(nonce, inner, aad(env))
    validate(env)
    registration = {"id": env["id"], "from": sender, "to": to, "key": b64url(key), "expires": args.expires}
    if args.session:
        # A sealed reply (section 4.7): authorised by the replier's session, no sender token.
        registration.update({"in_reply_to": args.in_reply_to, "session": args.session})
        status, _ = api(args.portal, "POST", "/v1/replies", registration)
    else:
        status, _ = api(args.portal, "POST", "/v1/messages", registration, token=args.token)
    assert status == 201, status

    outer = MIMEMultipart("mixed")
    for name in ("From", "To", "Cc", "Date", "Message-ID", "In-Reply-To", "References", "Subject"):
        if msg.get(name) is not None:
            outer[name] = str(msg.get(name))
    outer["Sealed-Message"] = f"v=2; portal={env['portal']}; id={env['id']}"
    notice = MIMEMultipart("alternative")
    notice.attach(MIMEText(f"{sender} sent you a sealed message. Read it with a reader that "
                           f"understands sealed messages; the key is at {env['portal']}.\n"))
    notice.attach(MIMEText(f"<p>{sender} sent you a sealed message.</p>\n", "html"))
    outer.attach(notice)
    part = MIMEApplication(json.dumps(env).encode(), "vnd.sealed-message+json")
    part.add_header("Content-Disposition", "attachment", filename="message.sealed")
    outer.attach(part)
    part = MIMEApplication(ct, "vnd.sealed-message.ciphertext")  # base64, by MIME only
    part.add_header("Content-Disposition", "attachment", filename="message.sealed.bin")
    outer.attach(part)
    sys.stdout.buffer.write(outer.as_bytes(policy=email.policy.SMTP))


def cmd_request_otp(args):
    env, _ = find_envelope(sys.stdin.buffer.read())
    status, body = api(env["portal"], "POST", "/v1/otp", {"id": env["id"], "email": args.email})
    assert status == 202 and re.fullmatch(r"[A-Z0-9]{4}", body["reference"]), body
    print(body["reference"])


def cmd_nonce(_args):
    env, _ = find_envelope(sys.stdin.buffer.read())
    status, body = api(env["portal"], "POST", "/v1/oidc-nonce", {})
    assert status == 200 and re.fullmatch(r"[A-Za-z0-9_-]+", body["nonce"]), body
    print(body["nonce"])


def cmd_unseal(args):
    env, ct = find_envelope(sys.stdin.buffer.read())
    body = {"id": env["id"]}
    if args.id_token:
        body["id_token"] = args.id_token
    else:
        body["email"], body["otp"] = args.email, args.otp
    status, answer = api(env["portal"], "POST", "/v1/unseal", body)
    assert status == 200 and answer["session"] and answer["session_expires_in"] > 0, answer
    if answer.get("from") != env["from"] or answer.get("to") != env["to"]:
        check_registered(env, answer, b"")
    inner = open_envelope(env, ct, unb64url(answer["key"], 32))
    check_registered(env, answer, inner)
    if args.session_out:
        with open(args.session_out, "w") as f:
            f.write(answer["session"])
    sys.stdout.buffer.write(inner)


def cmd_open(args):
    env, ct = find_envelope(sys.stdin.buffer.read())
    sys.stdout.buffer.write(open_envelope(env, ct, unb64url(args.key, 32)))


def cmd_envelope(_args):
    sys.stdout.write(json.dumps(find_envelope(sys.stdin.buffer.read())[0]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seal")
    s.add_argument("--portal", required=True)
    auth = s.add_mutually_exclusive_group(required=True)
    auth.add_argument("--token")
    auth.add_argument("--session", help="seal a reply, authorised by this session")
    s.add_argument("--in-reply-to", help="with --session: the id of the message answered")
    s.add_argument("--expires")
    s.set_defaults(func=cmd_seal)
    s = sub.add_parser("request-otp")
    s.add_argument("--email", required=True)
    s.set_defaults(func=cmd_request_otp)
    s = sub.add_parser("unseal")
    s.add_argument("--email")
    s.add_argument("--otp")
    s.add_argument("--id-token")
    s.add_argument("--session-out", help="write the session token to this file")
    s.set_defaults(func=cmd_unseal)
    s = sub.add_parser("nonce")
    s.set_defaults(func=cmd_nonce)
    s = sub.add_parser("open")
    s.add_argument("--key", required=True)
    s.set_defaults(func=cmd_open)
    s = sub.add_parser("envelope")
    s.set_defaults(func=cmd_envelope)
    args = p.parse_args()
    try:
        args.func(args)
    except InvalidTag:
        sys.stderr.write("authentication failed: the message was altered or the key is wrong\n")
        sys.exit(3)
    except Forged as e:
        sys.stderr.write(f"forged: {e}\n")
        sys.exit(5)
    except (Malformed, KeyError, ValueError) as e:
        sys.stderr.write(f"malformed: {e}\n")
        sys.exit(4)


if __name__ == "__main__":
    main()
