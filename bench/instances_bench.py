#!/usr/bin/env python3
"""Cirrus benchmark harness for instances (issue 4).

Measures, on this machine, with the release builds of `cirrus` and `cirrus-bench-seed`:
  1. deploy throughput: a fresh `cirrus serve` (SQLite, demo zone on), `--hosts` (1,000) simulated
     hosts from `cirrus agent --simulator` processes joined to the demo zone's Simulator cluster,
     a tiny compute offering (1 core x 100 MHz, 64 MiB: capacity is no limit), then per round
     `--deploys` (2,000) signed deployVirtualMachine calls from `--threads` client threads (each
     its own keep-alive connection) and the time from the first submission until
     `listVirtualMachines state=Running` counts them all (polled every 100 ms, pagesize=1).
     Latency deploy -> Running per instance = the job's `completed` (milliseconds, read from the
     data directory's SQLite file after the round; the deploy job completes when the instance is
     Running) minus the client's clock just before it sent that deploy (same machine, same clock).
  2. listVirtualMachines at `--list-sizes` (10,000 and 100,000) instances: a fresh data directory,
     `cirrus serve` once to create the demo zone and `--accounts` user accounts, stopped, then
     `cirrus-bench-seed instances` inserts the instances and their ROOT volumes straight into the
     database (mixed states, round-robin owners), then the server again and the first, a middle
     and the last 500-item page, `--rounds` times each, as admin with listall=true and as the
     first account's user (one keep-alive connection, signed).
  3. placement: `cirrus-bench-seed placement` (in-memory snapshot of 10,000 hosts, plan() per
     planner with allocations recorded; PlacementService snapshot rebuild from a database holding
     10,000 extra hosts).

Usage: python3 bench/instances_bench.py [--hosts 1000] [--processes 4] [--deploys 2000] [--threads 8]
       [--deploy-rounds 3] [--list-sizes 10000,100000] [--rounds 20] [--placement-runs 3]
       [--skip-deploy] [--skip-list] [--skip-placement]
Every server and agent it starts is stopped on every path; data directories are temporary and
removed. Prints Markdown; copy it into docs/benchmarks.md with the date and the load average.
"""
import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_benchmarks import ROOT, free_port, login, sign  # noqa: E402
from agents_bench import CHILDREN, percentile, rss_mib, spawn, stop_all  # noqa: E402


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


class Signed:
    """A signed API client on one keep-alive connection."""

    def __init__(self, port, api_key, secret):
        self.port, self.api_key, self.secret = port, api_key, secret
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def url(self, command, **params):
        p = {"command": command, "response": "json", "apiKey": self.api_key, **{k: str(v) for k, v in params.items()}}
        p["signature"] = sign(p, self.secret)
        return "/client/api?" + urllib.parse.urlencode(p)

    def get(self, path):
        t0 = time.perf_counter()
        self.conn.request("GET", path)
        r = self.conn.getresponse()
        body = r.read()
        elapsed = time.perf_counter() - t0
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}: {body[:300]!r}")
        return elapsed, body

    def call(self, command, **params):
        _, body = self.get(self.url(command, **params))
        result = next(iter(json.loads(body).values()))
        if "jobid" in result and command != "queryAsyncJobResult":
            while True:
                job = self.call("queryAsyncJobResult", jobid=result["jobid"])
                if job["jobstatus"] == 1:
                    return job["jobresult"]
                if job["jobstatus"] == 2:
                    raise RuntimeError(f"{command} failed: {job['jobresult']}")
                time.sleep(0.05)
        return result


