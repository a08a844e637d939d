#!/usr/bin/env python3
"""The medians of `cargo bench --bench stages` as a markdown table.

Reads criterion's `target/criterion/<group>/<bench>/new/estimates.json` (and the
`benchmark.json` beside it for the bench's name), prints the table, and with --doc writes it into
docs/benchmarks.md between <!-- stages:begin --> and <!-- stages:end --> (creating the file or
the section if missing).

    cargo bench --bench stages && python3 benches/stages_table.py --doc
"""

import argparse
import datetime
import glob
import json
import os
import sys
import platform
import re
import subprocess
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from doc_section import replace_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN, END = "<!-- stages:begin -->", "<!-- stages:end -->"
# Groups in the order of the pipeline.
ORDER = ["process_1t", "process_2t", "detect", "decode", "exif", "resize", "encode_jpeg_q85", "pdq", "sha256"]
WHAT = {
    "process_1t": "whole `process` on a 1-thread pool (CPU cost of a photo on one core)",
    "process_2t": "whole `process` on a 2-thread pool (latency: SHA-256 beside decode, PDQ beside variants)",
    "detect": "`detect::detect` (type from the bytes)",
    "decode": "`decode::open` + `Opened::decode` (2048 px floor, as `process`; `_full`: no DCT scaling)",
    "exif": "`exif::read_facts` on the photo's EXIF block",
    "resize": "`variants::resize` (CatmullRom) from the oriented decoded image, and the chained smaller variants",
    "encode_jpeg_q85": "`variants::encode_jpeg` q85 of the 1200/800/300 variants of the HEIC",
    "pdq": "`hash::pdq::pdq` (with the 8 dihedral hashes) of the oriented decoded image",
    "sha256": "`hash::sha256` of the file's bytes",
}


def human(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def rows(criterion_dir):
    out = []
    for est_path in glob.glob(os.path.join(criterion_dir, "**", "new", "estimates.json"), recursive=True):
        new = os.path.dirname(est_path)
        with open(est_path) as f:
            est = json.load(f)
        with open(os.path.join(new, "benchmark.json")) as f:
            bench = json.load(f)
        median = est["median"]
        group = bench.get("group_id") or bench["full_id"].split("/")[0]
        name = bench.get("function_id") or bench["full_id"]
        throughput = bench.get("throughput") or {}
        extra = ""
        if "Bytes" in throughput:
            extra = f"{throughput['Bytes'] / (median['point_estimate'] / 1e9) / 1e6:.0f} MB/s"
        out.append({
            "group": group,
            "name": name,
            "median": median["point_estimate"],
            "low": median["confidence_interval"]["lower_bound"],
            "high": median["confidence_interval"]["upper_bound"],
            "extra": extra,
            "mtime": os.path.getmtime(est_path),
        })
    rank = {g: i for i, g in enumerate(ORDER)}
    out.sort(key=lambda r: (rank.get(r["group"], len(ORDER)), r["group"], r["name"]))
    return out


def table(found, load):
    when = datetime.datetime.fromtimestamp(max(r["mtime"] for r in found), datetime.timezone.utc)
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    cpu = re.search(r"Model name:\s*(.*)", subprocess.run(["lscpu"], capture_output=True, text=True).stdout)
    L = ["## Stages (criterion)\n",
         f"`cargo bench --bench stages` ({when:%Y-%m-%d %H:%M UTC}; {cpu.group(1).strip() if cpu else '?'}, "
         f"{os.cpu_count()} cores, Linux {platform.release()}, {rustc}"
         + (f"; {load}" if load else "") + "). "
         "Photos: `jpeg_big` = iphone6_hdr_on.jpg (3264x2448), `heic_12mp` = iphonexs_pug1.heic "
         "(4032x3024), `jpeg_small` = coolpix_gps_0010.jpg (640x480). Median of 10 samples "
         "(criterion's 95% interval of the median in brackets).\n",
         "| stage | bench | median | 95% CI | |",
         "|---|---|---:|---:|---|"]
    for r in found:
        L.append(f"| {r['group']} | {r['name']} | {human(r['median'])} | "
                 f"{human(r['low'])} – {human(r['high'])} | {r['extra']} |")
    L.append("")
    for g in ORDER:
        if any(r["group"] == g for r in found):
            L.append(f"- `{g}`: {WHAT[g]}")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    ap.add_argument("--criterion", default=os.path.join(target, "criterion"))
    ap.add_argument("--load", default="", help="text about the machine's load during the run, for the doc")
    ap.add_argument("--doc", action="store_true", help="write the table into docs/benchmarks.md")
    ap.add_argument("--doc-file", default=DOC, help="the markdown file --doc writes to")
    args = ap.parse_args()
    found = rows(args.criterion)
    if not found:
        raise SystemExit(f"no estimates under {args.criterion}: run `cargo bench --bench stages` first")
    body = table(found, args.load)
    print(body)
    if args.doc:
        replace_section(args.doc_file, BEGIN, END, body)


if __name__ == "__main__":
    main()
