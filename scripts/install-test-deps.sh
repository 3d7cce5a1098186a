#!/usr/bin/env bash
# Install what the integration tests start or call, on Debian/Ubuntu, as root.
# Idempotent and quiet when everything is already there; loud on failure.
#
#   * Debian packages dovecot-imapd, dovecot-lmtpd, postfix, openssl: private
#     Dovecot and Postfix instances on loopback (never started system-wide here)
#   * Debian packages gnupg and gpgsm: OpenPGP and S/MIME messages made by the real tools
#   * Debian packages postgresql and haproxy: a private PostgreSQL (initdb/pg_ctl as the
#     postgres user) and HAProxy in front of several portal instances (the system cluster
#     the package would start is kept from starting by policy-rc.d)
#   * the npm package oidc-provider (pinned in tests/infra/idp/package-lock.json),
#     installed into target/test-idp/ (the test OpenID Connect provider)
#   * the Python package cryptography (an independent implementation in the tests)
#   * the Python package prometheus_client (an independent OpenMetrics parser)
#   * Cyrus IMAP (Debian's cyrus-imapd and cyrus-common), unpacked into
#     target/test-cyrus/VERSION/root, not installed: the package conflicts with
#     dovecot-imapd. Its library dependencies, sasl2-bin and libsasl2-modules are
#     installed with apt, and the `cyrus` system user (group mail) is created. A small
#     LD_PRELOAD shim (tests/infra/cyrus/syslog-to-file.c) is built with cc so that each
#     test instance logs into its own state dir.
#
# Environment: SEALMAIL_TEST_IDP_HOME overrides target/test-idp,
# SEALMAIL_TEST_CYRUS_HOME overrides target/test-cyrus.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IDP_SRC="$REPO/tests/infra/idp"
IDP_HOME=${SEALMAIL_TEST_IDP_HOME:-"$REPO/target/test-idp"}
CYRUS_HOME=${SEALMAIL_TEST_CYRUS_HOME:-"$REPO/target/test-cyrus"}
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
for p in dovecot-imapd dovecot-lmtpd postfix openssl gnupg gpgsm sasl2-bin libsasl2-modules \
  postgresql haproxy; do
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
for b in dovecot postfix openssl gpg gpgsm node npm python3 haproxy; do
  command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || die "$b is still missing after installing packages"
done
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null ||
  die "PostgreSQL's initdb is still missing after installing postgresql"

# Cyrus IMAP, unpacked beside Dovecot. `cyrus-imapd` conflicts with `dovecot-imapd` (both
# provide imap-server), so installing it would remove Dovecot: download the two packages,
# unpack them into $CYRUS_HOME/VERSION/root and run the binaries from there (the harness
# sets LD_LIBRARY_PATH for the package's own libcyrus*.so and names every program by its
# absolute path). $CYRUS_HOME/current names the unpacked version; when it is complete,
# nothing here touches apt.
# what the package's postinst would have made: the user Cyrus drops privileges to
if ! id -u cyrus >/dev/null 2>&1; then
  run useradd --system --gid mail --home-dir /var/lib/cyrus --no-create-home \
    --shell /usr/sbin/nologin --comment "Cyrus Mailsystem User" cyrus
fi
[ "$(id -gn cyrus)" = mail ] || id -nG cyrus | grep -qw mail || run usermod -a -G mail cyrus
# The programs run as that user, which must reach them: a checkout under /root is not
# traversable for it, so then they go to /var/lib/sealmail-test-cyrus ($CYRUS_HOME/current
# then holds that absolute path).
mkdir -p "$CYRUS_HOME"
if runuser -u cyrus -- test -x "$CYRUS_HOME" 2>/dev/null; then
  CYRUS_UNPACK=$CYRUS_HOME
else
  CYRUS_UNPACK=/var/lib/sealmail-test-cyrus
