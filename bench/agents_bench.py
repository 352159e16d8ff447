#!/usr/bin/env python3
"""Cirrus benchmark harness for the agent link and host listing (issue 3).

Measures, on this machine, with the release build of `cirrus`:
  1. `--hosts` (1,000) simulated hosts, each its own WebSocket link from `cirrus agent --simulator`
     processes (`--processes` of them, hosts split evenly) to a fresh management server on
     loopback: the time from spawning the agents until `listHosts state=Up` counts them all;
     then the management server's CPU (utime + stime from /proc/<pid>/stat) over `--cpu-window`
     seconds of steady pinging, once per `--intervals` value of ping.interval (60 = default);
  2. `--list-hosts` (10,000) hosts, again real agent links (`--list-processes` processes), then
     every 500-item page of `listHosts` fetched `--rounds` times with a signed client on one
     keep-alive connection: p50 / p95 / max per page.

Usage: python3 bench/agents_bench.py [--hosts 1000] [--processes 4] [--intervals 60,5]
       [--cpu-window 60] [--list-hosts 10000] [--list-processes 20] [--rounds 5] [--skip-up] [--skip-list]
       [--compare OTHER_CIRRUS_BINARY]   (listHosts of another build, measured in the same run)
Needs: swift build -c release --scratch-path .build-release --product cirrus. Raises its own
open-file limit (each link is a socket on both ends). Every server and agent it starts is
stopped on every path (normal exit, exception, SIGINT, SIGTERM); data directories are
temporary and removed. Prints Markdown; copy it into docs/benchmarks.md with the date.
"""
import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_benchmarks import ROOT, free_port, login, sign  # noqa: E402

CHILDREN = []
CLK_TCK = os.sysconf("SC_CLK_TCK")


def stop_all():
    """Terminates every child still running, then kills what did not stop."""
    for p in CHILDREN:
        if p.poll() is None:
            try:
                p.terminate()
            except OSError:
                pass
    deadline = time.time() + 10
    for p in CHILDREN:
        try:
            p.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    CHILDREN.clear()


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


def spawn(args, log_path=None):
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    p = subprocess.Popen(args, env=dict(os.environ, CIRRUS_ADMIN_PASSWORD="bench-pw"), stdout=subprocess.DEVNULL, stderr=out)
    CHILDREN.append(p)
    return p


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def listen_overflows():
    """The kernel's count of connections dropped because a listen queue was full."""
    with open("/proc/net/netstat") as f:
        lines = [line.split() for line in f if line.startswith("TcpExt:")]
    return int(dict(zip(lines[0][1:], lines[1][1:])).get("ListenOverflows", 0))


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Client:
    """A signed API client on one keep-alive connection."""

    def __init__(self, port):
        self.port = port
        session, headers = login(port, time.perf_counter() + 60)
        cookie = "; ".join(c.split(";")[0] for c in headers.get_all("Set-Cookie"))
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        keys = self.raw({"command": "registerUserKeys", "id": session["userid"], "response": "json", "sessionkey": session["sessionkey"]},
                        {"Cookie": cookie})["registeruserkeysresponse"]["userkeys"]
        self.api_key, self.secret = keys["apikey"], keys["secretkey"]

    def raw(self, params, headers=None):
        self.conn.request("GET", "/client/api?" + urllib.parse.urlencode(params), headers=headers or {})
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"{params.get('command')}: HTTP {r.status}: {body[:300]!r}")
        return json.loads(body)

    def url(self, command, **params):
        p = {"command": command, "response": "json", "apiKey": self.api_key, **{k: str(v) for k, v in params.items()}}
        p["signature"] = sign(p, self.secret)
        return "/client/api?" + urllib.parse.urlencode(p)

    def call(self, command, **params):
        self.conn.request("GET", self.url(command, **params))
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"{command}: HTTP {r.status}: {body[:300]!r}")
        result = next(iter(json.loads(body).values()))
        if "jobid" in result and command != "queryAsyncJobResult":
            while True:
                job = self.call("queryAsyncJobResult", jobid=result["jobid"])
                if job["jobstatus"] == 1:
                    return job["jobresult"]
                if job["jobstatus"] == 2:
                    raise RuntimeError(f"{command} failed: {job['jobresult']}")
                time.sleep(0.1)
        return result

    def timed_get(self, path):
        """Seconds from sending a request until its whole body has arrived, and the body."""
        t0 = time.perf_counter()
        self.conn.request("GET", path)
        r = self.conn.getresponse()
        body = r.read()
        elapsed = time.perf_counter() - t0
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}: {body[:300]!r}")
        return elapsed, body

    def up_count(self):
        return self.call("listHosts", state="Up", page=1, pagesize=1).get("count", 0)


