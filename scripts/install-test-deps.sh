#!/usr/bin/env bash
# Install what the integration tests start or call, on Debian/Ubuntu, as root.
# Idempotent and quiet when everything is already there; loud on failure.
#
#   * Debian packages dovecot-imapd, dovecot-lmtpd, postfix, openssl: private
#     Dovecot and Postfix instances on loopback (never started system-wide here)
#   * the npm package oidc-provider (pinned in tests/infra/idp/package-lock.json),
#     installed into target/test-idp/ (the test OpenID Connect provider)
#   * the Python package cryptography (an independent implementation in the tests)
#   * the Python package prometheus_client (an independent OpenMetrics parser)
#
# Environment: SEALMAIL_TEST_IDP_HOME overrides target/test-idp.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IDP_SRC="$REPO/tests/infra/idp"
IDP_HOME=${SEALMAIL_TEST_IDP_HOME:-"$REPO/target/test-idp"}
LOG=$(mktemp /tmp/install-test-deps.XXXXXX.log)
trap 'rm -f "$LOG"' EXIT

die() {
  echo "install-test-deps: $*" >&2
  if [ -s "$LOG" ]; then
    echo "---- output ----" >&2
    tail -n 60 "$LOG" >&2
  fi
  exit 1
}
# run CMD...: keep its output in $LOG, show it only when it fails
run() { "$@" >>"$LOG" 2>&1 || die "failed: $*"; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs Debian packages; the tests start Dovecot and Postfix as root)"
command -v dpkg-query >/dev/null || die "needs a Debian or Ubuntu system (dpkg/apt)"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in dovecot-imapd dovecot-lmtpd postfix openssl; do
  installed "$p" || missing+=("$p")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
command -v python3 >/dev/null || missing+=(python3)

apt_updated=0
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # keep postinst scripts from starting system-wide daemons (without systemd the
  # /etc/init.d scripts would start a system Dovecot on 143/993 and a Postfix on 25)
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  # Postfix asks debconf questions; "No configuration" leaves /etc/postfix/main.cf absent
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "postfix postfix/mailname string example.test" | debconf-set-selections
  local ok=1
  if [ "$apt_updated" = 0 ]; then
    apt-get update -q >>"$LOG" 2>&1 || ok=0
    apt_updated=1
  fi
  [ "$ok" = 1 ] && { apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "$@" >>"$LOG" 2>&1 || ok=0; }
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "$ok" = 1 ] || die "apt-get install $* failed"
}

if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
for b in dovecot postfix openssl node npm python3; do
  command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || die "$b is still missing after installing packages"
done

# The IdP: npm ci into $IDP_HOME when node_modules is missing or older than the lock file.
stamp="$IDP_HOME/node_modules/.sealmail-package-lock.json"
if [ ! -f "$IDP_HOME/node_modules/oidc-provider/package.json" ] ||
   ! cmp -s "$IDP_SRC/package-lock.json" "$stamp"; then
  mkdir -p "$IDP_HOME"
  cp "$IDP_SRC/package.json" "$IDP_SRC/package-lock.json" "$IDP_HOME/"
  (cd "$IDP_HOME" && npm ci --no-audit --no-fund --loglevel=error) >>"$LOG" 2>&1 ||
    die "npm ci of oidc-provider into $IDP_HOME failed"
  cp "$IDP_SRC/package-lock.json" "$stamp"
fi

# The independent implementation used by the envelope tests.
if ! python3 -c 'import cryptography' >/dev/null 2>&1; then
  if ! python3 -m pip install -q cryptography >>"$LOG" 2>&1; then
    # Debian's own python3 refuses pip installs (PEP 668) and may lack pip: use its package
    apt_install python3-cryptography
  fi
  python3 -c 'import cryptography' >>"$LOG" 2>&1 || die "python3 cannot import cryptography"
fi

# An independent OpenMetrics parser for the metrics file the reader writes.
if ! python3 -c 'import prometheus_client.openmetrics.parser' >/dev/null 2>&1; then
  if ! python3 -m pip install -q prometheus_client >>"$LOG" 2>&1; then
    apt_install python3-prometheus-client
  fi
  python3 -c 'import prometheus_client.openmetrics.parser' >>"$LOG" 2>&1 || die "python3 cannot import prometheus_client"
fi
exit 0
