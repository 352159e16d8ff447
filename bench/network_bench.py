#!/usr/bin/env python3
"""Cirrus benchmark harness for guest networking (issue 5).

1. The router document of a network with `--doc-instances` (600) instances: a server runs once on
   a fresh data directory (demo zone), is stopped, then `cirrus-bench-seed routerdoc` inserts an
   implemented /22 network with a router, the instances and their NICs, three public addresses,
   100 port forwarding and 100 firewall rules and a load balancer over every instance, and times
   `RouterService.document` (built from the database) plus the canonical JSON, `--doc-rounds` times.

2. associateIpAddress under concurrency, on this machine, with the release build of `cirrus`:
a fresh `cirrus serve` (SQLite by default, or `--database postgres://…`; demo zone on), an extra
public range of `--range-size` addresses, an isolated network made with createNetwork, then per
round `--calls` (500) signed associateIpAddress calls released at once from as many client
threads (each its own connection, all waiting on one barrier). For each call it records
  * the answer time: from sending the request to having the `{jobid}` answer, and
  * the completion time: the job's `completed` (ms, from the job row; the job is done when the
    address is allocated) minus the client's clock just before sending (same machine).
Then it checks that every job succeeded and the addresses are distinct (listPublicIpAddresses),
and disassociates them all before the next round. Median of rounds for each percentile.

Usage: python3 bench/network_bench.py [--calls 500] [--rounds 3] [--database URL] [--doc-instances 600] [--doc-rounds 50]
       [--skip-doc] [--skip-associate]
Prints Markdown; copy it into docs/benchmarks.md with the date and the load average.
"""
import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agents_bench import CHILDREN, percentile, stop_all  # noqa: E402
from instances_bench import Server, first  # noqa: E402
from run_benchmarks import ROOT  # noqa: E402


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


