"""A management server killed (SIGKILL) while 50 deploys are in flight, then started again on
the same data directory (issue 4): every job ends, no instance stays Starting or Stopping, and
the CPU and memory capacity the hosts report equal what the instances hold.

This test runs its own server on embedded SQLite in a data directory of its own (also in the
PostgreSQL interop run), since it kills that server; the shared session server is untouched."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import conftest
import cirrus_helpers as h

TRANSITIONAL = {"Starting", "Stopping", "Migrating"}


def _demo(client):
    zone = h.items(client.call("listZones", name="Sandbox-simulator"), "zone")[0]
    template = h.items(client.call("listTemplates", templatefilter="featured", zoneid=zone["id"]), "template")[0]
    offering = h.items(client.call("listServiceOfferings", name="Small Instance"), "serviceoffering")[0]
    return zone, template, offering


def _capacity_used(client, zone_id: str) -> tuple[int, int]:
    caps = h.items(client.call("listCapacity", zoneid=zone_id, fetchlatest="true"), "capacity")
    by_type = {c["type"]: c for c in caps}
    return int(by_type[1]["capacityused"]), int(by_type[0]["capacityused"])  # CPU (MHz), memory (bytes)


def _held(client) -> tuple[int, int, list[dict]]:
    vms = h.items(client.call("listVirtualMachines", listall="true", page=1, pagesize=500), "virtualmachine")
    holding = [v for v in vms if v["state"] in TRANSITIONAL | {"Running"}]
    cpu = sum(v["cpunumber"] * v["cpuspeed"] for v in holding)
    memory = sum(v["memory"] * 1024 * 1024 for v in holding)
    return cpu, memory, vms


def test_kill_during_fifty_deploys_then_restart(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    log_path = tmp_path / "restart-server.log"
    server = conftest.launch_cirrus(data_dir, log_path)
    try:
        admin = h.login(server.api_url, "admin", server.admin_password, "/")
        zone, template, offering = _demo(admin)
        # A tiny offering, so all 50 fit on the two simulated hosts and any failure is the restart's.
        offering = admin.call("createServiceOffering", name=h.unique("tiny"), displaytext="tiny", cpunumber=1, cpuspeed=100,
                              memory=128)["serviceoffering"]

        def deploy(i: int) -> str:
            return admin.submit("deployVirtualMachine", zoneid=zone["id"], templateid=template["id"],
                                serviceofferingid=offering["id"], name=f"restart-{i}")

        with ThreadPoolExecutor(max_workers=10) as pool:
            jobs = list(pool.map(deploy, range(50)))
        assert len(set(jobs)) == 50
        time.sleep(0.3)  # some deploys are mid-start now
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
    finally:
        conftest._stop(server.proc)

    again = conftest.launch_cirrus(data_dir, log_path)
    try:
        admin = h.login(again.api_url, "admin", again.admin_password, "/")
        # Every job reaches an end: finished before the kill, failed as orphaned, or run again.
        ended = [admin.wait_job(job, timeout=120) for job in jobs]
        assert all(j["jobstatus"] in (1, 2) for j in ended)
        failed = [j for j in ended if j["jobstatus"] == 2]
        odd = [j["jobresult"] for j in failed if not (j["jobresult"]["errorcode"] == 530 and "stopped" in j["jobresult"]["errortext"])]
        assert not odd, odd

        # Nothing stays in a transitional state, and capacity equals what instances hold
        # (instances the killed server's simulated hosts forgot are stopped by reconciliation
        # meanwhile, so compare until both sides agree within a minute).
        deadline = time.monotonic() + 60
        while True:
            cpu, memory, vms = _held(admin)
            stuck = [v["name"] for v in vms if v["state"] in TRANSITIONAL]
            used = _capacity_used(admin, zone["id"])
            if not stuck and used == (cpu, memory):
                break
            assert time.monotonic() < deadline, f"stuck={stuck} capacity={used} held={(cpu, memory)}"
            time.sleep(1)
        # Each deploy allocated its instance before its job ran, so all 50 exist; one whose
        # job was cut short is Stopped, and starts normally.
        mine = [v for v in vms if v["name"].startswith("restart-")]
        assert len(mine) == 50
        assert {v["state"] for v in mine} <= {"Running", "Stopped", "Error"}
        stopped = [v for v in mine if v["state"] == "Stopped"]
        if stopped:
            started = admin.run_async("startVirtualMachine", id=stopped[0]["id"])
            assert started["jobresult"]["virtualmachine"]["state"] == "Running"
        print(f"\n{len(failed)} of 50 deploy jobs were cut short by the kill; {len(stopped)} instances Stopped after recovery")
    finally:
        conftest._stop(again.proc)
