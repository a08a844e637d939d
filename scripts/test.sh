#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install build dependencies and the S3 test
# server, start PostgreSQL and RabbitMQ if they are down, run every test of the workspace,
# and stop what it started.
#
# The photo corpus is read from ../shared/photos (override with PUNCHLINE_PHOTOS).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
# s3s-fs (a real S3 server, from crates.io) is built once and reused: minutes the first time.
scripts/s3-server.sh install
started=$(scripts/services.sh)
cleanup() {
  if grep -q "started postgresql" <<<"$started"; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main stop || true
  fi
  if grep -q "started rabbitmq" <<<"$started"; then
    rabbitmqctl -q stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

cargo test --workspace "$@"
