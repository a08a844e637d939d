#!/usr/bin/env bash
# Installs what building and testing punchline needs on Debian 12, and nothing else.
# Idempotent: packages already present are skipped, so re-running it is cheap.
#
#   cmake g++            build libheif 1.23 and libjpeg-turbo 3 from source (crates)
#   libde265-dev         HEVC decoder libheif links (HEIC decoding)
#   libx265-dev libnuma-dev   HEVC encoder libheif's build expects
#   libavcodec-dev       FFmpeg's HEVC decoder: imaging decodes phone HEICs' tiles with it,
#                        ~2x faster than libde265 (libheif still opens every file and
#                        decodes the rest); linked dynamically, brings libavutil-dev
#   nasm                 libjpeg-turbo's SIMD
#   pkg-config           locating the above
#
# scripts/install-deps.sh --test (the test suite) adds:
#   chromium chromium-driver   the supervisors' console's browser tests (tests/console/)
#                        drive Debian's Chromium headless through its WebDriver
#                        (~150 MB the newcomer's demo does not need)
# scripts/install-deps.sh --bench (benchmarks only) adds libvips-tools and wrk from
# Debian, and Pillow + pillow-heif + pdqhash from PyPI.
set -euo pipefail

packages=(cmake g++ libavcodec-dev libde265-dev libx265-dev libnuma-dev nasm pkg-config)
case "${1:-}" in
  --test) packages+=(chromium chromium-driver) ;;
  --bench) packages+=(libvips-tools python3-pip wrk) ;;
  "") ;;
  *) echo "usage: scripts/install-deps.sh [--test|--bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--bench" ]]; then
  python3 -m pip install --quiet pillow pillow-heif pdqhash numpy
fi
