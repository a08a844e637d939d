#!/usr/bin/env bash
# The newcomer's first command: build punchline and run `punchline demo` on the embedded
# default (a SQLite file, a local directory, the SQLite queue: no server). It punches a
# dozen sample photos from ../shared/photos (or $PUNCHLINE_DEMO_PHOTOS) through the HTTP
# path the apps use and prints each verdict with its flags and evidence.
#
#   scripts/quickstart.sh                      temporary data, deleted at the end
#   scripts/quickstart.sh --data-dir ./demo    keep the database and objects to look at
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# The embedded default alone: the production backends (PostgreSQL, RabbitMQ, S3: the AWS
# SDK is the largest crate of the build) are left out of the newcomer's first build. The
# default `cargo build --release` has them all.
cargo build --release --quiet --no-default-features
exec target/release/punchline demo "$@"
