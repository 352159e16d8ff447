"""Instances and volumes through real clients (issue 4): libcloud's CloudStack driver for
nodes (with and without startvm), reboot, destroy and volumes; `cs` for the rest of the
lifecycle. The server's demo zone (two Simulator hosts) is where everything runs."""

from __future__ import annotations

import pytest

import cirrus_helpers as h


def run(cs, command: str, **params):
    return getattr(cs, command)(fetch_result=True, **params)


@pytest.fixture(scope="module")
def demo(admin_cs):
    zone = admin_cs.listZones(name="Sandbox-simulator")["zone"][0]
    template = admin_cs.listTemplates(templatefilter="featured", zoneid=zone["id"])["template"][0]
    offering = admin_cs.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    return {"zone": zone, "template": template, "offering": offering}


def libcloud_parts(driver, demo):
    location = next(l for l in driver.list_locations() if l.id == demo["zone"]["id"])
    size = next(s for s in driver.list_sizes(location=location) if s.id == demo["offering"]["id"])
    image = next(i for i in driver.list_images(location=location) if i.id == demo["template"]["id"])
    return location, size, image


def test_libcloud_nodes_with_and_without_startvm(libcloud_driver, demo):
    location, size, image = libcloud_parts(libcloud_driver, demo)
    stopped = libcloud_driver.create_node(name=h.unique("lc-stopped"), size=size, image=image, location=location, ex_start_vm=False)
    running = libcloud_driver.create_node(name=h.unique("lc-running"), size=size, image=image, location=location, ex_start_vm=True)
    nodes = {n.id: n for n in libcloud_driver.list_nodes(location=location)}
    from libcloud.compute.types import NodeState
    assert nodes[stopped.id].state == NodeState.STOPPED
    assert nodes[running.id].state == NodeState.RUNNING
    assert nodes[running.id].extra.get("zone_id") == demo["zone"]["id"]
    assert libcloud_driver.reboot_node(nodes[running.id]) is True
    assert libcloud_driver.ex_start(nodes[stopped.id]) is not None
    started = {n.id: n for n in libcloud_driver.list_nodes()}[stopped.id]
    assert started.state == NodeState.RUNNING
    assert libcloud_driver.destroy_node(nodes[running.id]) is True
    assert libcloud_driver.destroy_node(started, ex_expunge=True) is True
    left = {n.id for n in libcloud_driver.list_nodes()}
    assert stopped.id not in left


def test_cs_lifecycle_and_volumes(admin_cs, demo):
    name = h.unique("cs-vm")
    vm = run(admin_cs, "deployVirtualMachine", zoneid=demo["zone"]["id"], templateid=demo["template"]["id"],
             serviceofferingid=demo["offering"]["id"], name=name, displayname="Interop VM")["virtualmachine"]
    assert vm["state"] == "Running"
    assert vm["name"] == name and vm["displayname"] == "Interop VM"
    listed = admin_cs.listVirtualMachines(id=vm["id"])["virtualmachine"][0]
    assert listed["instancename"].startswith("i-")
    volumes = admin_cs.listVolumes(virtualmachineid=vm["id"])["volume"]
    assert [v["type"] for v in volumes] == ["ROOT"]
    assert volumes[0]["state"] == "Ready"
    stopped = run(admin_cs, "stopVirtualMachine", id=vm["id"])["virtualmachine"]
    assert stopped["state"] == "Stopped"
    updated = admin_cs.updateVirtualMachine(id=vm["id"], displayname="Renamed", group="interop")["virtualmachine"]
    assert updated["displayname"] == "Renamed" and updated["group"] == "interop"
    destroyed = run(admin_cs, "destroyVirtualMachine", id=vm["id"])["virtualmachine"]
    assert destroyed["state"] == "Destroyed"
    recovered = admin_cs.recoverVirtualMachine(id=vm["id"])["virtualmachine"]
    assert recovered["state"] == "Stopped"
    run(admin_cs, "destroyVirtualMachine", id=vm["id"], expunge=True)
    assert "virtualmachine" not in admin_cs.listVirtualMachines(id=vm["id"])


def test_bad_deploys_with_cs(admin_cs, demo):
    from cs import CloudStackApiException
    with pytest.raises(CloudStackApiException) as e:
        admin_cs.deployVirtualMachine(zoneid=demo["zone"]["id"], templateid=demo["template"]["id"],
                                      serviceofferingid=demo["offering"]["id"], name="1-starts-with-digit")
    assert e.value.error["errorcode"] == 431
    with pytest.raises(CloudStackApiException) as e:
        admin_cs.deployVirtualMachine(zoneid=demo["zone"]["id"], templateid=demo["template"]["id"],
                                      serviceofferingid=demo["offering"]["id"], rootdisksize=0)
    assert e.value.error["errorcode"] == 431
