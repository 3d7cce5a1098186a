#!/usr/bin/env bash
# The whole test suite: installs the test servers when missing (needs root on
# Debian/Ubuntu), then runs every test of the crate (unit, integration, doc).
# Every test target runs even when an earlier one fails (the exit status still says so).
# Extra arguments go to cargo test, e.g. scripts/test.sh --test harness.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
"$REPO/scripts/install-test-deps.sh"
exec cargo test --locked --no-fail-fast "$@"
