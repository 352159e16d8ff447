"""NICs and 4.17 network permissions through `cs` (issue 5): a second NIC added to a running
instance, made default, given a secondary address, its old default removed; a network shared
with another account of the domain, which deploys into it, then the grant taken back."""

from __future__ import annotations

import pytest
from cs import CloudStack, CloudStackApiException

import cirrus_helpers as h


def run(cs, command: str, **params):
    return getattr(cs, command)(fetch_result=True, **params)


def user_client(server, admin_cs, prefix):
    name = h.unique(prefix)
    account = admin_cs.createAccount(account=name, username=name, password="pw-" + name, firstname="N", lastname="I",
                                     email=f"{name}@example.com", accounttype=0)["account"]
    keys = admin_cs.registerUserKeys(id=account["user"][0]["id"])["userkeys"]
    return account, CloudStack(endpoint=server.api_url, key=keys["apikey"], secret=keys["secretkey"], timeout=30, poll_interval=0.2,
                               job_timeout=int(h.JOB_TIMEOUT))


@pytest.fixture(scope="module")
def world(cirrus_server, admin_cs):
    zone = admin_cs.listZones(name="Sandbox-simulator")["zone"][0]
    template = admin_cs.listTemplates(templatefilter="featured", zoneid=zone["id"])["template"][0]
    offering = admin_cs.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    isolated = admin_cs.listNetworkOfferings(name="DefaultIsolatedNetworkOfferingWithSourceNatService")["networkoffering"][0]
    return {"zone": zone, "template": template, "offering": offering, "isolated": isolated}


def deploy(cs, world, **extra):
    return run(cs, "deployVirtualMachine", zoneid=world["zone"]["id"], templateid=world["template"]["id"],
               serviceofferingid=world["offering"]["id"], **extra)["virtualmachine"]


def test_cs_nic_lifecycle(cirrus_server, admin_cs, world):
    _, cs = user_client(cirrus_server, admin_cs, "nics")
    vm = deploy(cs, world)
    back = cs.createNetwork(name="back", displaytext="back", networkofferingid=world["isolated"]["id"], zoneid=world["zone"]["id"],
                            gateway="10.60.0.1", netmask="255.255.255.0")["network"]
    with_nic = run(cs, "addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=back["id"], ipaddress="10.60.0.10")["virtualmachine"]
    assert {n["networkid"] for n in with_nic["nic"]} == {vm["nic"][0]["networkid"], back["id"]}
    new = next(n for n in cs.listNics(virtualmachineid=vm["id"])["nic"] if n["networkid"] == back["id"])
    assert new["ipaddress"] == "10.60.0.10" and new["isdefault"] is False
    run(cs, "updateDefaultNicForVirtualMachine", virtualmachineid=vm["id"], nicid=new["id"])
    secondary = run(cs, "addIpToNic", nicid=new["id"], ipaddress="10.60.0.11")["nicsecondaryip"]
    assert secondary["ipaddress"] == "10.60.0.11" and secondary["nicid"] == new["id"]
    listed = next(n for n in cs.listNics(virtualmachineid=vm["id"])["nic"] if n["id"] == new["id"])
    assert listed["isdefault"] is True and [s["ipaddress"] for s in listed["secondaryip"]] == ["10.60.0.11"]
    run(cs, "removeIpFromNic", id=secondary["id"])
    old = vm["nic"][0]
    run(cs, "removeNicFromVirtualMachine", virtualmachineid=vm["id"], nicid=old["id"])
    assert [n["id"] for n in cs.listNics(virtualmachineid=vm["id"])["nic"]] == [new["id"]]
    with pytest.raises(CloudStackApiException) as refused:
        run(cs, "removeNicFromVirtualMachine", virtualmachineid=vm["id"], nicid=new["id"])
    assert "default NIC" in refused.value.error["errortext"]
    with pytest.raises(CloudStackApiException) as running:
        run(cs, "updateVmNicIp", nicid=new["id"], ipaddress="10.60.0.12")
    assert running.value.error["errorcode"] == 431
    run(cs, "stopVirtualMachine", id=vm["id"])
    moved = run(cs, "updateVmNicIp", nicid=new["id"], ipaddress="10.60.0.12")["virtualmachine"]
    assert moved["nic"][0]["ipaddress"] == "10.60.0.12"


def test_cs_network_permissions(cirrus_server, admin_cs, world):
    owner_account, owner = user_client(cirrus_server, admin_cs, "perm-owner")
    guest_account, guest = user_client(cirrus_server, admin_cs, "perm-guest")
    net = owner.createNetwork(name="shared-with", displaytext="shared", networkofferingid=world["isolated"]["id"], zoneid=world["zone"]["id"],
                              gateway="10.61.0.1", netmask="255.255.255.0")["network"]
    with pytest.raises(CloudStackApiException) as before:
        deploy(guest, world, networkids=net["id"])
    assert before.value.error["errorcode"] == 531
    owner.createNetworkPermissions(networkid=net["id"], accounts=guest_account["name"])
    assert [p["accountid"] for p in owner.listNetworkPermissions(networkid=net["id"])["networkpermission"]] == [guest_account["id"]]
    vm = deploy(guest, world, networkids=net["id"])
    assert vm["nic"][0]["networkid"] == net["id"] and vm["nic"][0]["ipaddress"].startswith("10.61.0.")
    with pytest.raises(CloudStackApiException) as busy:
        owner.removeNetworkPermissions(networkid=net["id"], accountids=guest_account["id"])
    assert busy.value.error["errorcode"] == 536
    run(admin_cs, "destroyVirtualMachine", id=vm["id"], expunge=True)
    owner.resetNetworkPermissions(networkid=net["id"])
    assert owner.listNetworkPermissions(networkid=net["id"]).get("networkpermission", []) == []
