"""Guest networks through real clients (issue 5): libcloud's CloudStack driver lists,
creates and deletes networks and puts nodes on them; `cs` drives createNetwork, deploys with
networkids, listNics, updateNetwork, restartNetwork and deleteNetwork."""

from __future__ import annotations

import pytest
from cs import CloudStackApiException

import cirrus_helpers as h


def run(cs, command: str, **params):
    return getattr(cs, command)(fetch_result=True, **params)


@pytest.fixture(scope="module")
def demo(admin_cs):
    zone = admin_cs.listZones(name="Sandbox-simulator")["zone"][0]
    template = admin_cs.listTemplates(templatefilter="featured", zoneid=zone["id"])["template"][0]
    offering = admin_cs.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    isolated = admin_cs.listNetworkOfferings(name="DefaultIsolatedNetworkOfferingWithSourceNatService")["networkoffering"][0]
    return {"zone": zone, "template": template, "offering": offering, "isolated": isolated}


def test_libcloud_networks_and_nodes_on_them(libcloud_driver, demo):
    d = libcloud_driver
    location = next(l for l in d.list_locations() if l.id == demo["zone"]["id"])
    offering = next(o for o in d.ex_list_network_offerings() if o.id == demo["isolated"]["id"])
    name = h.unique("lc-net")
    network = d.ex_create_network(display_text="libcloud network", name=name, network_offering=offering, location=location,
                                  gateway="10.20.0.1", netmask="255.255.255.0")
    assert network.name == name
    assert any(n.id == network.id for n in d.ex_list_networks())
    size = next(s for s in d.list_sizes(location=location) if s.id == demo["offering"]["id"])
    image = next(i for i in d.list_images(location=location) if i.id == demo["template"]["id"])
    node = d.create_node(name=h.unique("lc-on-net"), size=size, image=image, location=location, networks=[network])
    listed = {n.id: n for n in d.list_nodes()}[node.id]
    assert len(listed.private_ips) == 1 and listed.private_ips[0].startswith("10.20.0.")
    assert d.destroy_node(listed, ex_expunge=True) is True
    assert d.ex_delete_network(network) is True
    assert all(n.id != network.id for n in d.ex_list_networks())


def test_cs_network_lifecycle(admin_cs, demo):
    name = h.unique("cs-net")
    net = admin_cs.createNetwork(name=name, displaytext="cs network", networkofferingid=demo["isolated"]["id"], zoneid=demo["zone"]["id"],
                                 gateway="10.30.0.1", netmask="255.255.255.0")["network"]
    assert net["state"] == "Allocated" and net["cidr"] == "10.30.0.0/24" and net["type"] == "Isolated"
    vm = run(admin_cs, "deployVirtualMachine", zoneid=demo["zone"]["id"], templateid=demo["template"]["id"],
             serviceofferingid=demo["offering"]["id"], networkids=net["id"], ipaddress="10.30.0.50")["virtualmachine"]
    assert vm["nic"][0]["ipaddress"] == "10.30.0.50" and vm["nic"][0]["networkid"] == net["id"]
    nics = admin_cs.listNics(virtualmachineid=vm["id"])["nic"]
    assert nics[0]["broadcasturi"].startswith("vxlan://")
    implemented = admin_cs.listNetworks(id=net["id"])["network"][0]
    assert implemented["state"] == "Implemented"
    assert any(ip["issourcenat"] for ip in admin_cs.listPublicIpAddresses(associatednetworkid=net["id"], listall=True).get("publicipaddress", []))

    updated = run(admin_cs, "updateNetwork", id=net["id"], name=name + "-b", displaytext="renamed")["network"]
    assert updated["name"] == name + "-b"
    restarted = run(admin_cs, "restartNetwork", id=net["id"], cleanup=True)["network"]
    assert restarted["state"] == "Implemented"

    with pytest.raises(CloudStackApiException) as refused:
        run(admin_cs, "deleteNetwork", id=net["id"])
    assert "NIC" in str(refused.value)
    run(admin_cs, "destroyVirtualMachine", id=vm["id"], expunge=True)
    run(admin_cs, "deleteNetwork", id=net["id"])
    assert admin_cs.listNetworks(id=net["id"]).get("network", []) == []


def test_cs_bad_network_input(admin_cs, demo):
    with pytest.raises(CloudStackApiException) as bad:
        admin_cs.createNetwork(name="bad", networkofferingid=demo["isolated"]["id"], zoneid=demo["zone"]["id"], gateway="10.40.0.1")
    assert bad.value.error["errorcode"] == 431
