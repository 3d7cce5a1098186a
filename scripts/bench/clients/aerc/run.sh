#!/bin/sh
# Kept beside sealmail's own benchmarks, so that one run measures every client.
# Wrapper used by the harness: aerc reading INBOX over IMAPS.
#   BENCH_USER (required) BENCH_PASS (default benchpass) BENCH_HOST (127.0.0.1) BENCH_PORT (11993)
#   BENCH_AERC_CACHE=true -> aerc's own header cache (cache-headers); default false (cold)
#   BENCH_CA_FILE: PEM file to trust (default: the bench server's self-signed cert)
# The self-signed server cert is trusted through SSL_CERT_FILE (Go's crypto/x509 reads it).
# It is set unconditionally: this machine already exports SSL_CERT_FILE=<system bundle>.
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${BENCH_USER:?set BENCH_USER}"
export BENCH_PASS="${BENCH_PASS:-benchpass}" BENCH_HOST="${BENCH_HOST:-127.0.0.1}" BENCH_PORT="${BENCH_PORT:-11993}"
export BENCH_CLIENT_DIR="/tmp/bench-clients/aerc/$BENCH_USER"
CFG="$BENCH_CLIENT_DIR/config/aerc"
mkdir -p "$CFG" "$BENCH_CLIENT_DIR/cache" "$BENCH_CLIENT_DIR/data" "$BENCH_CLIENT_DIR/state"
sed "s#\${BENCH_CLIENT_DIR}#$BENCH_CLIENT_DIR#g" "$HERE/aerc.conf" > "$CFG/aerc.conf"
cp "$HERE/binds.conf" "$CFG/binds.conf"
umask 077
sed -e "s#@USER@#$BENCH_USER#g" -e "s#@PASS@#$BENCH_PASS#g" -e "s#@HOST@#$BENCH_HOST#g" \
    -e "s#@PORT@#$BENCH_PORT#g" -e "s#@CACHE@#${BENCH_AERC_CACHE:-false}#g" \
    "$HERE/accounts.conf.in" > "$CFG/accounts.conf"
chmod 600 "$CFG/accounts.conf"
export XDG_CONFIG_HOME="$BENCH_CLIENT_DIR/config" XDG_CACHE_HOME="$BENCH_CLIENT_DIR/cache" \
       XDG_DATA_HOME="$BENCH_CLIENT_DIR/data" XDG_STATE_HOME="$BENCH_CLIENT_DIR/state"
export SSL_CERT_FILE="${BENCH_CA_FILE:-/tmp/bench-dovecot/ssl/ca.pem}"
mkdir -p "$BENCH_CLIENT_DIR/run" && chmod 700 "$BENCH_CLIENT_DIR/run"
export XDG_RUNTIME_DIR="$BENCH_CLIENT_DIR/run"     # aerc.sock goes here, not /run/user/0
exec aerc "$@"
