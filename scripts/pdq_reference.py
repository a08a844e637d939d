#!/usr/bin/env python3
"""PDQ oracle: hashes photos with Meta's reference PDQ implementation (C++), via PyPI `pdqhash`.

Writes `imaging/tests/data/pdq_reference.csv`, which the imaging crate's tests compare the Rust
PDQ (`imaging/src/hash/pdq/`) against, and prints the known answers of the synthetic images
used by the PDQ unit tests (imaging/src/hash/pdq/tests.rs).

    python3 scripts/pdq_reference.py [PHOTOS_DIR] [--out CSV]
    python3 scripts/pdq_reference.py --synthetic [--png-dir DIR]

PHOTOS_DIR defaults to `../shared/photos` beside the repository. Needs Pillow, pillow-heif,
numpy and pdqhash (`pip install pillow pillow-heif numpy pdqhash`).

Decoding, as the imaging crate does it:
- JPEG with Pillow (libjpeg-turbo), then `ImageOps.exif_transpose` for EXIF Orientation.
- HEIF with pillow-heif (libheif), which applies the HEIF `irot`/`imir` boxes itself and rewrites
  the EXIF Orientation it hands to Pillow to 1 (keeping the original in
  `info["original_orientation"]`), so `exif_transpose` does not rotate a second time. Higher bit
  depths are reduced to 8 bits by pillow-heif. Every decoded size is checked against
  provenance.csv's `display_wxh`.
- Then `convert("RGB")`. No colour management: ICC profiles are ignored.

Hex form: `pdqhash.compute` returns 256 bits as a vector `v` with `v[m]` = bit `255 - m` of the
reference's Hash256, where bit `k` (set iff DCT coefficient `(k // 16, k % 16)` exceeds the
median) is bit `k % 16` of 16-bit word `w[k // 16]`. The reference's `toHexString` prints
`w[15]`, `w[14]`, ..., `w[0]` as `%04hx`, i.e. bits 255 down to 0, most significant first: that
is `v` read in order, so the hex is `v` packed MSB-first into bytes (`np.packbits`).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import pdqhash
import pillow_heif
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PHOTOS = REPO.parent / "shared" / "photos"
DEFAULT_OUT = REPO / "imaging" / "tests" / "data" / "pdq_reference.csv"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".hif"}

# The reference's order of pdqDihedralHash256esFromFloatLuma / pdqhash.compute_dihedral.
DIHEDRAL_NAMES = [
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipX",
    "flipY",
    "flipPlus1",
    "flipMinus1",
]

# (width, height) of the synthetic known-answer images of the PDQ unit tests.
SYNTHETIC_SIZES = [(331, 245), (576, 320), (64, 64), (1000, 750)]


def to_hex(vector) -> str:
    """The reference's toHexString of a pdqhash bit vector (see the module docstring)."""
    bits = np.asarray(vector, dtype=np.uint8)
    assert bits.shape == (256,)
    return np.packbits(bits).tobytes().hex()


def load(path: Path) -> Image.Image:
    """Decode and orient one photo to the displayed RGB image."""
    with Image.open(path) as img:
        img.load()
        oriented = ImageOps.exif_transpose(img)
        return oriented.convert("RGB")


def hash_image(img: Image.Image) -> tuple[str, int]:
    pixels = np.asarray(img, dtype=np.uint8)
    vector, quality = pdqhash.compute(pixels)
    return to_hex(vector), int(quality)


def display_sizes(photos: Path) -> dict[str, str]:
    with open(photos / "provenance.csv", newline="") as f:
        return {row["path"]: row["display_wxh"] for row in csv.DictReader(f)}


def corpus(photos: Path, out: Path) -> int:
    expected = display_sizes(photos)
    files = sorted(
        p
        for p in photos.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("bad_")
    )
    rows = []
    failures = 0
    for path in files:
        img = load(path)
        width, height = img.size
        want = expected.get(path.name)
        if want and want != f"{width}x{height}":
            print(f"{path.name}: decoded {width}x{height}, provenance.csv says {want}", file=sys.stderr)
            failures += 1
        hex_hash, quality = hash_image(img)
        rows.append((path.name, width, height, hex_hash, quality))
        print(f"{path.name},{width},{height},{hex_hash},{quality}", file=sys.stderr)
        img.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "width", "height", "pdq_hex", "quality"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {out}", file=sys.stderr)
    return 1 if failures else 0


def synthetic_image(width: int, height: int) -> np.ndarray:
    """The known-answer pattern; `synthetic()` in imaging/src/hash/pdq/tests.rs computes the same pixels."""
    y, x = np.mgrid[0:height, 0:width].astype(np.int64)
    w, h = max(width, 2), max(height, 2)
    r = (x * 255 // (w - 1) + 60 * (((x + 2 * y) // 23) % 3)) % 256
    g = (y * 255 // (h - 1) + (x * x + 3 * y * y) // 97) % 256
    b = ((x // 16 + y // 11) % 2) * 150 + (x * y // 7) % 100
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def synthetic(png_dir: Path | None) -> int:
    for width, height in SYNTHETIC_SIZES:
        pixels = synthetic_image(width, height)
        name = f"synthetic_{width}x{height}"
        if png_dir is not None:
            # Round-trip through PNG (lossless) to show the file hashes the same.
            png_dir.mkdir(parents=True, exist_ok=True)
            png = png_dir / f"{name}.png"
            Image.fromarray(pixels, "RGB").save(png)
            with Image.open(png) as img:
                pixels = np.asarray(img.convert("RGB"), dtype=np.uint8)
        hex_hash, quality = hash_image(Image.fromarray(pixels, "RGB"))
        print(f"{name} pdq={hex_hash} quality={quality}")
        vectors, _ = pdqhash.compute_dihedral(pixels)
        for label, vector in zip(DIHEDRAL_NAMES, vectors):
            print(f"  {label:<10} {to_hex(vector)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", nargs="?", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--synthetic", action="store_true", help="print the synthetic known answers")
    parser.add_argument("--png-dir", type=Path, help="with --synthetic: also write the images as PNG")
    args = parser.parse_args()

    pillow_heif.register_heif_opener()
    Image.MAX_IMAGE_PIXELS = None  # the corpus has a 200 MP photo
    if args.synthetic:
        return synthetic(args.png_dir)
    return corpus(args.photos, args.out)


if __name__ == "__main__":
    sys.exit(main())
