#!/usr/bin/env python3
"""Load on the api with wrk: POST /v1/punches (a new punch per request) and
GET /v1/punches/{id} (one punch read over and over), against `punchline serve` on a fresh
PostgreSQL database. Started by benches/api/run.sh, which builds the release binary first.

wrk and the server share this machine's cores, as a load balancer's health checks and a
second process would: the figures are what one small box sustains, not the api's ceiling.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from doc_section import replace_section  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "target", "release", "punchline")
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN, END = "<!-- api:begin -->", "<!-- api:end -->"
PG_ADMIN = os.environ.get("PUNCHLINE_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
PORT = 18080


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def psql(sql):
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, capture_output=True)


def env_for(database, prefix, objects):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUNCHLINE_")}
    server = PG_ADMIN.rsplit("/", 1)[0]
    env.update({
        "PUNCHLINE_RECORDS__URL": f"{server}/{database}",
        "PUNCHLINE_QUEUE__BACKEND": "rabbitmq",
        "PUNCHLINE_QUEUE__NAME_PREFIX": prefix,
        "PUNCHLINE_STORE__LOCAL__DIRECTORY": objects,
        "PUNCHLINE_API__BIND": f"127.0.0.1:{PORT}",
        "PUNCHLINE_API__PUBLIC_URL": f"http://127.0.0.1:{PORT}",
        # The load comes from one IP and one token: measure the api, not its rate limiter.
        "PUNCHLINE_API__RATE_LIMIT__PER_IP_PER_S": "0",
        "PUNCHLINE_API__RATE_LIMIT__PER_TOKEN_PER_S": "0",
        "PUNCHLINE_LOG": "warn",
    })
    return env


def token(env, org, user, role):
    out = subprocess.run([BIN, "token", "--org", org, "--user", user, "--role", role, "--ttl", "2h"],
                         env=env, check=True, capture_output=True, text=True, cwd=ROOT)
    return out.stdout.strip()


def call(method, path, tok, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def wait_ready(proc):
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"punchline serve exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("punchline serve was not ready within 60 s")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNITS[m.group(2)]


def wrk(args, url, duration, connections, script_args=()):
    cmd = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{duration}s", *args, url]
    if script_args:
        cmd += ["--", *script_args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {p: ms(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {"rps": rps, "p50": pct["50"], "p90": pct["90"], "p99": pct["99"],
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else "none", "raw": out}


def delete_queues(prefix):
    """The queues `serve` declared for this run (empty: no upload was completed)."""
    names = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name"], capture_output=True, text=True).stdout
    for name in names.split():
        if name.startswith(prefix + "."):
            subprocess.run(["rabbitmqctl", "-q", "delete_queue", name], capture_output=True)


def machine():
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    mem = re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read())
    pg = subprocess.run(["psql", PG_ADMIN, "-tAc", "SHOW server_version"], capture_output=True, text=True).stdout
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
    return {"cpu": cpu.group(1).strip() if cpu else "?", "cores": os.cpu_count(),
            "mem_gib": round(int(mem.group(1)) / 2**20) if mem else "?", "kernel": platform.release(),
            "postgres": pg.strip(), "commit": head.strip() or os.environ.get("BENCH_SOURCE", "?"),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_before": os.getloadavg()[0]}


def markdown(mach, results, args):
    L = ["## API under load (wrk)\n",
         f"Measured {mach['date']} with `{args.command}` at commit {mach['commit']}, on {mach['cpu']}, "
         f"{mach['cores']} cores, {mach['mem_gib']} GiB, Linux {mach['kernel']}, PostgreSQL {mach['postgres']} "
         f"(local, default settings); 1-min load before: {mach['load_before']:.2f}. `punchline serve` (release) "
         f"and wrk (2 threads, {args.connections} connections, {args.duration} s per route, after a 5 s warm-up) "
         "share the two cores over loopback; rate limits off, tokens valid.\n",
         "| route | requests/s | p50 ms | p90 ms | p99 ms | non-2xx |", "|---|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        L.append(f"| {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p90']:.2f} | {r['p99']:.2f} | {r['non2xx']} |")
    L.append("")
    L.append("- `POST /v1/punches`: each request a new `client_id`, so each one inserts a punch and its "
             "photo row in one transaction and signs an upload URL (the local store's HMAC URL; S3 "
             "presigning is also local computation). The idempotent replay of a known `client_id` is a read.")
    L.append("- `GET /v1/punches/{id}`: one punch with its photo, verdict (none yet) and reviews, by its worker.")
    L.append("- Every request verifies a JWT and is scoped to its organisation, as in production.")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--no-doc", action="store_true")
    ap.add_argument("--command", default="benches/api/run.sh")
    args = ap.parse_args()

    run = uuid.uuid4().hex[:12]
    database, prefix = f"punchline_bench_{run}", f"bench-{run}"
    objects = tempfile.mkdtemp(prefix="punchline-bench-")
    mach = machine()
    psql(f"CREATE DATABASE {database}")
    env = env_for(database, prefix, objects)
    server = None
    try:
        server = subprocess.Popen([BIN, "serve", "--migrate"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_ready(server)
        org = str(uuid.uuid4())
        admin = token(env, org, str(uuid.uuid4()), "admin")
        worker = token(env, org, str(uuid.uuid4()), "worker")
        site = call("POST", "/v1/sites", admin, {
            "name": "Bench site", "time_zone": "Europe/Kyiv",
            "geofence": {"kind": "circle", "center": {"lat": 46.7547, "lon": 33.3361}, "radius_m": 150}})["id"]
        punch = call("POST", "/v1/punches", worker, {
            "client_id": f"bench-read-{run}", "kind": "in", "site_id": site,
            "device_time": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "photo": {"content_type": "image/jpeg", "content_length": 1000}})["punch"]["id"]
        url = f"http://127.0.0.1:{PORT}"
        lua = os.path.join(ROOT, "benches", "api", "create_punch.lua")
        results = {}
        for name, wrk_args, target, script in [
            ("POST /v1/punches", ["-s", lua], url, (site, worker, run)),
            ("GET /v1/punches/{id}", ["-H", f"Authorization: Bearer {worker}"], f"{url}/v1/punches/{punch}", ()),
        ]:
            wrk(wrk_args, target, 5, args.connections, (*script[:2], run + "w") if script else ())
            r = wrk(wrk_args, target, args.duration, args.connections, script)
            log(f"{name}: {r['rps']:.0f} req/s, p99 {r['p99']:.2f} ms, non-2xx {r['non2xx']}")
            results[name] = r
    finally:
        if server and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        delete_queues(prefix)
        shutil.rmtree(objects, ignore_errors=True)
    body = markdown(mach, results, args)
    print(body)
    if not args.no_doc:
        replace_section(DOC, BEGIN, END, body)
        log(f"wrote {DOC}")


if __name__ == "__main__":
    main()
