#!/usr/bin/env python3
"""listHosts pages on a saved 10,000-host database, without agents: a quick before/after check.

The full benchmark (bench/agents_bench.py) builds its hosts from real agent links every time,
which takes a minute or two per binary. This one builds such a database once and then
measures several binaries against copies of it, in alternating repetitions, on a quiet server
(no agents pinging; the hosts drift to Disconnected/Alert, which changes nothing in the work
a page takes).

  python3 bench/list_pages.py --make /tmp/hosts10k            # once: 10,000 Up hosts, saved
  python3 bench/list_pages.py --data /tmp/hosts10k --binaries OLD,NEW [--rounds 4] [--reps 2]

Each repetition starts a fresh server per binary on a copy of the data, warms every page once,
then fetches all 20 pages (pagesize 500) `--rounds` times on one keep-alive connection.
Prints p50/p95/max per binary over all repetitions. `--save PREFIX` writes each binary's last
page to PREFIX.<binary name> so that the bodies can be compared byte for byte (cmp).
"""
import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agents_bench as ab  # noqa: E402
from run_benchmarks import ROOT, free_port  # noqa: E402


def make(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cloud = ab.Cloud(args.binary, 60, args.workdir)
    try:
        t0 = time.time()
        cloud.start_agents(args.hosts, args.processes, "list")
        cloud.wait_up(args.hosts, 900)
        print(f"{args.hosts} hosts Up in {time.time() - t0:.1f} s", flush=True)
        for p in cloud.agents + [cloud.server]:
            p.terminate()
        for p in cloud.agents + [cloud.server]:
            p.wait(30)
        shutil.copytree(cloud.dir, args.make, ignore=shutil.ignore_patterns("*.log", "cirrus.lock"))
        print(f"saved to {args.make}")
    finally:
        ab.stop_all()
        shutil.rmtree(cloud.dir, ignore_errors=True)


def measure(args):
    binaries = args.binaries.split(",")
    results = {b: [] for b in binaries}
    pages = (args.hosts + 499) // 500
    for rep in range(args.reps):
        for b in binaries:
            d = tempfile.mkdtemp(prefix="cirrus-list-pages-", dir=args.workdir)
            shutil.rmtree(d)
            shutil.copytree(args.data, d)
            lock = os.path.join(d, "cirrus.lock")
            if os.path.exists(lock):
                os.remove(lock)
            server = ab.spawn([b, "serve", "--host", "127.0.0.1", "--port", str(port := free_port()), "--agent-port", str(free_port()),
                               "--data-dir", d, "--no-demo-zone", "--log-level", "error"], os.path.join(d, "server.log"))
            try:
                client = ab.Client(port)
                paths = [client.url("listHosts", page=i + 1, pagesize=500) for i in range(pages)]
                for path in paths:
                    client.timed_get(path)
                times = []
                body = b""
                for _ in range(args.rounds):
                    for path in paths:
                        elapsed, body = client.timed_get(path)
                        times.append(elapsed * 1000)
                results[b] += times
                print(f"{b} repetition {rep + 1}: p50 {ab.percentile(times, 50):.1f} ms, p95 {ab.percentile(times, 95):.1f} ms, "
                      f"max {max(times):.1f} ms, last page {len(body)} bytes", flush=True)
                if args.save:
                    with open(f"{args.save}.{os.path.basename(b)}", "wb") as f:
                        f.write(body)
                client.conn.close()
            finally:
                server.terminate()
                server.wait(10)
                ab.CHILDREN.remove(server)
                shutil.rmtree(d, ignore_errors=True)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    print("| binary | requests | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    for b, times in results.items():
        print(f"| {b} | {len(times)} | {ab.percentile(times, 50):.1f} ms | {ab.percentile(times, 95):.1f} ms | {max(times):.1f} ms |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--make", metavar="DIR", help="build a database of --hosts Up hosts (real agent links) and save it to DIR")
    ap.add_argument("--data", metavar="DIR", help="a database saved with --make")
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build-release/release/cirrus"), help="server and agent binary for --make")
    ap.add_argument("--binaries", default=os.path.join(ROOT, ".build-release/release/cirrus"), help="comma-separated cirrus binaries to measure")
    ap.add_argument("--hosts", type=int, default=10000)
    ap.add_argument("--processes", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--save", metavar="PREFIX")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    try:
        if args.make:
            make(args)
        elif args.data:
            measure(args)
        else:
            ap.error("give --make DIR or --data DIR")
    finally:
        ab.stop_all()


if __name__ == "__main__":
    main()