class Server:
    """`cirrus serve` on a data directory (demo zone on), with an admin client holding API keys."""

    def __init__(self, binary, data_dir, database=None):
        self.binary, self.dir = binary, data_dir
        self.port, self.agent_port = free_port(), free_port()
        self.proc = spawn([binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--agent-port", str(self.agent_port),
                           "--data-dir", data_dir, "--log-level", "error"] + (["--database", database] if database else []),
                          os.path.join(data_dir, "server.log"))
        session, headers = login(self.port, time.perf_counter() + 120)
        cookie = "; ".join(c.split(";")[0] for c in headers.get_all("Set-Cookie"))
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("GET", "/client/api?" + urllib.parse.urlencode(
            {"command": "registerUserKeys", "id": session["userid"], "response": "json", "sessionkey": session["sessionkey"]}), headers={"Cookie": cookie})
        keys = json.loads(conn.getresponse().read())["registeruserkeysresponse"]["userkeys"]
        conn.close()
        self.keys = (keys["apikey"], keys["secretkey"])
        self.api = Signed(self.port, *self.keys)

    def client(self):
        return Signed(self.port, *self.keys)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc in CHILDREN:
            CHILDREN.remove(self.proc)
        self.api.conn.close()


def first(listing, key):
    items = listing.get(key, [])
    if not items:
        raise RuntimeError(f"no {key} in {listing}")
    return items[0]


def count_running(api):
    return api.call("listVirtualMachines", state="Running", listall="true", page=1, pagesize=1).get("count", 0)


# MARK: 1. deploy throughput

def deploy_round(server, args, zone, template, offering, base_running, base_error, round_no, network=None):
    n, threads = args.deploys, args.threads
    submitted = {}  # job uuid -> client epoch ms just before sending
    errors, lock = [], threading.Lock()
    start_gate = threading.Barrier(threads + 1)

    def worker(k):
        c = server.client()
        mine = range(k, n, threads)
        extra = {"networkids": network} if network else {}
        urls = [c.url("deployVirtualMachine", zoneid=zone, templateid=template, serviceofferingid=offering,
                      name=f"r{round_no}-vm{i}", **extra) for i in mine]
        start_gate.wait()
        for u in urls:
            t = time.time() * 1000
            try:
                _, body = c.get(u)
                r = json.loads(body)["deployvirtualmachineresponse"]
                with lock:
                    submitted[r["jobid"]] = t
            except Exception as e:  # noqa: BLE001 — counted and reported
                with lock:
                    errors.append(str(e)[:200])
        c.conn.close()

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    cpu0 = time.process_time()
    start_gate.wait()
    t0 = time.perf_counter()
    submit_done = None
    samples = []
    while True:
        if submit_done is None and not any(t.is_alive() for t in ts):
            submit_done = time.perf_counter() - t0
        running = count_running(server.api) - base_running
        failed_vms = server.api.call("listVirtualMachines", state="Error", listall="true", page=1, pagesize=1).get("count", 0) - base_error
        elapsed = time.perf_counter() - t0
        samples.append((elapsed, running))
        if running + failed_vms >= n - len(errors) and submit_done is not None:
            break
        if elapsed > args.deploy_timeout:
            break
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with {server.proc.returncode}; see {server.dir}")
        time.sleep(0.1)
    total = time.perf_counter() - t0
    for t in ts:
        t.join()
    client_cpu = time.process_time() - cpu0
    # Root volumes go on the hosts' local pools (storagetype=local): the demo zone's one shared
    # pool (2 TiB, 85 % threshold) holds only about 1,740 ROOT volumes of the built-in template.
    # Per-instance latency from the jobs' completion times (ms since the epoch) in the database.
    db = sqlite3.connect(f"file:{os.path.join(server.dir, 'cirrus.sqlite')}?mode=ro", uri=True, timeout=30)
    done, failed = {}, 0
    uuids = list(submitted)
    for i in range(0, len(uuids), 500):
        chunk = uuids[i:i + 500]
        for uuid, state, completed in db.execute(
                f"SELECT uuid, state, completed FROM async_jobs WHERE uuid IN ({','.join('?' * len(chunk))})", chunk):
            if completed is not None and state.lower() in ("succeeded", "success", "successful", "done", "1"):
                done[uuid] = completed
            elif completed is not None:
                failed += 1
    db.close()
    lat = [done[u] - submitted[u] for u in done]
    return {"n": n, "seconds": total, "rate": (running) / total, "running": running, "error_vms": failed_vms, "submit_s": submit_done, "errors": len(errors),
            "error_sample": errors[:2], "jobs_done": len(done), "jobs_failed": failed,
            "p50_ms": percentile(lat, 50) if lat else None, "p95_ms": percentile(lat, 95) if lat else None,
            "max_ms": max(lat) if lat else None, "client_cpu_s": client_cpu, "samples": samples}


