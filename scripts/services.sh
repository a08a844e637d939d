#!/usr/bin/env bash
# Starts the local services the tests talk to, if they are down: PostgreSQL (records).
# Prints what it started to stdout as `started NAME` so a caller can stop only those.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
    echo "started postgresql"
  else
    echo "PostgreSQL is not installed: install it (apt-get install postgresql) or set PUNCHLINE_TEST_DATABASE_URL" >&2
    exit 1
  fi
fi