fi
CYRUS_PACKAGES=(cyrus-common cyrus-imapd)
# where `current` points: a version dir under $CYRUS_HOME, or an absolute path
cyrus_dir() {
  local dir
  dir=$(cat "$CYRUS_HOME/current" 2>/dev/null) || return 1
  case "$dir" in
    /*) printf '%s\n' "$dir" ;;
    *) printf '%s\n' "$CYRUS_HOME/$dir" ;;
  esac
}
cyrus_ready() {
  local dir
  dir=$(cyrus_dir) || return 1
  [ -x "$dir/root/usr/lib/cyrus/bin/master" ] &&
    [ -x "$dir/root/usr/lib/cyrus/bin/imapd" ] &&
    [ -f "$dir/.complete" ] &&
    runuser -u cyrus -- test -x "$dir/root/usr/lib/cyrus/bin/imapd" 2>/dev/null
}
if ! cyrus_ready; then
  if [ "$apt_updated" = 0 ]; then
    apt-get update -q >>"$LOG" 2>&1 || die "apt-get update failed"
    apt_updated=1
  fi
  version=$(apt-cache policy cyrus-imapd | awk '/Candidate:/ { print $2 }')
  case "$version" in ''|'(none)') die "apt knows no cyrus-imapd package (is this Debian 12?)" ;; esac
  dir=$(printf '%s' "$version" | tr -c 'A-Za-z0-9.+-' '_')
  debs="$CYRUS_UNPACK/$dir/debs"
  rm -rf "${CYRUS_UNPACK:?}/$dir"
  mkdir -p "$debs"
  # apt's sandbox user may not be able to write into the checkout
  (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root \
    "${CYRUS_PACKAGES[@]/%/=$version}") >>"$LOG" 2>&1 ||
    die "apt-get download ${CYRUS_PACKAGES[*]} ($version) failed"
  for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$CYRUS_UNPACK/$dir/root" >>"$LOG" 2>&1 || die "dpkg-deb -x $deb failed"
  done
  # their shared-library dependencies (lib* names only: the other dependencies are the
  # package's scripts, a mail transport and the like, which an unpacked copy never runs)
  libs=()
  for lib in $(for deb in "$debs"/*.deb; do dpkg-deb -f "$deb" Depends; done |
    tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/:any//; s/[[:space:]]//g' | grep '^lib' | sort -u); do
    installed "$lib" || libs+=("$lib")
  done
  [ ${#libs[@]} -eq 0 ] || apt_install "${libs[@]}"
  touch "$CYRUS_UNPACK/$dir/.complete"
  if [ "$CYRUS_UNPACK" = "$CYRUS_HOME" ]; then
    printf '%s\n' "$dir" >"$CYRUS_HOME/current"
  else
    printf '%s\n' "$CYRUS_UNPACK/$dir" >"$CYRUS_HOME/current"
  fi
fi
cyrus_root="$(cyrus_dir)/root"
cyrus_libs=$(dirname "$(find "$cyrus_root/usr/lib" -name 'libcyrus.so.0' -print -quit)")
missing_libs=$(cd "$cyrus_root/usr/lib/cyrus/bin" && LD_LIBRARY_PATH="$cyrus_libs" \
  ldd master imapd ctl_cyrusdb idled 2>&1 | grep 'not found' | sort -u || true)
[ -z "$missing_libs" ] || die "the unpacked Cyrus in $cyrus_root lacks libraries:
$missing_libs"
# Cyrus logs only to syslog: a preloaded shim sends each test instance's lines to a file of
# its own (without a C compiler the tests still run, without Cyrus's log)
shim_src="$REPO/tests/infra/cyrus/syslog-to-file.c"
shim="$cyrus_root/../syslog-to-file.so"
if [ ! -f "$shim" ] || [ "$shim_src" -nt "$shim" ]; then
  if command -v cc >/dev/null; then
    run cc -shared -fPIC -O2 -Wall -o "$shim" "$shim_src"
  else
    echo "install-test-deps: no C compiler: Cyrus's log will be missing from failed tests" >&2
  fi
fi
command -v saslpasswd2 >/dev/null || [ -x /usr/sbin/saslpasswd2 ] || die "saslpasswd2 is missing (sasl2-bin)"

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