def bench_deploy(args):
    d = tempfile.mkdtemp(prefix="cirrus-inst-bench-", dir=args.workdir)
    server, agents = None, []
    try:
        server = Server(args.binary, d)
        api = server.api
        zone = first(api.call("listZones", name="Sandbox-simulator"), "zone")["id"]
        cluster = first(api.call("listClusters", zoneid=zone, hypervisor="Simulator"), "cluster")["id"]
        template = first(api.call("listTemplates", templatefilter="featured", zoneid=zone), "template")["id"]
        offering = api.call("createServiceOffering", name="bench-tiny", displaytext="bench-tiny", cpunumber=1, cpuspeed=100,
                            memory=64, storagetype="local")["serviceoffering"]["id"]
        # Every deploy gets a NIC: a /16 guest network holds them all (the default /24 holds 253).
        isolated = first(api.call("listNetworkOfferings", name="DefaultIsolatedNetworkOfferingWithSourceNatService"), "networkoffering")["id"]
        network = api.call("createNetwork", name="bench-net", networkofferingid=isolated, zoneid=zone,
                           gateway="10.8.0.1", netmask="255.255.0.0")["network"]["id"]
        hosts_before = api.call("listHosts", state="Up", type="Routing", page=1, pagesize=1).get("count", 0)
        per, extra = divmod(args.hosts, args.processes)
        t0 = time.perf_counter()
        for i in range(args.processes):
            n = per + (1 if i < extra else 0)
            agents.append(spawn([args.binary, "agent", "--simulator", "--count", str(n), "--server", f"ws://127.0.0.1:{server.agent_port}/agent",
                                 "--key-file", os.path.join(d, "agent.key"), "--cluster", cluster, "--name-prefix", f"inst-p{i}",
                                 "--log-level", "error"], os.path.join(d, f"agent-{i}.log")))
        while True:
            up = api.call("listHosts", state="Up", type="Routing", page=1, pagesize=1).get("count", 0)
            if up >= hosts_before + args.hosts:
                break
            if time.perf_counter() - t0 > 300:
                raise RuntimeError(f"only {up} hosts Up")
            time.sleep(0.25)
        up_s = time.perf_counter() - t0
        time.sleep(args.settle)
        rounds = []
        for r in range(args.deploy_rounds):
            base = count_running(api)
            base_error = api.call("listVirtualMachines", state="Error", listall="true", page=1, pagesize=1).get("count", 0)
            load = os.getloadavg()[0]
            res = deploy_round(server, args, zone, template, offering, base, base_error, r, network=network)
            res["load"] = load
            res["load_after"] = os.getloadavg()[0]
            rounds.append(res)
            short = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in res.items() if k != "samples"}
            print(f"# deploy round {r + 1}: {short}", file=sys.stderr, flush=True)
            if args.verbose:
                print("# Running over time (s, n):", [(round(t, 2), n) for t, n in res["samples"][::5]], file=sys.stderr)
            time.sleep(args.settle)
        return {"hosts": hosts_before + args.hosts, "up_s": up_s, "rounds": rounds, "rss": rss_mib(server.proc.pid)}
    finally:
        for p in agents:
            if p.poll() is None:
                p.terminate()
        for p in agents:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
            if p in CHILDREN:
                CHILDREN.remove(p)
        if server:
            server.stop()
        shutil.rmtree(d, ignore_errors=True)


# MARK: 2. listVirtualMachines

