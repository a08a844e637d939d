#!/usr/bin/env bash
# The newcomer's first command: build punchline and run the image pipeline over the sample
# photos in ../shared/photos (or $PUNCHLINE_PHOTOS). No servers needed.
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${PUNCHLINE_PHOTOS:-../shared/photos}"

scripts/install-deps.sh
cargo build --release --quiet
out="${TMPDIR:-/tmp}/punchline-variants"
mkdir -p "$out"
# A few photos that show the interesting cases: HEIC rotated by its container, a JPEG
# rotated by EXIF, GPS in the southern hemisphere, a black frame, a truncated upload.
target/release/punchline inspect --variants "$out" \
  "$photos/iphonexs_parfait_rot6.heic" \
  "$photos/iphone5_rot3_gps.jpg" \
  "$photos/iphonexs_lego_gps.heic" \
  "$photos/canon_r5_black.hif" \
  "$photos/bad_truncated.heic" || true
echo "variants written to $out"
