#!/usr/bin/env python3
"""Pillow + pillow-heif making punchline's three variants, for benches/compare/run.sh.

Per photo, the same work as punchline's pipeline minus the hashes: open, fit the long edge to
1200 with `Image.thumbnail` (bicubic, reducing_gap 2.0; for JPEG `thumbnail` first calls
`Image.draft`, libjpeg's DCT scaling, to a scale whose result is still >= 2x the target, i.e.
>= 2400 px: on 12 MP photos that is scale 1/1, so draft mode changes nothing there; the scale
used per file is reported), orient with `ImageOps.exif_transpose` (on the 1200 px image:
orienting after resizing is the same picture and cheaper; pillow-heif already applies the HEIF
`irot`/`imir` and resets the EXIF tag to 1, so for HEIC this is a no-op), then 800 from the
1200 and 300 from the 800 (as punchline chains them), each saved as JPEG q85 (4:2:0, no EXIF,
no ICC profile, like punchline's variants) into a temporary directory.

With --threads N > 1 the photos are spread over N worker processes (multiprocessing, fork),
one photo per task. pillow-heif is told to decode with one thread per process
(`DECODE_THREADS = 1`), so N processes use N cores; `--decode-threads 0` keeps pillow-heif's
own default instead (libheif decodes a grid's tiles on several threads), which lets a process
use an idle core when the others have run out of photos.

Prints one JSON object: photos/s over the timed passes (after one untimed warm-up pass, like
`punchline bench`), photos/s of each pass, and what was written for each photo.
"""

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time

import PIL
import pillow_heif
from PIL import Image, ImageOps

pillow_heif.register_heif_opener()

SIZES = (1200, 800, 300)
QUALITY = 85

OUTDIR = None  # set in each process before work starts


def variants(path):
    """Makes and saves the three variants of one photo; returns what it wrote."""
    stem = os.path.splitext(os.path.basename(path))[0]
    with Image.open(path) as im:
        stored = im.size
        im.thumbnail((SIZES[0], SIZES[0]))  # draft (JPEG) + reduce + bicubic resample
        draft = getattr(im, "decoderconfig", ())  # JPEG: (scale denominator, 0)
        im = ImageOps.exif_transpose(im)
    if im.mode != "RGB":
        im = im.convert("RGB")
    out = []
    for size in SIZES:
        if max(im.size) > size:
            im = im.copy()
            im.thumbnail((size, size))
        target = os.path.join(OUTDIR, f"{stem}_{size}.jpg")
        im.save(target, "JPEG", quality=QUALITY)
        out.append((size, im.size, os.path.getsize(target)))
    return {"file": os.path.basename(path), "opened_size": stored, "draft": list(draft), "variants": out}


def decode_only(path):
    """Only the decode (pillow-heif, libheif + its bundled libde265), for the decode-bound figure."""
    heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=True)
    heif.data  # noqa: B018 (decodes)
    return {"file": os.path.basename(path), "size": heif.size}


def init(outdir):
    global OUTDIR
    OUTDIR = outdir


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1, help="worker processes (1: in this process)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the files")
    ap.add_argument("--decode-threads", type=int, default=1,
                    help="pillow-heif DECODE_THREADS per process (0: pillow-heif's default)")
    ap.add_argument("--keep", metavar="DIR", help="write the variants here and keep them")
    ap.add_argument("--decode-only", action="store_true",
                    help="HEIC: decode with pillow-heif and nothing else (no variants written)")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    if args.decode_threads > 0:
        pillow_heif.options.DECODE_THREADS = args.decode_threads
    outdir = args.keep or tempfile.mkdtemp(prefix="pillow-variants-")
    os.makedirs(outdir, exist_ok=True)
    init(outdir)
    pool = None
    if args.threads > 1:
        pool = multiprocessing.get_context("fork").Pool(args.threads, initializer=init, initargs=(outdir,))
    work = decode_only if args.decode_only else variants
    if args.threads > 1:
        run = lambda: pool.map(work, args.files, chunksize=1)  # noqa: E731
    else:
        run = lambda: [work(f) for f in args.files]  # noqa: E731
    try:
        results = run()  # warm-up: imports, page cache, allocator
        rates = []
        total = 0.0
        for _ in range(max(1, args.repeat)):
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            total += elapsed
            rates.append(len(args.files) / elapsed)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        if not args.keep:
            shutil.rmtree(outdir, ignore_errors=True)
    print(json.dumps({
        "tool": "pillow-heif decode only" if args.decode_only else "pillow",
        "pillow": PIL.__version__,
        "pillow_heif": pillow_heif.__version__,
        "libheif": pillow_heif.libheif_version(),
        "threads": args.threads,
        "decode_threads": pillow_heif.options.DECODE_THREADS,
        "photos": len(args.files) * max(1, args.repeat),
        "seconds": total,
        # over all timed passes, like `punchline bench`
        "photos_per_s": len(args.files) * max(1, args.repeat) / total,
        "pass_photos_per_s": rates,
        "median_pass_photos_per_s": statistics.median(rates),
        "results": results,
    }))


if __name__ == "__main__":
    sys.exit(main())
