#!/usr/bin/env python3
"""punchline vs libvips (vipsthumbnail) vs Pillow + pillow-heif: photos/s making the three
variants (1200/800/300 px long edge, JPEG q85, auto-oriented, no EXIF) of the same photos,
at 1 and 2 threads. Run through benches/compare/run.sh, which builds the release binary first.

Method
- Two sets: A = 9 big JPEGs, B = 10 HEICs of 5-12 MP (the phone photos of the corpus).
- Each measurement processes the set `--repeat` times after an untimed warm-up pass
  (punchline and Pillow warm up inside their own process; vips once per set at the start) and
  gives photos/s over the timed passes. `--rounds` rounds, each measuring every
  tool x set x threads once (tool order rotated from round to round); the table gives the
  median over rounds.
- 1 thread: every tool runs under `taskset -c 0` (one core, whatever threads a library
  starts: libheif/libde265 and libvips have their own). 2 threads: no pinning, 2 workers.
- punchline: `punchline bench --threads N --repeat R --json` (photos read into memory first;
  full pipeline: variants *and* EXIF, SHA-256, PDQ; variants are encoded but not written).
- Pillow: pillow_variants.py (N worker processes for N > 1); writes the variants to a temp dir.
  `Pillow` decodes with one libheif thread per process; `Pillow (libheif threads)` (HEIC, 2
  threads only) keeps pillow-heif's default decoding threads, so a process whose photo is the
  last of a pass can use the idle core, as punchline's tile bands can. The faster counts.
- vips: `vipsthumbnail`, VIPS_CONCURRENCY=1 per process, largest variant from the original,
  the smaller ones from it (as punchline chains them), `--size 'Sx S>'` (never upscale),
  `[Q=85,strip]`. Two ways:
  - `vips (per photo)`: three vipsthumbnail processes per photo, photos spread over N workers
    with `xargs -P N`: how a shell pipeline would use the CLI, process start-up included
    (about 45 ms per vipsthumbnail process here).
  - `vips (batched)`: each of N workers gets its share of the photos (balanced by bytes) and
    runs three vipsthumbnail processes over all of them (1200 from the originals, then 800 and
    300 from the 1200s): the start-up amortised, closer to libvips as a library.
- The ratio is punchline / the fastest of the others.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from doc_section import replace_section  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.join(ROOT, "target", "release", "punchline")
CONFIG = None  # written into the temp dir by main(): the variants of the comparison, nothing else
CONFIG_TOML = """[variants]
sizes = [300, 800, 1200]
format = "jpeg"
quality = 85
"""
PILLOW = os.path.join(HERE, "pillow_variants.py")
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN, END = "<!-- compare:begin -->", "<!-- compare:end -->"

SET_A = ["iphone6_hdr_on.jpg", "iphone6_hdr_off.jpg", "iphone5_rot3_gps.jpg", "nokia83_gps.jpg",
         "galaxyj3_rot6.jpg", "jolla.jpg", "canon_sx60_rot6.jpg", "bad_exif_type.jpg",
         "htcdesire_gps.jpg"]
SET_B = ["iphone11promax_gps.heic", "iphone13promax_rot6.heic", "iphonexs_pug1.heic",
         "iphonexs_pug2.heic", "iphonexs_lego_gps.heic", "iphonexs_parfait_rot6.heic",
         "iphone8plus_arrow_rot6.heic", "iphone7_gps.heic", "iphone11pro_a.heic", "xiaomi_gps.heic"]
SETS = {"A: big JPEG": SET_A, "B: HEIC": SET_B}
MIN_PIXELS_A = 700_000
SIZES = (1200, 800, 300)
TARGETS = {"A: big JPEG": 3.0, "B: HEIC": 1.5}

TOOLS = ["punchline", "vips (per photo)", "vips (batched)", "Pillow", "Pillow (libheif threads)"]


def applies(tool, set_name, threads):
    """Pillow with pillow-heif's own decoding threads differs from one thread per process only
    where libheif decodes (HEIC) and there is a second core to use."""
    return tool != "Pillow (libheif threads)" or (set_name.startswith("B") and threads > 1)

VIPS_CHAIN = r"""
f=$1; s=$(basename "$f"); s=${s%.*}
vipsthumbnail "$f" --size '1200x1200>' -o "$OUT/${s}_1200.jpg[Q=85,strip]" &&
vipsthumbnail "$OUT/${s}_1200.jpg" --size '800x800>' -o "$OUT/${s}_800.jpg[Q=85,strip]" &&
vipsthumbnail "$OUT/${s}_1200.jpg" --size '300x300>' -o "$OUT/${s}_300.jpg[Q=85,strip]"
"""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, env=None, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)[:300]} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p.stdout


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def wait_for_idle(max_load, tries, pause):
    """Waits until the 1-minute load average is at most max_load (or gives up)."""
    seen = []
    for i in range(tries):
        load = loadavg()
        seen.append(load)
        if load[0] <= max_load:
            return load, seen
        log(f"load {load[0]:.2f} > {max_load}: waiting {pause}s ({i + 1}/{tries})")
        time.sleep(pause)
    return loadavg(), seen


CLK = os.sysconf("SC_CLK_TCK")


def cpu_busy():
    """Seconds of CPU time all processes on the machine have used (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK


def own_cpu():
    """Seconds of CPU time this script and its finished children have used."""
    import resource
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def others_cores(window):
    """Cores' worth of CPU used by other processes over `window` seconds of sleeping."""
    busy, own = cpu_busy(), own_cpu()
    time.sleep(window)
    return max(0.0, (cpu_busy() - busy) - (own_cpu() - own)) / window


def wait_quiet(max_cores, timeout, window=3.0):
    """Waits (up to `timeout` s) until other processes use at most `max_cores`; returns their use."""
    deadline = time.monotonic() + timeout
    while True:
        used = others_cores(window)
        if used <= max_cores or time.monotonic() >= deadline:
            return used
        log(f"other processes use {used:.2f} cores: waiting")


def pin(threads):
    return ["taskset", "-c", "0"] if threads == 1 else []


def vips_env():
    env = dict(os.environ)
    env["VIPS_CONCURRENCY"] = "1"
    return env


# ---------------------------------------------------------------- the tools, one measurement each

def punchline_env():
    """The environment without PUNCHLINE_* variables: punchline reads those as configuration
    overrides (and refuses unknown ones such as PUNCHLINE_PHOTOS); the comparison runs on
    exactly CONFIG_TOML."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PUNCHLINE_")}


def m_punchline(files, threads, repeat, _tmp):
    out = run(pin(threads) + [BIN, "--config", CONFIG, "bench", "--threads", str(threads),
                              "--repeat", str(repeat), "--json", *files], env=punchline_env())
    report = json.loads(out)
    if report["failed"]:
        raise RuntimeError(f"punchline refused {report['failed']} photos")
    return report["photos_per_s"], report


def m_heif_decode(files, repeat):
    """pillow-heif decoding the HEICs and nothing else, on one core: the decode-only floor."""
    out = run(pin(1) + ["python3", PILLOW, "--decode-only", "--repeat", str(repeat), *files])
    return json.loads(out)["photos_per_s"]


def m_pillow(files, threads, repeat, _tmp, decode_threads=1):
    out = run(pin(threads) + ["python3", PILLOW, "--threads", str(threads), "--repeat", str(repeat),
                              "--decode-threads", str(decode_threads), *files])
    report = json.loads(out)
    return report["photos_per_s"], report


def m_pillow_threads(files, threads, repeat, tmp):
    return m_pillow(files, threads, repeat, tmp, decode_threads=0)


def vips_per_photo_pass(files, threads, outdir):
    env = vips_env()
    env["OUT"] = outdir
    subprocess.run(pin(threads) + ["xargs", "-d", "\n", "-P", str(threads), "-n", "1",
                                   "sh", "-c", VIPS_CHAIN, "_"],
                   input="\n".join(files), text=True, check=True, env=env)


def balanced(files, n):
    """Splits files into n groups of about equal bytes (largest first, to the lightest group)."""
    groups = [[] for _ in range(n)]
    weight = [0] * n
    for f in sorted(files, key=os.path.getsize, reverse=True):
        i = weight.index(min(weight))
        groups[i].append(f)
        weight[i] += os.path.getsize(f)
    return [g for g in groups if g]


def vips_batched_pass(files, threads, outdir):
    env = vips_env()
    procs = []
    for group in balanced(files, threads):
        stems = [os.path.splitext(os.path.basename(f))[0] for f in group]
        big = [os.path.join(outdir, "1200", s + ".jpg") for s in stems]
        script = " && ".join([
            shlex.join(["vipsthumbnail", *group, "--size", "1200x1200>",
                        "-o", os.path.join(outdir, "1200", "%s.jpg[Q=85,strip]")]),
            shlex.join(["vipsthumbnail", *big, "--size", "800x800>",
                        "-o", os.path.join(outdir, "800", "%s.jpg[Q=85,strip]")]),
            shlex.join(["vipsthumbnail", *big, "--size", "300x300>",
                        "-o", os.path.join(outdir, "300", "%s.jpg[Q=85,strip]")]),
        ])
        procs.append(subprocess.Popen(pin(threads) + ["sh", "-c", script], env=env))
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError("vipsthumbnail failed")


def vips_dirs(tmp, kind):
    outdir = os.path.join(tmp, kind)
    for size in SIZES:
        os.makedirs(os.path.join(outdir, str(size)), exist_ok=True)
    return outdir


def timed_passes(one_pass, files, threads, repeat, outdir):
    start = time.perf_counter()
    for _ in range(repeat):
        one_pass(files, threads, outdir)
    seconds = time.perf_counter() - start
    return len(files) * repeat / seconds, {"seconds": seconds}


def m_vips_per_photo(files, threads, repeat, tmp):
    return timed_passes(vips_per_photo_pass, files, threads, repeat, vips_dirs(tmp, "vips_per_photo"))


def m_vips_batched(files, threads, repeat, tmp):
    return timed_passes(vips_batched_pass, files, threads, repeat, vips_dirs(tmp, "vips_batched"))


def measure(tool, files, threads, args, tmp):
    """One measurement, retried (up to --attempts) while other processes took more than
    --max-others cores of the machine during it; keeps the least disturbed attempt."""
    best = None
    for attempt in range(args.attempts):
        wait_quiet(args.max_others, args.quiet_timeout)
        busy, own, start = cpu_busy(), own_cpu(), time.perf_counter()
        pps, report = MEASURE[tool](files, threads, args.repeat, tmp)
        wall = time.perf_counter() - start
        others = max(0.0, (cpu_busy() - busy) - (own_cpu() - own)) / wall
        if best is None or others < best[2]:
            best = (pps, report, others)
        if others <= args.max_others:
            break
        log(f"{tool} {threads}t: other processes used {others:.2f} cores during it: again")
    return best


MEASURE = {"punchline": m_punchline, "Pillow": m_pillow, "Pillow (libheif threads)": m_pillow_threads,
           "vips (per photo)": m_vips_per_photo, "vips (batched)": m_vips_batched}


# ---------------------------------------------------------------- outputs: sizes and pixels

def outputs(files, tmp):
    """One untimed run of each tool writing its variants; returns {tool: {(stem, size): path}}."""
    import glob
    dirs = {t: os.path.join(tmp, "out", t.split()[0]) for t in ("punchline", "Pillow", "vips")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    subprocess.run([BIN, "--config", CONFIG, "inspect", "--variants", dirs["punchline"], *files],
                   check=True, capture_output=True, env=punchline_env())
    run(["python3", PILLOW, "--repeat", "1", "--keep", dirs["Pillow"], *files])
    vips_per_photo_pass(files, 2, dirs["vips"])
    found = {}
    for tool, d in dirs.items():
        found[tool] = {}
        for path in glob.glob(os.path.join(d, "*.jpg")):
            m = re.match(r"(.*)_(\d+)\.jpg$", os.path.basename(path))
            if m:
                found[tool][(m.group(1), int(m.group(2)))] = path
    return found


def compare_outputs(files, tmp):
    """Bytes per variant size per tool, and how far each tool's pixels are from punchline's."""
    import numpy as np
    from PIL import Image

    found = outputs(files, tmp)
    stems = [os.path.splitext(os.path.basename(f))[0] for f in files]
    sizes = {tool: {s: sum(os.path.getsize(found[tool][(st, s)]) for st in stems) for s in SIZES}
             for tool in found}
    dims_differ, diffs = [], {t: [] for t in found if t != "punchline"}
    for st in stems:
        for s in SIZES:
            ref = Image.open(found["punchline"][(st, s)]).convert("RGB")
            for tool in diffs:
                other = Image.open(found[tool][(st, s)]).convert("RGB")
                if other.size != ref.size:
                    dims_differ.append(f"{st} {s}: punchline {ref.size[0]}x{ref.size[1]}, "
                                       f"{tool} {other.size[0]}x{other.size[1]}")
                    other = other.resize(ref.size)
                d = np.abs(np.asarray(ref, np.int16) - np.asarray(other, np.int16)).mean()
                diffs[tool].append((float(d), st, s))
    return sizes, dims_differ, diffs


# ---------------------------------------------------------------- the machine

def our_libheif():
    """The libheif punchline embeds: the version in Cargo.lock's libheif-sys (`5.3.1+1.23.1`)."""
    try:
        lock = open(os.path.join(ROOT, "Cargo.lock")).read()
        m = re.search(r'name = "libheif-sys"\nversion = "[^"+]*\+([^"]+)"', lock)
        return m.group(1) if m else "?"
    except OSError:
        return "?"


def machine():
    def cmd(c):
        try:
            return run(c).strip()
        except Exception as e:  # noqa: BLE001
            return f"({e})"
    model = re.search(r"Model name:\s*(.*)", cmd(["lscpu"]))
    import PIL
    import pillow_heif
    try:
        head = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
        dirty = run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"])
    except Exception:  # noqa: BLE001 (not a git checkout: say which source it was)
        head, dirty = os.environ.get("BENCH_SOURCE", "unknown source"), ""
    return {
        "cpu": model.group(1).strip() if model else "?",
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "os": cmd(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "rustc": cmd(["rustc", "--version"]),
        "vips": cmd(["vips", "--version"]),
        "libheif_vips": cmd(["sh", "-c", "dpkg-query -W -f='${Version}' libheif1 2>/dev/null"]),
        "pillow": PIL.__version__,
        "pillow_heif": pillow_heif.__version__,
        "pillow_libheif": pillow_heif.libheif_version(),
        "pillow_de265": re.sub(r"^.*version ", "", pillow_heif.libheif_info()["decoders"].get("libde265", "?")),
        "libde265": cmd(["sh", "-c", "dpkg-query -W -f='${Version}' libde265-0 2>/dev/null"]),
        "libavcodec": cmd(["sh", "-c", "dpkg-query -W -f='${Version}' libavcodec59 2>/dev/null"]),
        "our_libheif": our_libheif(),
        "python": platform.python_version(),
        "commit": head + (" + uncommitted changes in: " + ", ".join(
            sorted({line[3:] for line in dirty.splitlines() if line.strip()})) if dirty.strip() else ""),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


# ---------------------------------------------------------------- the report

def fmt(x, digits=2):
    return f"{x:.{digits}f}"


def markdown(args, mach, loads, results, shares, sizes, dims_differ, diffs, command, heif_decode):
    L = []
    L.append("## punchline vs libvips vs Pillow\n")
    L.append(f"Measured {mach['date']} with `{command}` "
             f"({args.rounds} rounds × {args.repeat} timed passes per measurement; median of the rounds).\n")
    L.append("| machine | |\n|---|---|")
    L.append(f"| CPU | {mach['cpu']}, {mach['cores']} cores |")
    L.append(f"| OS / kernel | {mach['os']} / {mach['kernel']} |")
    L.append(f"| rustc | {mach['rustc']} |")
    L.append(f"| libvips | {mach['vips']} (Debian libvips-tools; libheif {mach['libheif_vips']}) |")
    L.append(f"| Pillow | {mach['pillow']}, pillow-heif {mach['pillow_heif']} (libheif {mach['pillow_libheif']}), "
             f"Python {mach['python']} |")
    L.append(f"| punchline | {mach['commit']} |")
    before = loads["before"]
    waited = len(loads["waits"]) - 1
    L.append(f"| load average before | {before[0]:.2f} / {before[1]:.2f} / {before[2]:.2f} (1/5/15 min)"
             + (f", after waiting {waited}× {args.pause}s for ≤ {args.max_load}" if waited else "") + " |")
    per_round = ", ".join(f"{x:.2f}" for x in loads["rounds"])
    L.append(f"| 1-min load at each round's start (includes this benchmark) | {per_round} |")
    L.append(f"| load average after | {loads['after'][0]:.2f} / {loads['after'][1]:.2f} / {loads['after'][2]:.2f} |")
    others = loads["others"]
    over = sum(o > args.max_others for o in others)
    L.append(f"| CPU taken by other processes during the measurements (/proc/stat minus this run's own) | "
             f"median {statistics.median(others):.2f}, max {max(others):.2f} cores of {mach['cores']}; "
             f"{over} of {len(others)} measurements over {args.max_others} after {args.attempts} attempts |")
    idle = before[0] <= 1.5 and statistics.median(others) <= args.max_others and over <= len(others) // 10
    L.append(f"| otherwise idle? | {'yes' if idle else 'no: other work was running; the figures are disturbed (lower bounds, and ratios less sure)'} |")
    L.append("")
    L.append("Photos/s (median over rounds; in brackets the min–max over rounds):\n")
    L.append("| set | threads | " + " | ".join(TOOLS) + " | punchline ÷ fastest other | target |")
    L.append("|---|---:|" + "---:|" * len(TOOLS) + "---:|---:|")
    for set_name in SETS:
        for t in (1, 2):
            row = results[(set_name, t)]
            med = {tool: statistics.median(row[tool]) for tool in TOOLS if row[tool]}
            best_other = max((tool for tool in med if tool != "punchline"), key=lambda x: med[x])
            ratio = med["punchline"] / med[best_other]
            cells = [f"{fmt(med[tool])} ({fmt(min(row[tool]))}–{fmt(max(row[tool]))})" if row[tool] else "—"
                     for tool in TOOLS]
            L.append(f"| {set_name} ({len(SETS[set_name])}) | {t} | " + " | ".join(cells)
                     + f" | **{ratio:.2f}×** (vs {best_other}) | ≥ {TARGETS[set_name]}× |")
    L.append("")
    L.append("Where punchline's time goes (`punchline bench --json`, `mean_ms`, medians over rounds). "
             "`decode ÷ total` is how close to decode-bound the pipeline is (1.0 = nothing but decoding); "
             "`decode-only bound` is the photos/s per worker if a photo cost only its decode:\n")
    L.append("| set | threads | total ms | decode ms | decode ÷ total | resize | encode | hash | orient | open+exif | photos/s | decode-only bound |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for set_name in SETS:
        for t in (1, 2):
            s = shares[(set_name, t)]
            md = lambda k: statistics.median(x[k] for x in s)  # noqa: E731
            share = statistics.median(x["decode"] / x["total"] for x in s)
            pps = statistics.median(results[(set_name, t)]["punchline"])
            bound = 1000.0 / md("decode") * t
            L.append(f"| {set_name} | {t} | {md('total'):.1f} | {md('decode'):.1f} | **{share:.2f}** | "
                     f"{md('resize'):.1f} | {md('encode'):.1f} | {md('hash'):.1f} | {md('orient'):.1f} | "
                     f"{md('open') + md('exif'):.1f} | {pps:.2f} | {bound:.2f} |")
    L.append("")
    s1 = shares[("B: HEIC", 1)]
    ours = statistics.median(x["decode"] for x in s1)
    theirs = 1000.0 / statistics.median(heif_decode)
    pillow_1t = statistics.median(results[("B: HEIC", 1)]["Pillow"])
    L.append(f"HEIC decode alone, 1 thread, set B: punchline {ours:.0f} ms/photo (FFmpeg's HEVC decoder, "
             f"libavcodec {mach['libavcodec']}, for every photo of the set: 8-bit full-range 4:2:0 phone HEICs; "
             f"other HEIFs go to libheif {mach['our_libheif']} with Debian's libde265 {mach['libde265']}); "
             f"pillow-heif {theirs:.0f} ms/photo (`open_heif` + `.data`, libheif {mach['pillow_libheif']} with "
             f"its bundled libde265 {mach['pillow_de265']}). Pillow's whole job takes {1000.0 / pillow_1t:.0f} "
             f"ms/photo, so a pipeline doing nothing but pillow-heif's decode would be "
             f"{1000.0 / pillow_1t / theirs:.2f}× Pillow, and one doing nothing but punchline's decode "
             f"{1000.0 / pillow_1t / ours:.2f}×.\n")
    L.append("At 1 thread the stages run one after the other, so their sum is the total; at 2 threads "
             "two photos run at once and a photo's SHA-256 and PDQ overlap its decode and variants, "
             "so the per-stage times are wall times of contended stages.\n")
    L.append("Output bytes, summed over each set (what each tool wrote; the same sizes in pixels unless listed below):\n")
    tools_out = list(next(iter(sizes.values())).keys())
    L.append("| set | variant | " + " | ".join(tools_out) + " |")
    L.append("|---|---:|" + "---:|" * len(tools_out))
    for set_name in SETS:
        for size in SIZES:
            L.append(f"| {set_name} | {size} | " + " | ".join(
                f"{sizes[set_name][t][size] / 1000:.0f} kB" for t in tools_out) + " |")
    L.append("")
    all_dims = [d for s in SETS for d in dims_differ[s]]
    L.append("Variant pixel sizes that differ from punchline's: "
             + ("; ".join(all_dims) if all_dims else "none.") + "\n")
    L.append("Mean absolute difference of the pixels from punchline's variant (0–255 per channel; "
             "a wrong orientation would show as 30+): ")
    parts = []
    for set_name in SETS:
        for tool, ds in diffs[set_name].items():
            worst = max(ds)
            parts.append(f"{set_name}, {tool}: median {statistics.median(d for d, _, _ in ds):.2f}, "
                         f"max {worst[0]:.2f} ({worst[1]} {worst[2]})")
    L.append("; ".join(parts) + ".\n")
    L.append("Notes:\n")
    L.append("- All three tools do the same work on the variants: decode, fit the long edge to 1200 "
             "(never upscaling), orient, 800 and 300 from the larger variant, JPEG q85 4:2:0 without "
             "metadata. punchline also computes SHA-256, PDQ (with its 8 dihedral hashes) and the EXIF "
             "facts inside its figures; the other two do not.")
    L.append("- punchline decodes JPEGs at the smallest DCT scale keeping the largest variant's long "
             "edge (1200 px; PDQ's floor is 1024): on set A seven photos are decoded at 1/2, "
             "canon_sx60_rot6 (2048 px) and htcdesire_gps (909 px) at full size; Pillow's `thumbnail` "
             "uses JPEG draft mode, the same DCT scaling, to ≥ 2× the target (2400 px); vips' shrink-on-load "
             "leaves at least a factor 2 for its resampler. On set A Pillow's draft stays at 1/1 and "
             "vips loads with factor 1 on all nine (checked with `decoderconfig` and `VIPS_INFO=1`). "
             "The pixel differences below show what the earlier DCT reduction costs in the variants.")
    L.append("- pillow-heif applies HEIF `irot` itself, so `exif_transpose` changes nothing for HEIC; "
             "vips rotates by EXIF/`irot` itself (autorotate is vipsthumbnail's default). None of the "
             "three converts colour profiles (vipsthumbnail only does with `--export-profile`).")
    L.append(f"- HEIC: punchline decodes the phone HEICs' HEVC tiles with Debian's libavcodec "
             f"{mach['libavcodec']} (pixel-identical to its embedded libheif {mach['our_libheif']}, which "
             f"it falls back to, linked to Debian's libde265 {mach['libde265']}), pillow-heif with libheif {mach['pillow_libheif']} and its bundled "
             f"libde265 {mach['pillow_de265']}; vips with Debian's "
             f"libheif {mach['libheif_vips']} (and libde265 {mach['libde265']}). `Pillow` decodes each "
             "photo on one thread (one process per core); `Pillow (libheif threads)` keeps pillow-heif's "
             "default decoding threads, so, like punchline, which decodes a grid's tile rows as rayon "
             "tasks, an idle core can help with another process's photo (measured on HEIC at 2 threads, "
             "the only place it can differ).")
    L.append("- A variant a pixel taller or wider than punchline's: punchline fits every variant from "
             "the displayed size, Pillow and vips fit the 800 and 300 from the already rounded 1200.")
    L.append("- `vips (per photo)` pays ~45 ms of process start-up per vipsthumbnail call, three per "
             "photo; `vips (batched)` shows libvips with that amortised.")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", default=os.environ.get("PUNCHLINE_PHOTOS", os.path.join(ROOT, "..", "shared", "photos")))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=2, help="timed passes over a set per measurement")
    ap.add_argument("--max-load", type=float, default=1.5, help="wait for the 1-min load to fall to this")
    ap.add_argument("--pause", type=int, default=30, help="seconds between load checks")
    ap.add_argument("--tries", type=int, default=20, help="load checks before running anyway")
    ap.add_argument("--max-others", type=float, default=0.15,
                    help="cores other processes may use during a measurement before it is retried")
    ap.add_argument("--attempts", type=int, default=3, help="tries per measurement")
    ap.add_argument("--quiet-timeout", type=int, default=120,
                    help="seconds to wait for other processes to go quiet before each attempt")
    ap.add_argument("--no-doc", action="store_true", help="print the table only")
    ap.add_argument("--doc-file", default=DOC, help="the markdown file to write the section into")
    ap.add_argument("--command", default="benches/compare/run.sh", help="how this run was started (for the doc)")
    args = ap.parse_args()

    photos = os.path.abspath(args.photos)
    manifest = {row["path"]: row for row in csv.DictReader(open(os.path.join(photos, "manifest.csv")))}
    for name in SET_A:
        px = int(manifest[name]["width"]) * int(manifest[name]["height"])
        if px < MIN_PIXELS_A:
            sys.exit(f"{name} is {px} px, under {MIN_PIXELS_A}: replace it in SET_A")
    sets = {k: [os.path.join(photos, f) for f in v] for k, v in SETS.items()}
    for files in sets.values():
        for f in files:
            if not os.path.exists(f):
                sys.exit(f"missing {f}")

    mach = machine()
    before, waits = wait_for_idle(args.max_load, args.tries, args.pause)
    loads = {"before": before, "waits": waits, "rounds": []}
    log(f"load before: {before}")

    tmp = tempfile.mkdtemp(prefix="punchline-compare-")
    global CONFIG
    CONFIG = os.path.join(tmp, "compare.toml")
    with open(CONFIG, "w") as f:
        f.write(CONFIG_TOML)
    try:
        results = {(s, t): {tool: [] for tool in TOOLS} for s in sets for t in (1, 2)}
        interference = []
        heif_decode = []
        shares = {(s, t): [] for s in sets for t in (1, 2)}
        for files in sets.values():  # warm the page cache and vips
            vips_per_photo_pass(files, 2, vips_dirs(tmp, "warm"))
        for r in range(args.rounds):
            loads["rounds"].append(loadavg()[0])
            order = TOOLS[r % len(TOOLS):] + TOOLS[:r % len(TOOLS)]
            for set_name, files in sets.items():
                for t in (1, 2):
                    for tool in (tool for tool in order if applies(tool, set_name, t)):
                        pps, report, others = measure(tool, files, t, args, tmp)
                        interference.append(others)
                        results[(set_name, t)][tool].append(pps)
                        if tool == "punchline":
                            shares[(set_name, t)].append(report["mean_ms"])
                        log(f"round {r + 1}/{args.rounds} {set_name} {t}t {tool}: {pps:.2f} photos/s"
                            f" (others used {others:.2f} cores)")
            wait_quiet(args.max_others, args.quiet_timeout)
            heif_decode.append(m_heif_decode(sets["B: HEIC"], args.repeat))
            log(f"round {r + 1}/{args.rounds} B: HEIC 1t pillow-heif decode only: {heif_decode[-1]:.2f} photos/s")
        loads["after"] = loadavg()
        loads["others"] = interference
        sizes, dims_differ, diffs = {}, {}, {}
        for set_name, files in sets.items():
            sizes[set_name], dims_differ[set_name], diffs[set_name] = compare_outputs(
                files, os.path.join(tmp, set_name[0]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    body = markdown(args, mach, loads, results, shares, sizes, dims_differ, diffs, args.command, heif_decode)
    print(body)
    raw = {f"{s} {t}": v for (s, t), v in results.items()}
    log(json.dumps({"results": raw, "loads": loads}))
    if not args.no_doc:
        replace_section(args.doc_file, BEGIN, END, body)
        log(f"wrote {args.doc_file}")


if __name__ == "__main__":
    main()
