#!/bin/bash
# Start the benchmark Dovecot (loopback only: 127.0.0.1:11143 imap, 127.0.0.1:11993 imaps).
# Idempotent: does nothing if our instance is already running.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CONF="$HERE/dovecot/dovecot.conf"
B=/tmp/bench-dovecot
mkdir -p "$B"/{run,state,log,ssl,mail}

if [ -s "$B/run/master.pid" ] && kill -0 "$(cat "$B/run/master.pid")" 2>/dev/null; then
  echo "bench dovecot already running (pid $(cat "$B/run/master.pid"))"; exit 0
fi

# a small test CA and a server certificate it signed, for 127.0.0.1 / localhost
# (rustls refuses a self-signed CA:TRUE certificate used directly by the server)
if [ ! -s "$B/ssl/ca.pem" ] || [ ! -s "$B/ssl/cert.pem" ] || [ ! -s "$B/ssl/key.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$B/ssl/ca.key" -out "$B/ssl/ca.pem" \
    -days 3650 -subj "/CN=bench test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -keyout "$B/ssl/key.pem" -out "$B/ssl/leaf.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$B/ssl/leaf.ext"
  openssl x509 -req -in "$B/ssl/leaf.csr" -CA "$B/ssl/ca.pem" -CAkey "$B/ssl/ca.key" -CAcreateserial \
    -days 3650 -extfile "$B/ssl/leaf.ext" -out "$B/ssl/cert.pem" >/dev/null 2>&1
  chmod 600 "$B/ssl/key.pem" "$B/ssl/ca.key"
fi

# passwd-file: user:{PLAIN}pass:::home::   (uid/gid empty: mail_uid=mail in dovecot.conf)
if [ ! -s "$B/users" ]; then
  : > "$B/users"
  for u in bench bench1k bench10k bench100k; do
    printf '%s:{PLAIN}benchpass:::%s/mail/%s::\n' "$u" "$B" "$u" >> "$B/users"
  done
fi

# Dovecot keeps the caller's stdio open after daemonizing: detach it so a pipe can end.
dovecot -c "$CONF" </dev/null >>"$B/log/dovecot-start.log" 2>&1
for i in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/11993) 2>/dev/null; then
    echo "bench dovecot started (pid $(cat "$B/run/master.pid")), imap 127.0.0.1:11143, imaps 127.0.0.1:11993"
    exit 0
  fi
  sleep 0.1
done
echo "dovecot did not come up; see $B/log/dovecot.log" >&2
tail -20 "$B/log/dovecot.log" >&2 || true
exit 1
