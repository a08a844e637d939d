#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install build dependencies, start the local
# services if they are down, run every test of the workspace, stop what it started.
#
# The photo corpus is read from ../shared/photos (override with PUNCHLINE_PHOTOS).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
started=$(scripts/services.sh)
cleanup() {
  if grep -q "started postgresql" <<<"$started"; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main stop || true
  fi
}
trap cleanup EXIT

cargo test --workspace "$@"