class Cloud:
    """A fresh management server (own data directory, loopback ports) with one Simulator cluster."""

    def __init__(self, binary, ping_interval, workdir):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="cirrus-agents-bench-", dir=workdir)
        self.port, self.agent_port = free_port(), free_port()
        self.server = spawn([binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--agent-port", str(self.agent_port),
                             "--data-dir", self.dir, "--no-demo-zone", "--log-level", "error"], os.path.join(self.dir, "server.log"))
        self.agents = []
        self.api = Client(self.port)
        if ping_interval != 60:
            self.api.call("updateConfiguration", name="ping.interval", value=ping_interval)
        zone = self.api.call("createZone", name="bench", networktype="Advanced", dns1="192.0.2.53", internaldns1="192.0.2.54",
                             guestcidraddress="10.1.0.0/16")["zone"]
        pod = self.api.call("createPod", zoneid=zone["id"], name="bench-pod", gateway="192.168.56.1", netmask="255.255.255.0",
                            startip="192.168.56.10", endip="192.168.56.200")["pod"]
        cluster = self.api.call("addCluster", zoneid=zone["id"], podid=pod["id"], clustername="bench-c0", hypervisor="Simulator",
                                clustertype="CloudManaged")["cluster"]
        self.cluster = cluster[0]["id"] if isinstance(cluster, list) else cluster["id"]

    def start_agents(self, count, processes, prefix):
        """Spawns `processes` agent processes holding `count` hosts between them."""
        per, extra = divmod(count, processes)
        for i in range(processes):
            n = per + (1 if i < extra else 0)
            if n == 0:
                continue
            self.agents.append(spawn([self.binary, "agent", "--simulator", "--count", str(n), "--server", f"ws://127.0.0.1:{self.agent_port}/agent",
                                      "--key-file", os.path.join(self.dir, "agent.key"), "--cluster", self.cluster,
                                      "--name-prefix", f"{prefix}-p{i}", "--log-level", "error"], os.path.join(self.dir, f"agent-{prefix}-{i}.log")))

    def wait_up(self, count, timeout):
        """Polls listHosts state=Up (every 100 ms) until `count` hosts are Up; returns the seconds taken and the samples."""
        t0 = time.perf_counter()
        samples = []
        while True:
            n = self.api.up_count()
            elapsed = time.perf_counter() - t0
            samples.append((elapsed, n))
            if n >= count:
                return elapsed, samples
            if elapsed > timeout:
                raise RuntimeError(f"only {n} of {count} hosts Up after {timeout} s")
            for p in [self.server] + self.agents:
                if p.poll() is not None:
                    raise RuntimeError(f"process {p.args[:2]} exited with {p.returncode}; see {self.dir}")
            time.sleep(0.1)

    def close(self):
        for p in self.agents + [self.server]:
            if p.poll() is None:
                p.terminate()
        for p in self.agents + [self.server]:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            if p in CHILDREN:
                CHILDREN.remove(p)
        self.api.conn.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def bench_up(args, interval):
    cloud = Cloud(args.binary, interval, args.workdir)
    try:
        drops0 = listen_overflows()
        t0 = time.perf_counter()
        cloud.start_agents(args.hosts, args.processes, "up")
        spawn_gap = time.perf_counter() - t0
        up_s, samples = cloud.wait_up(args.hosts, args.up_timeout)
        up_s += spawn_gap
        half = next(t for t, n in samples if n >= args.hosts // 2) + spawn_gap
        if args.verbose:
            print("# Up over time (s, hosts):", [(round(t + spawn_gap, 2), n) for t, n in samples], file=sys.stderr)
        rss_up = rss_mib(cloud.server.pid)
        drops = listen_overflows() - drops0
        time.sleep(args.settle)
        s0, a0, w0 = cpu_ticks(cloud.server.pid), sum(cpu_ticks(p.pid) for p in cloud.agents), time.perf_counter()
        time.sleep(args.cpu_window)
        s1, a1, w1 = cpu_ticks(cloud.server.pid), sum(cpu_ticks(p.pid) for p in cloud.agents), time.perf_counter()
        up_after = cloud.api.up_count()
        return {"interval": interval, "up_s": up_s, "half_s": half, "server_cpu": 100 * (s1 - s0) / CLK_TCK / (w1 - w0),
                "agents_cpu": 100 * (a1 - a0) / CLK_TCK / (w1 - w0), "window": w1 - w0, "up_after": up_after,
                "rss_up": rss_up, "drops": drops, "rss_end": rss_mib(cloud.server.pid)}
    finally:
        cloud.close()


def percentile(values, p):
    v = sorted(values)
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def bench_list(args, binary=None):
    cloud = Cloud(binary or args.binary, 60, args.workdir)
    try:
        drops0 = listen_overflows()
        t0 = time.perf_counter()
        cloud.start_agents(args.list_hosts, args.list_processes, "list")
        cloud.wait_up(args.list_hosts, args.up_timeout * max(1, args.list_hosts // args.hosts))
        up_total = time.perf_counter() - t0
        drops = listen_overflows() - drops0
        time.sleep(args.settle)
        pages = (args.list_hosts + 499) // 500
        paths = [cloud.api.url("listHosts", page=i + 1, pagesize=500) for i in range(pages)]
        # One warm-up pass (not counted), then `rounds` timed passes over every page.
        for path in paths:
            cloud.api.timed_get(path)
        times, per_page, sizes = [], {i: [] for i in range(pages)}, []
        ids = set()
        for _ in range(args.rounds):
            for i, path in enumerate(paths):
                elapsed, body = cloud.api.timed_get(path)
                times.append(elapsed * 1000)
                per_page[i].append(elapsed * 1000)
                hosts = json.loads(body)["listhostsresponse"].get("host", [])
                assert len(hosts) == min(500, args.list_hosts - 500 * i), f"page {i + 1} has {len(hosts)} hosts"
                ids.update(h["id"] for h in hosts)
                sizes.append(len(body))
        assert len(ids) == args.list_hosts, f"{len(ids)} distinct hosts over all pages"
        return {"up_s": up_total, "drops": drops, "pages": pages, "samples": len(times), "p50": percentile(times, 50), "p95": percentile(times, 95),
                "max": max(times), "min": min(times), "bytes": statistics.median(sizes), "rss": rss_mib(cloud.server.pid),
                "worst_page": max(per_page, key=lambda i: statistics.median(per_page[i])) + 1,
                "worst_page_median": max(statistics.median(v) for v in per_page.values())}
    finally:
        cloud.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build-release/release/cirrus"))
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--intervals", default="60,5", help="ping.interval values to measure, comma-separated")
    ap.add_argument("--cpu-window", type=float, default=60)
    ap.add_argument("--settle", type=float, default=5, help="seconds between all-Up and the next measurement")
    ap.add_argument("--up-timeout", type=float, default=120)
    ap.add_argument("--list-hosts", type=int, default=10000)
    ap.add_argument("--list-processes", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workdir", default=None, help="parent of the temporary data directories (default: the system temp dir)")
    ap.add_argument("--skip-up", action="store_true")
    ap.add_argument("--skip-list", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="print the Up count over time")
    ap.add_argument("--compare", default=None, metavar="BINARY",
                    help="another cirrus binary (e.g. a build of an older commit) whose listHosts is measured in the same run, before --binary's")
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} not found: swift build -c release --scratch-path .build-release --product cirrus")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 2 * max(args.hosts, args.list_hosts) + 1024)) if hard != resource.RLIM_INFINITY else 2 * max(args.hosts, args.list_hosts) + 1024
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    ups, listing, compared = [], None, None
    load_before = os.getloadavg()
    try:
        if not args.skip_up:
            for interval in (int(x) for x in args.intervals.split(",")):
                ups.append(bench_up(args, interval))
                print(f"# ping.interval {interval}: {ups[-1]}", file=sys.stderr, flush=True)
        if not args.skip_list:
            if args.compare:
                compared = bench_list(args, args.compare)
                print(f"# listing with {args.compare}: {compared}", file=sys.stderr, flush=True)
            listing = bench_list(args)
            print(f"# listing: {listing}", file=sys.stderr, flush=True)
    finally:
        stop_all()

    load_after = os.getloadavg()
    print(f"open-file limit {want}; {os.cpu_count()} CPUs; load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after "
          "(other work on the machine inflates every figure)")
    print()
    if ups:
        print("| measure | goal | result |")
        print("|---|---|---|")
        for u in ups:
            print(f"| {args.hosts} agent links ({args.processes} processes), ping.interval {u['interval']} s: spawn → all Up | ≤ 10 s | "
                  f"{u['up_s']:.2f} s (half Up at {u['half_s']:.2f} s; {u['drops']} SYNs dropped by a full listen queue); server RSS {u['rss_up']:.0f} MiB |")
            print(f"| same, server CPU while pinging ({u['window']:.0f} s window after {args.settle:.0f} s) | ≤ 10 % of a core | "
                  f"{u['server_cpu']:.1f} % (agents: {u['agents_cpu']:.1f} %); {u['up_after']} Up at the end; RSS {u['rss_end']:.0f} MiB |")
    if listing:
        if not ups:
            print("| measure | goal | result |")
            print("|---|---|---|")
        print(f"| {args.list_hosts} agent links ({args.list_processes} processes): spawn → all Up | — | {listing['up_s']:.1f} s ({listing['drops']} SYNs dropped by a full listen queue); server RSS {listing['rss']:.0f} MiB |")
        print(f"| signed listHosts, pagesize 500, all {listing['pages']} pages x {args.rounds} rounds ({listing['samples']} requests) | p95 ≤ 100 ms | "
              f"p50 {listing['p50']:.1f} ms, **p95 {listing['p95']:.1f} ms**, max {listing['max']:.1f} ms (min {listing['min']:.1f}); "
              f"{listing['bytes'] / 1024:.0f} KiB a page; slowest page {listing['worst_page']} (median {listing['worst_page_median']:.1f} ms) |")
    if compared:
        print(f"| same, --compare binary ({os.path.basename(args.compare)}), measured first | p95 ≤ 100 ms | "
              f"p50 {compared['p50']:.1f} ms, **p95 {compared['p95']:.1f} ms**, max {compared['max']:.1f} ms (min {compared['min']:.1f}); "
              f"{compared['bytes'] / 1024:.0f} KiB a page; all Up in {compared['up_s']:.1f} s |")


if __name__ == "__main__":
    main()
