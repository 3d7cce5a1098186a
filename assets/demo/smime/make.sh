#!/bin/sh
# Makes the demo's S/MIME PKI and its S/MIME messages with openssl (3.0 or later). Run from
# anywhere: `sh assets/demo/smime/make.sh`, then `python3 assets/demo/generate.py` (which lists
# the messages in src/demo/messages.rs) and commit what changed. Every run makes new keys, so
# the certificates, keys and the four messages must be committed together.
# These are public demo keys: they protect nothing.
set -eu
cd "$(dirname "$0")"
INBOX=../INBOX
DAYS=7300 # 20 years
umask 022
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the PKI -----------------------------------------------------------------------------

# The demo root: the demo's only trust anchor.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out demo-root.key
openssl req -x509 -new -key demo-root.key -sha256 -days "$DAYS" \
    -subj "/O=sealmail demo/CN=sealmail demo root CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out demo-root.crt

# A mail certificate issued by the demo root: name, address, file stem.
issue() {
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$3.key"
    openssl req -new -key "$3.key" -subj "/O=sealmail demo/CN=$1/emailAddress=$2" \
        -out "$work/$3.csr"
    cat >"$work/$3.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=emailProtection
subjectAltName=email:$2
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
    openssl x509 -req -in "$work/$3.csr" -CA demo-root.crt -CAkey demo-root.key \
        -CAcreateserial -sha256 -days "$DAYS" -extfile "$work/$3.ext" -out "$3.crt"
}

# The demo user, and a correspondent who signs (and whom the demo user can encrypt to).
issue "Sam Taylor" sam@example.org sam
issue "Priya Raman" priya@devteam.example priya
rm -f demo-root.srl

# A signer no authority vouches for: a self-signed certificate.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out untrusted.key
openssl req -x509 -new -key untrusted.key -sha256 -days "$DAYS" \
    -subj "/O=Lockbox Backups/CN=Lockbox Backups/emailAddress=alerts@lockbox-backup.example" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    -addext "extendedKeyUsage=emailProtection" \
    -addext "subjectAltName=email:alerts@lockbox-backup.example" \
    -out untrusted.crt

# --- the messages ------------------------------------------------------------------------

# Puts the Date and Message-ID fields ($1, $2) above what openssl wrote ($3), into $4.
dated() {
    { printf 'Date: %s\nMessage-ID: %s\n' "$1" "$2"; cat "$3"; } >"$4"
}

# (1) Signed by Priya, then encrypted to Sam with AES-256-GCM (authenticated enveloped data).
cat >"$work/gcm.txt" <<'EOF'
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hi Sam,

here are the staging credentials for Thursday's release.

  host:     staging-db.devteam.example
  user:     release
  password: (demo only) plum-harbour-47

I signed this message and encrypted it to your certificate with
AES-256-GCM. Only your key opens it, and a change on the way would make
it fail to open instead of showing altered text. The banner above says
so: encrypted with S/MIME (AES-256-GCM), signed by priya@devteam.example,
verified.

Press r to answer: the reply starts encrypted to me with S/MIME (c on the
review changes that), and the demo's mail server delivers it to Delivered.

Priya
EOF
openssl cms -sign -nodetach -md sha256 -signer priya.crt -inkey priya.key \
    -in "$work/gcm.txt" -out "$work/gcm-signed.txt"
openssl cms -encrypt -aes-256-gcm -in "$work/gcm-signed.txt" \
    -from "Priya Raman <priya@devteam.example>" -to "Sam Taylor <sam@example.org>" \
    -subject "Staging credentials for the release" -out "$work/gcm.eml" sam.crt
dated "Sun, 6 Apr 2025 15:30:00 +0530" "<staging-credentials@devteam.example>" \
    "$work/gcm.eml" "$INBOX/36-smime-signed-encrypted.eml"

# (2) Encrypted to Sam with AES-256-CBC only, not signed.
cat >"$work/cbc.txt" <<'EOF'
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Dear Sam Taylor,

your renewed home insurance policy (HI-2025-88213) starts on 1 May.
The premium stays at 31.20 a month.

This message was encrypted to your certificate with AES-256-CBC, as
many older mail gateways still do. That keeps it confidential, but
nothing detects a change on the way: whoever intercepts it could alter
parts of the text without the key. sealmail shows it with a warning
that it is not integrity-protected. It is not signed either, so
nothing in it proves who sent it.

Harbour Insurance
EOF
openssl cms -encrypt -aes-256-cbc -in "$work/cbc.txt" \
    -from "Harbour Insurance <policies@harbour-insurance.example>" \
    -to "Sam Taylor <sam@example.org>" -subject "Your policy renewal" \
    -out "$work/cbc.eml" sam.crt
dated "Sun, 6 Apr 2025 14:05:00 +0100" "<renewal-hi-2025-88213@harbour-insurance.example>" \
    "$work/cbc.eml" "$INBOX/37-smime-cbc-only.eml"

# (3) Detached-signed (multipart/signed) with Priya's certificate, from another address.
cat >"$work/not-sender.txt" <<'EOF'
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hi all,

the release freeze starts on Friday at noon. After that, only fixes
for release blockers go in.

This message is signed with a certificate the demo trusts, and the
signature is good; but the certificate is Priya's
(priya@devteam.example), not that of the address this comes from
(announce@devteam.example). sealmail says "signed, but by
priya@devteam.example, not the sender": the signature vouches for the
text, not for the From line.

The DevTeam release crew
EOF
openssl cms -sign -md sha256 -signer priya.crt -inkey priya.key \
    -in "$work/not-sender.txt" \
    -from "DevTeam announcements <announce@devteam.example>" \
    -to "Sam Taylor <sam@example.org>" -subject "Release freeze starts Friday" \
    -out "$work/not-sender.eml"
dated "Sun, 6 Apr 2025 12:10:00 +0000" "<release-freeze@devteam.example>" \
    "$work/not-sender.eml" "$INBOX/38-smime-not-the-sender.eml"

# (4) Detached-signed with the self-signed certificate.
cat >"$work/untrusted.txt" <<'EOF'
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hello Sam,

your nightly backup finished at 02:14: 12.4 GB in 48,211 files, all
checked.

This message is signed, and the signature matches the text; but its
certificate is self-signed: no authority the demo trusts vouches for
it, and anyone can make one that names any address. sealmail says it
is signed by an unknown or untrusted key.

Lockbox Backups
EOF
openssl cms -sign -md sha256 -signer untrusted.crt -inkey untrusted.key \
    -in "$work/untrusted.txt" \
    -from "Lockbox Backups <alerts@lockbox-backup.example>" \
    -to "Sam Taylor <sam@example.org>" -subject "Backup completed: 12.4 GB" \
    -out "$work/untrusted.eml"
dated "Sun, 6 Apr 2025 10:45:00 +0200" "<backup-20250406@lockbox-backup.example>" \
    "$work/untrusted.eml" "$INBOX/39-smime-self-signed.eml"