def job_completions(server, database, uuids):
    """Completion times (ms since the epoch) of succeeded jobs, from the job table."""
    out, failed = {}, 0
    if database:
        import psycopg2  # noqa: PLC0415 — only for PostgreSQL runs
        conn = psycopg2.connect(database)
        cur = conn.cursor()
        cur.execute("SELECT uuid, state, completed, result FROM async_jobs WHERE uuid = ANY(%s)", (list(uuids),))
        rows = cur.fetchall()
        conn.close()
    else:
        conn = sqlite3.connect(f"file:{os.path.join(server.dir, 'cirrus.sqlite')}?mode=ro", uri=True, timeout=30)
        rows = []
        for i in range(0, len(uuids), 500):
            chunk = uuids[i:i + 500]
            rows += conn.execute(f"SELECT uuid, state, completed, result FROM async_jobs WHERE uuid IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        conn.close()
    for uuid, state, completed, *rest in rows:
        if completed is not None and state.lower() == "succeeded":
            out[uuid] = completed
        elif completed is not None:
            failed += 1
            if failed == 1:
                print(f"# a failed job: {rest[0] if rest else ''}"[:400], file=sys.stderr)
    return out, failed


def associate_round(server, args, network):
    n = args.calls
    sent, answered, errors, lock = {}, [], [], threading.Lock()
    gate = threading.Barrier(n + 1)

    def worker():
        c = server.client()
        url = c.url("associateIpAddress", networkid=network)
        gate.wait()
        t = time.time() * 1000
        try:
            elapsed, body = c.get(url)
            r = json.loads(body)["associateipaddressresponse"]
            with lock:
                sent[r["jobid"]] = t
                answered.append(elapsed * 1000)
        except Exception as e:  # noqa: BLE001 — counted and reported
            with lock:
                errors.append(str(e)[:200])
        c.conn.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    # Wait until every job has finished.
    uuids = list(sent)
    while True:
        done, failed = job_completions(server, args.database, uuids)
        if len(done) + failed >= len(uuids) or time.perf_counter() - t0 > 300:
            break
        time.sleep(0.1)
    total = time.perf_counter() - t0
    completion = [done[u] - sent[u] for u in done]
    items, page = [], 1
    while True:
        listed = server.api.call("listPublicIpAddresses", associatednetworkid=network, issourcenat="false", listall="true", page=page, pagesize=500)
        items += listed.get("publicipaddress", [])
        if len(items) >= listed.get("count", 0) or not listed.get("publicipaddress"):
            break
        page += 1
    addresses = [ip["ipaddress"] for ip in items]
    ids = [ip["id"] for ip in items]
    res = {"n": n, "ok": len(done), "failed": failed, "errors": len(errors), "error_sample": errors[:2], "seconds": total,
           "distinct": len(set(addresses)), "listed": len(addresses),
           "answer_p50": percentile(answered, 50), "answer_p95": percentile(answered, 95), "answer_max": max(answered),
           "done_p50": percentile(completion, 50) if completion else None, "done_p95": percentile(completion, 95) if completion else None,
           "done_max": max(completion) if completion else None}
    # Give the addresses back for the next round (sequentially; not measured).
    for ip in ids:
        server.api.call("disassociateIpAddress", id=ip)
    return res


def floor_round(server, args):
    """The same burst of signed calls, released at once from as many client threads, on a
    command that writes nothing (listCapabilities): what the client, HTTP, signature check and
    dispatch cost on this machine whatever the command does — the floor under any answer time."""
    n = args.calls
    answered, errors, lock = [], [], threading.Lock()
    gate = threading.Barrier(n + 1)

    def worker():
        c = server.client()
        url = c.url("listCapabilities")
        gate.wait()
        try:
            elapsed, _ = c.get(url)
            with lock:
                answered.append(elapsed * 1000)
        except Exception as e:  # noqa: BLE001 — counted and reported
            with lock:
                errors.append(str(e)[:200])
        c.conn.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    gate.wait()
    for t in threads:
        t.join()
    return {"n": n, "ok": len(answered), "errors": len(errors), "p50": percentile(answered, 50), "p95": percentile(answered, 95),
            "max": max(answered) if answered else None}


def bench_associate(args):
    d = tempfile.mkdtemp(prefix="cirrus-net-bench-", dir=args.workdir)
    server = None
    try:
        server = Server(args.binary, d, database=args.database)
        api = server.api
        zone = first(api.call("listZones", name="Sandbox-simulator"), "zone")["id"]
        physical = first(api.call("listPhysicalNetworks", zoneid=zone), "physicalnetwork")["id"]
        # 198.18.0.0/15 (benchmarking addresses): enough for every round's calls.
        last = 10 + args.range_size - 1
        api.call("createVlanIpRange", zoneid=zone, physicalnetworkid=physical, vlan="untagged", forvirtualnetwork="true",
                 gateway="198.18.0.1", netmask="255.254.0.0", startip="198.18.0.10", endip=f"198.18.{last // 256}.{last % 256}")
        isolated = first(api.call("listNetworkOfferings", name="DefaultIsolatedNetworkOfferingWithSourceNatService"), "networkoffering")["id"]
        network = api.call("createNetwork", name="bench-ip-net", networkofferingid=isolated, zoneid=zone)["network"]["id"]
        # The first address becomes the network's source NAT address; the rounds measure the others.
        api.call("associateIpAddress", networkid=network)
        rounds = []
        for r in range(args.rounds):
            load = os.getloadavg()[0]
            floor = floor_round(server, args)
            time.sleep(args.settle)
            res = associate_round(server, args, network)
            res["load"] = load
            res["floor"] = floor
            rounds.append(res)
            print(f"# associate round {r + 1}: " + json.dumps({k: (round(v, 1) if isinstance(v, float) else v) for k, v in res.items()}),
                  file=sys.stderr, flush=True)
            time.sleep(args.settle)
        return rounds
    finally:
        if server:
            server.stop()
        shutil.rmtree(d, ignore_errors=True)


def bench_document(args):
    import subprocess  # noqa: PLC0415
    d = tempfile.mkdtemp(prefix="cirrus-doc-bench-", dir=args.workdir)
    try:
        server = Server(args.binary, d)
        server.stop()
        out = subprocess.run([args.seed, "routerdoc", "--data-dir", d, "--instances", str(args.doc_instances), "--rounds", str(args.doc_rounds)],
                             capture_output=True, text=True, timeout=600, env=dict(os.environ, CIRRUS_ADMIN_PASSWORD="bench-pw"))
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-2000:])
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build-release/release/cirrus"))
    ap.add_argument("--seed", default=os.path.join(ROOT, ".build-release/release/cirrus-bench-seed"))
    ap.add_argument("--doc-instances", type=int, default=600)
    ap.add_argument("--doc-rounds", type=int, default=50)
    ap.add_argument("--skip-doc", action="store_true")
    ap.add_argument("--skip-associate", action="store_true")
    ap.add_argument("--database", default=None, help="postgres://… (default: SQLite in the data directory)")
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--range-size", type=int, default=1200)
    ap.add_argument("--settle", type=float, default=2)
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        doc = None if args.skip_doc else bench_document(args)
        rounds = [] if args.skip_associate else bench_associate(args)
    finally:
        stop_all()
    if doc:
        print(f"\n### Router document, {doc['instances']} instances ({doc['dhcp_entries']} DHCP entries, {doc['document_bytes']:,} bytes canonical)\n")
        print("| measure | median (ms) | p95 (ms) | max (ms) |")
        print("|---|---|---|---|")
        print(f"| build from the database | {doc['build_median_ms']:.1f} | | |")
        print(f"| build + canonical JSON | {doc['total_median_ms']:.1f} | {doc['total_p95_ms']:.1f} | {doc['total_max_ms']:.1f} |")
        print(f"\n(first, cold: {doc['first_ms']:.1f} ms; {doc['rounds']} rounds)")
    if not rounds:
        return
    med = lambda key: statistics.median(r[key] for r in rounds if r[key] is not None)  # noqa: E731
    print(f"\n### {args.calls} concurrent associateIpAddress ({'PostgreSQL' if args.database else 'SQLite'}; median of {len(rounds)} rounds)\n")
    print("| round | jobs ok | failed | distinct addresses | answer p50 / p95 / max (ms) | done p50 / p95 / max (ms) | all done (s) | load |")
    print("|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rounds, 1):
        print(f"| {i} | {r['ok']}/{r['n']} | {r['failed'] + r['errors']} | {r['distinct']} of {r['listed']} | "
              f"{r['answer_p50']:.0f} / {r['answer_p95']:.0f} / {r['answer_max']:.0f} | "
              f"{r['done_p50']:.0f} / {r['done_p95']:.0f} / {r['done_max']:.0f} | {r['seconds']:.2f} | {r['load']:.2f} |")
    print(f"| **median** | | | | {med('answer_p50'):.0f} / {med('answer_p95'):.0f} / {med('answer_max'):.0f} | "
          f"{med('done_p50'):.0f} / {med('done_p95'):.0f} / {med('done_max'):.0f} | {med('seconds'):.2f} | |")
    floors = [r["floor"] for r in rounds]
    print(f"\nThe same burst of {args.calls} signed calls on listCapabilities (writes nothing), before each round, same server:\n")
    print("| round | answered | answer p50 / p95 / max (ms) |")
    print("|---|---|---|")
    for i, f in enumerate(floors, 1):
        print(f"| {i} | {f['ok']}/{f['n']} | {f['p50']:.0f} / {f['p95']:.0f} / {f['max']:.0f} |")
    print(f"| **median** | | {statistics.median(f['p50'] for f in floors):.0f} / {statistics.median(f['p95'] for f in floors):.0f} / "
          f"{statistics.median(f['max'] for f in floors):.0f} |")


if __name__ == "__main__":
    main()
