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
cargo build --release --quiet
exec target/release/punchline demo "$@"
