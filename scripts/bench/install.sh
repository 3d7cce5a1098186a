#!/usr/bin/env bash
# Installs what the benchmarks need when it is missing (Debian/Ubuntu, as root): Dovecot,
# openssl and python3, and the extra commands named on the command line (e.g. tmux). The
# packages' own services are kept from starting (no system Dovecot on 143/993).
#   scripts/bench/install.sh [tmux]
set -euo pipefail
missing=()
command -v dovecot >/dev/null || missing+=(dovecot-imapd dovecot-core)
command -v doveadm >/dev/null || missing+=(dovecot-core)
command -v openssl >/dev/null || missing+=(openssl)
command -v python3 >/dev/null || missing+=(python3)
for extra in "$@"; do
  command -v "$extra" >/dev/null || missing+=("$extra")
done
[ ${#missing[@]} -gt 0 ] || exit 0
echo "installing: ${missing[*]}"
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
exit 0
