#!/usr/bin/env bash
# The comparison of issue 3: punchline vs vipsthumbnail vs Pillow + pillow-heif, making the same
# three variants of the same photos at 1 and 2 threads. Builds the release binary, waits for the
# machine to be idle (1-min load <= 1.5, up to 10 min), measures, prints a markdown table and
# writes it into docs/benchmarks.md between <!-- compare:begin --> and <!-- compare:end -->.
#
#   benches/compare/run.sh [--rounds 5] [--repeat 2] [--max-load 1.5] [--no-doc] [--photos DIR]
#
# Photos: $PUNCHLINE_PHOTOS or ../shared/photos next to the repository.
# Needs: cargo, vipsthumbnail (apt libvips-tools), python3 with Pillow, pillow-heif and numpy,
# taskset (util-linux). Method and caveats: benches/compare/compare.py.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
for tool in vipsthumbnail vips taskset python3 cargo; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found" >&2; exit 1; }
done
python3 -c 'import PIL, pillow_heif, numpy' || { echo "run.sh: needs pip install pillow pillow-heif numpy" >&2; exit 1; }
cargo build --release --quiet
exec python3 benches/compare/compare.py --command "benches/compare/run.sh $*" "$@"
