#!/usr/bin/env bash
# Starts the local services the tests talk to, if they are down: PostgreSQL (records) and
# RabbitMQ (the production job queue). Prints `started NAME` for each one it started, so a
# caller can stop only those. The S3 test server is started by the store tests themselves
# (scripts/s3-server.sh).
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
rabbit_up() { rabbitmqctl -q status >/dev/null 2>&1; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
    echo "started postgresql"
  else
    echo "PostgreSQL is not installed (apt-get install postgresql), or set PUNCHLINE_TEST_DATABASE_URL" >&2
    exit 1
  fi
fi

if ! rabbit_up; then
  if command -v rabbitmq-server >/dev/null; then
    rabbitmq-server -detached >/dev/null 2>&1 || true
    # The node takes a few seconds to boot; wait for it rather than failing the first test.
    for _ in $(seq 1 60); do rabbit_up && break; sleep 1; done
    rabbit_up || { echo "RabbitMQ did not start" >&2; exit 1; }
    echo "started rabbitmq"
  else
    echo "RabbitMQ is not installed (apt-get install rabbitmq-server)" >&2
    exit 1
  fi
fi