def bench_list(args, size):
    d = tempfile.mkdtemp(prefix="cirrus-inst-list-", dir=args.workdir)
    server = None
    try:
        server = Server(args.binary, d)
        names = [f"bench{i}" for i in range(args.accounts)]
        user_keys = None
        for name in names:
            acct = server.api.call("createAccount", accounttype=0, username=name, password="bench-pw-1", email=f"{name}@example.com",
                                   firstname=name, lastname="bench", account=name)["account"]
            if user_keys is None:
                uid = acct["user"][0]["id"]
                k = server.api.call("registerUserKeys", id=uid)["userkeys"]
                user_keys = (k["apikey"], k["secretkey"])
        server.stop()
        server = None
        t0 = time.perf_counter()
        out = subprocess.run([args.seed, "instances", "--data-dir", d, "--count", str(size), "--accounts", ",".join(names), "--hosts", str(args.seed_hosts)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"seeding failed: {out.stderr[-2000:]}")
        seeded = json.loads(out.stdout.strip().splitlines()[-1])
        seed_s = time.perf_counter() - t0
        server = Server(args.binary, d)
        time.sleep(args.settle)
        results = {}
        for scope, client, params in (("admin, listall=true", server.client(), {"listall": "true"}),
                                      (f"user {names[0]} (owns 1/{len(names)})", Signed(server.port, *user_keys), {})):
            total = json.loads(client.get(client.url("listVirtualMachines", page=1, pagesize=1, **params))[1])["listvirtualmachinesresponse"].get("count", 0)
            pages = max(1, (total + 499) // 500)
            chosen = {"first": 1, "middle": (pages + 1) // 2, "last": pages}
            per = {}
            for label, page in chosen.items():
                path = client.url("listVirtualMachines", page=page, pagesize=500, **params)
                client.get(path)  # warm-up, not counted
                times, size_bytes = [], 0
                for _ in range(args.rounds):
                    elapsed, body = client.get(path)
                    times.append(elapsed * 1000)
                    size_bytes = len(body)
                    vms = json.loads(body)["listvirtualmachinesresponse"].get("virtualmachine", [])
                    want = 500 if page < pages else total - 500 * (pages - 1)
                    assert len(vms) == want, f"{scope} page {page}: {len(vms)} instances, expected {want}"
                per[label] = {"page": page, "p50": percentile(times, 50), "p95": percentile(times, 95), "max": max(times), "kib": size_bytes / 1024}
            results[scope] = {"count": total, "pages": pages, "per": per}
            client.conn.close()
        return {"size": size, "seeded": seeded, "seed_s": seed_s, "results": results, "rss": rss_mib(server.proc.pid), "load": os.getloadavg()[0]}
    finally:
        if server:
            server.stop()
        shutil.rmtree(d, ignore_errors=True)


# MARK: 3. placement

def bench_placement(args):
    d = tempfile.mkdtemp(prefix="cirrus-inst-place-", dir=args.workdir)
    try:
        server = Server(args.binary, d)  # creates the schema and the demo zone the rebuild's hosts join
        server.stop()
        runs = []
        rebuild = None
        for r in range(args.placement_runs):
            cmd = [args.seed, "placement", "--hosts", str(args.placement_hosts), "--clusters", "100", "--requests", str(args.placement_requests)]
            if r == 0:
                cmd += ["--data-dir", d, "--rounds", "5"]
            load = os.getloadavg()[0]
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                raise RuntimeError(f"placement failed: {out.stderr[-2000:]}")
            lines = [json.loads(x) for x in out.stdout.strip().splitlines()]
            runs.append({"load": load, "planners": [x for x in lines if "planner" in x]})
            rebuild = rebuild or next((x for x in lines if "rebuild_hosts" in x), None)
            print(f"# placement run {r + 1}: {lines}", file=sys.stderr, flush=True)
        return {"runs": runs, "rebuild": rebuild}
    finally:
        stop_all()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build-release/release/cirrus"))
    ap.add_argument("--seed", default=os.path.join(ROOT, ".build-release/release/cirrus-bench-seed"))
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--deploys", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--deploy-rounds", type=int, default=3)
    ap.add_argument("--deploy-timeout", type=float, default=600)
    ap.add_argument("--list-sizes", default="10000,100000")
    ap.add_argument("--accounts", type=int, default=4)
    ap.add_argument("--seed-hosts", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--placement-runs", type=int, default=3)
    ap.add_argument("--placement-hosts", type=int, default=10000)
    ap.add_argument("--placement-requests", type=int, default=20000)
    ap.add_argument("--settle", type=float, default=5)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--skip-deploy", action="store_true")
    ap.add_argument("--skip-list", action="store_true")
    ap.add_argument("--skip-placement", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    for b in (args.binary, args.seed):
        if not os.access(b, os.X_OK):
            sys.exit(f"{b} not found: swift build -c release --scratch-path .build-release --product cirrus (and cirrus-bench-seed)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    load_before = os.getloadavg()
    deploy, listings, placement = None, [], None
    try:
        if not args.skip_deploy:
            deploy = bench_deploy(args)
        if not args.skip_list:
            for size in (int(x) for x in args.list_sizes.split(",")):
                listings.append(bench_list(args, size))
                print(f"# listing {size}: {listings[-1]}", file=sys.stderr, flush=True)
        if not args.skip_placement:
            placement = bench_placement(args)
    finally:
        stop_all()
    load_after = os.getloadavg()

    print(f"{os.cpu_count()} CPUs; load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after (other work on the machine inflates every figure)")
    print()
    print("| measure | goal | result |")
    print("|---|---|---|")
    if deploy:
        rs = deploy["rounds"]
        rounds_text = ", ".join(f"{r['rate']:.1f} at load {r['load']:.1f}" for r in rs)
        med = lambda key: statistics.median(r[key] for r in rs if r[key] is not None)  # noqa: E731
        print(f"| {deploy['hosts']} Up hosts ({args.hosts} agent links, {args.processes} processes, all Up in {deploy['up_s']:.1f} s): "
              f"{args.deploys} concurrent deploys ({args.threads} client threads), first submission → all Running, median of {len(rs)} rounds | ≥ 100 instances/s | "
              f"**{med('rate'):.1f} instances/s** (rounds: {rounds_text}); "
              f"submission alone {med('submit_s'):.1f} s; errors {sum(r['errors'] for r in rs)}, failed jobs {sum(r['jobs_failed'] for r in rs)} |")
        print(f"| same, deploy → Running latency per instance (job completed − client send) | — | p50 {med('p50_ms') / 1000:.2f} s, p95 {med('p95_ms') / 1000:.2f} s, "
              f"max {med('max_ms') / 1000:.2f} s (medians over rounds); client CPU {med('client_cpu_s'):.1f} s a round; server RSS {deploy['rss']:.0f} MiB |")
    for lst in listings:
        for scope, res in lst["results"].items():
            cells = "; ".join(f"{label} (page {v['page']}) p50 {v['p50']:.1f} / **p95 {v['p95']:.1f}** / max {v['max']:.1f} ms, {v['kib']:.0f} KiB"
                              for label, v in res["per"].items())
            goal = "p95 ≤ 100 ms" if lst["size"] <= 10000 else "p95 ≤ 250 ms"
            print(f"| {lst['size']:,} instances (seeded in {lst['seed_s']:.0f} s), listVirtualMachines pagesize 500, {scope}, {res['count']:,} listed "
                  f"({res['pages']} pages), {args.rounds} rounds a page | {goal} | {cells}; load {lst['load']:.1f}; RSS {lst['rss']:.0f} MiB |")
    if placement:
        by = {}
        for run in placement["runs"]:
            for p in run["planners"]:
                by.setdefault(p["planner"], []).append(p)
        for name, ps in by.items():
            print(f"| plan() over {ps[0]['hosts']:,} hosts / {ps[0]['clusters']} clusters, {ps[0]['requests']:,} mixed requests, {name}, median of {len(ps)} runs | p99 ≤ 5 ms | "
                  f"p50 {statistics.median(p['p50_ms'] for p in ps):.3f} ms, **p99 {statistics.median(p['p99_ms'] for p in ps):.3f} ms**, "
                  f"max {statistics.median(p['max_ms'] for p in ps):.2f} ms; placed {ps[0]['placed']:,}, refused {ps[0]['refused']:,} |")
        rb = placement["rebuild"]
        if rb:
            print(f"| PlacementService snapshot rebuild from SQLite, {rb['rebuild_hosts']:,} hosts | — | median {rb['median_ms']:.0f} ms over {rb['rounds']} "
                  f"(first {rb['first_ms']:.0f} ms, max {rb['max_ms']:.0f} ms) |")


if __name__ == "__main__":
    main()
