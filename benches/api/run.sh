#!/usr/bin/env bash
# The api's load benchmark (issue 6): `POST /v1/punches` and `GET /v1/punches/{id}`
# throughput and latency percentiles with wrk, against `punchline serve` (release) on
# PostgreSQL (a fresh database) and RabbitMQ, on this machine. Prints a markdown table and
# writes it into docs/benchmarks.md between <!-- api:begin --> and <!-- api:end -->.
#
#   benches/api/run.sh [--duration 20] [--connections 16] [--no-doc]
#
# Needs: wrk (scripts/install-deps.sh --bench), PostgreSQL and RabbitMQ up
# (scripts/services.sh starts them), psql.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v wrk >/dev/null || { echo "run.sh: wrk not found (scripts/install-deps.sh --bench)" >&2; exit 1; }
cargo build --release --quiet
exec python3 benches/api/load.py --command "benches/api/run.sh $*" "$@"
