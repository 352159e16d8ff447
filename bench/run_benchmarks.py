#!/usr/bin/env python3
"""Cirrus benchmark harness for the management-server foundation.

Measures, on this machine, with release builds:
  1. cold start: process spawn -> first successful API response (POST login = 200), empty data dir;
  2. idle resident memory (VmRSS) of a started server after a few requests;
  3. signed listUsers throughput and latency under concurrent load from wrk (a second
     process on loopback), side by side with a bare Hummingbird handler, interleaved rounds.

Usage: python3 bench/run_benchmarks.py [--runs 5] [--duration 10] [--connections 16] [--rounds 3]
       [--compare OTHER_CIRRUS_BINARY] [--skip-start]
--compare runs a second cirrus binary (say, a build of the previous commit) in the same
alternating rounds, so that before/after figures come from one run on the same machine state.
Needs: release builds (swift build -c release --scratch-path .build-release --product cirrus
and --product cirrus-bench-bare) and wrk (apt-get install -y wrk).
Prints a Markdown table; medians of the runs.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, data, headers=None):
    req = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def start(binary, data_dir, port):
    env = dict(os.environ, CIRRUS_ADMIN_PASSWORD="bench-pw")
    # A free agent port too, so that two servers (--compare) can run side by side.
    return subprocess.Popen([binary, "serve", "--port", str(port), "--host", "127.0.0.1", "--agent-port", str(free_port()),
                             "--data-dir", data_dir, "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def login(port, deadline):
    url = f"http://127.0.0.1:{port}/client/api"
    while time.perf_counter() < deadline:
        try:
            status, body, headers = post(url, {"command": "login", "username": "admin", "password": "bench-pw", "response": "json"})
            if status == 200:
                return json.loads(body)["loginresponse"], headers
        except (ConnectionError, OSError):
            pass
        time.sleep(0.002)
    raise RuntimeError("server did not answer in time")


def cold_start(binary, runs):
    times = []
    for _ in range(runs):
        d = tempfile.mkdtemp(prefix="cirrus-bench-")
        port = free_port()
        t0 = time.perf_counter()
        p = start(binary, d, port)
        try:
            login(port, t0 + 30)
            times.append((time.perf_counter() - t0) * 1000)
        finally:
            p.terminate()
            p.wait(10)
            shutil.rmtree(d, ignore_errors=True)
    return times


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sign(params, secret):
    items = sorted(params.items(), key=lambda kv: kv[0])
    s = "&".join(f"{k}={urllib.parse.quote(v, safe='*')}" for k, v in items).lower()
    return base64.b64encode(hmac.new(secret.encode(), s.encode(), hashlib.sha1).digest()).decode()


def wrk(url, duration, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def lat(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else (v * 1000 if unit == "s" else v)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat(50), lat(99), int(non2xx.group(1)) if non2xx else 0


def serve_signed(binary):
    """Starts a server on a fresh data directory; returns (process, data dir, signed listUsers URL)."""
    d = tempfile.mkdtemp(prefix="cirrus-bench-")
    port = free_port()
    server = start(binary, d, port)
    try:
        session, headers = login(port, time.perf_counter() + 30)
        cookie = "; ".join(c.split(";")[0] for c in headers.get_all("Set-Cookie"))
        base = f"http://127.0.0.1:{port}/client/api"
        q = urllib.parse.urlencode({"command": "registerUserKeys", "id": session["userid"], "response": "json", "sessionkey": session["sessionkey"]})
        req = urllib.request.Request(f"{base}?{q}", headers={"Cookie": cookie})
        keys = json.loads(urllib.request.urlopen(req).read())["registeruserkeysresponse"]["userkeys"]
        params = {"command": "listUsers", "response": "json", "apiKey": keys["apikey"]}
        params["signature"] = sign(params, keys["secretkey"])
        signed_url = f"{base}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(signed_url) as r:
            assert json.loads(r.read())["listusersresponse"]["count"] >= 1
    except BaseException:
        server.terminate()
        server.wait(10)
        shutil.rmtree(d, ignore_errors=True)
        raise
    return server, d, signed_url


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build-release/release/cirrus"))
    ap.add_argument("--bare", default=os.path.join(ROOT, ".build-release/release/cirrus-bench-bare"))
    ap.add_argument("--compare", default=None, metavar="BINARY",
                    help="another cirrus binary (e.g. a build of an older commit) measured in the same rounds, side by side")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3, help="alternating wrk rounds (each: compare binary if any, cirrus, bare)")
    ap.add_argument("--skip-start", action="store_true", help="skip the cold-start and memory measurements")
    args = ap.parse_args()

    starts = [] if args.skip_start else cold_start(args.binary, args.runs)

    bare_port = free_port()
    servers = []
    bare = subprocess.Popen([args.bare, str(bare_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        server, d, signed_url = serve_signed(args.binary)
        servers.append((server, d))
        compare_url = None
        if args.compare:
            other, other_dir, compare_url = serve_signed(args.compare)
            servers.append((other, other_dir))
        time.sleep(2)
        idle = [rss_kib(server.pid)]
        for _ in range(args.runs - 1):
            time.sleep(1)
            idle.append(rss_kib(server.pid))
        bare_url = f"http://127.0.0.1:{bare_port}/client/api?command=listUsers&response=json"
        rounds, compared = [], []
        for _ in range(args.rounds):
            if compare_url:
                compared.append(wrk(compare_url, args.duration, args.connections))
            c = wrk(signed_url, args.duration, args.connections)
            b = wrk(bare_url, args.duration, args.connections)
            rounds.append((c, b))
        loaded_rss = rss_kib(server.pid)
    finally:
        for p, _ in servers:
            p.terminate()
        bare.terminate()
        for p, d in servers:
            p.wait(10)
            shutil.rmtree(d, ignore_errors=True)
        bare.wait(10)

    med = statistics.median
    c_rps = med(r[0][0] for r in rounds)
    b_rps = med(r[1][0] for r in rounds)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    print()
    print(f"| measure | result |")
    print(f"|---|---|")
    if starts:
        print(f"| cold start to first successful response (median of {args.runs}) | {med(starts):.0f} ms (min {min(starts):.0f}, max {max(starts):.0f}) |")
    print(f"| idle resident memory (median of {len(idle)} samples) | {med(idle) / 1024:.1f} MiB |")
    print(f"| resident memory after the load runs | {loaded_rss / 1024:.1f} MiB |")
    print(f"| signed listUsers, wrk -t2 -c{args.connections}, {args.duration}s x {args.rounds} rounds (median) | {c_rps:.0f} req/s, p50 {med(r[0][1] for r in rounds):.2f} ms, p99 {med(r[0][2] for r in rounds):.2f} ms, non-2xx {sum(r[0][3] for r in rounds)} |")
    if compared:
        k_rps = med(r[0] for r in compared)
        print(f"| same, --compare binary ({os.path.basename(args.compare)}) | {k_rps:.0f} req/s, p50 {med(r[1] for r in compared):.2f} ms, p99 {med(r[2] for r in compared):.2f} ms, non-2xx {sum(r[3] for r in compared)} |")
    print(f"| bare Hummingbird handler, same settings (median) | {b_rps:.0f} req/s, p50 {med(r[1][1] for r in rounds):.2f} ms, p99 {med(r[1][2] for r in rounds):.2f} ms |")
    print(f"| Cirrus / bare throughput | {100 * c_rps / b_rps:.0f} % |")
    if compared:
        print(f"| --compare binary / bare throughput | {100 * k_rps / b_rps:.0f} % |")
    print()
    print("rounds (cirrus rps, bare rps):", [(round(r[0][0]), round(r[1][0])) for r in rounds])
    if compared:
        print("rounds (--compare binary rps):", [round(r[0]) for r in compared])


if __name__ == "__main__":
    main()
