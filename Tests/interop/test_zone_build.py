"""Build an Advanced Simulator zone through the API in the order CloudStack's deployment
tools (Marvin's deployDataCenter, the UI's zone wizard) use, with the `cs` client, then read
it all back with `cs` and libcloud (issue 3)."""

from __future__ import annotations

import pytest

import cirrus_helpers as h


def run(cs, command: str, **params):
    """Calls a command with `cs`, waiting for async jobs; returns the (job) result."""
    return getattr(cs, command)(fetch_result=True, **params)


@pytest.fixture(scope="module")
def zone(admin_cs):
    name = h.unique("zone")
    built: dict = {}
    run(admin_cs, "updateConfiguration", name="cpu.overprovisioning.factor", value="2")
    z = run(admin_cs, "createZone", name=name, networktype="Advanced", dns1="192.0.2.53", internaldns1="192.0.2.54",
            guestcidraddress="10.1.1.0/24")["zone"]
    built["zone"] = z
    pn = run(admin_cs, "createPhysicalNetwork", zoneid=z["id"], name=f"{name}-pn", isolationmethods="VXLAN")["physicalnetwork"]
    built["physicalnetwork"] = pn
    for traffic in ("Guest", "Public", "Management"):
        run(admin_cs, "addTrafficType", physicalnetworkid=pn["id"], traffictype=traffic)
    run(admin_cs, "updatePhysicalNetwork", id=pn["id"], state="Enabled", vlan="5000-5099")
    vr = [p for p in run(admin_cs, "listNetworkServiceProviders", physicalnetworkid=pn["id"])["networkserviceprovider"]
          if p["name"] == "VirtualRouter"][0]
    element = run(admin_cs, "listVirtualRouterElements", nspid=vr["id"])["virtualrouterelement"][0]
    run(admin_cs, "configureVirtualRouterElement", id=element["id"], enabled="true")
    run(admin_cs, "updateNetworkServiceProvider", id=vr["id"], state="Enabled")
    pod = run(admin_cs, "createPod", zoneid=z["id"], name=f"{name}-pod", gateway="192.168.56.1", netmask="255.255.255.0",
              startip="192.168.56.10", endip="192.168.56.50")["pod"]
    built["pod"] = pod
    built["vlan"] = run(admin_cs, "createVlanIpRange", zoneid=z["id"], physicalnetworkid=pn["id"], forvirtualnetwork="true",
                        vlan="untagged", gateway="198.51.100.1", netmask="255.255.255.0",
                        startip="198.51.100.10", endip="198.51.100.29")["vlan"]
    clusters = run(admin_cs, "addCluster", zoneid=z["id"], podid=pod["id"], clustername=f"{name}-c0", hypervisor="Simulator",
                   clustertype="CloudManaged")["cluster"]
    cluster = clusters[0] if isinstance(clusters, list) else clusters
    built["cluster"] = cluster
    hosts = []
    for i in range(2):
        added = run(admin_cs, "addHost", zoneid=z["id"], podid=pod["id"], clusterid=cluster["id"], hypervisor="Simulator",
                    url=f"http://sim/c0/h{i}", username="root", password="password")["host"]
        hosts.append(added[0] if isinstance(added, list) else added)
    built["hosts"] = hosts
    built["pool"] = run(admin_cs, "createStoragePool", zoneid=z["id"], podid=pod["id"], clusterid=cluster["id"], name=f"{name}-primary",
                        url="nfs://192.0.2.10/export/primary", scope="cluster")["storagepool"]
    built["store"] = run(admin_cs, "addImageStore", name=f"{name}-secondary", provider="NFS", zoneid=z["id"],
                         url="nfs://192.0.2.10/export/secondary")["imagestore"]
    run(admin_cs, "updateZone", id=z["id"], allocationstate="Enabled")
    yield built
    run(admin_cs, "updateConfiguration", name="cpu.overprovisioning.factor", value="1")


def test_zone_reads_back_with_cs(admin_cs, zone):
    z = run(admin_cs, "listZones", id=zone["zone"]["id"])["zone"][0]
    assert z["name"] == zone["zone"]["name"]
    assert z["networktype"] == "Advanced" and z["allocationstate"] == "Enabled"
    assert z["dns1"] == "192.0.2.53" and z["internaldns1"] == "192.0.2.54"

    pn = run(admin_cs, "listPhysicalNetworks", zoneid=z["id"])["physicalnetwork"]
    assert [p["state"] for p in pn] == ["Enabled"] and pn[0]["vlan"] == "5000-5099"
    assert pn[0]["isolationmethods"] == "VXLAN"
    traffic = run(admin_cs, "listTrafficTypes", physicalnetworkid=pn[0]["id"])["traffictype"]
    assert sorted(t["traffictype"] for t in traffic) == ["Guest", "Management", "Public"]
    vr = [p for p in run(admin_cs, "listNetworkServiceProviders", physicalnetworkid=pn[0]["id"])["networkserviceprovider"]
          if p["name"] == "VirtualRouter"]
    assert vr[0]["state"] == "Enabled"

    pods = run(admin_cs, "listPods", zoneid=z["id"])["pod"]
    assert [p["name"] for p in pods] == [zone["pod"]["name"]] and pods[0]["gateway"] == "192.168.56.1"
    ranges = run(admin_cs, "listVlanIpRanges", zoneid=z["id"])["vlaniprange"]
    assert len(ranges) == 1 and ranges[0]["startip"] == "198.51.100.10" and ranges[0]["endip"] == "198.51.100.29"

    clusters = run(admin_cs, "listClusters", zoneid=z["id"])["cluster"]
    assert len(clusters) == 1 and clusters[0]["hypervisortype"] == "Simulator"
    hosts = run(admin_cs, "listHosts", zoneid=z["id"], type="Routing")["host"]
    assert len(hosts) == 2
    assert {x["state"] for x in hosts} == {"Up"} and {x["resourcestate"] for x in hosts} == {"Enabled"}
    assert all(x["hypervisor"] == "Simulator" and x["clusterid"] == clusters[0]["id"] for x in hosts)

    pools = run(admin_cs, "listStoragePools", zoneid=z["id"])["storagepool"]
    shared = [p for p in pools if p["scope"] == "CLUSTER"]
    assert [p["name"] for p in shared] == [zone["pool"]["name"]] and shared[0]["state"] == "Up"
    stores = run(admin_cs, "listImageStores", zoneid=z["id"])["imagestore"]
    assert [s["name"] for s in stores] == [zone["store"]["name"]]


def test_capacity_counts_the_new_zone(admin_cs, zone):
    caps = run(admin_cs, "listCapacity", zoneid=zone["zone"]["id"], fetchlatest="true")["capacity"]
    by_type = {c["type"]: c for c in caps}
    hosts = run(admin_cs, "listHosts", zoneid=zone["zone"]["id"], type="Routing")["host"]
    mhz = sum(x["cpunumber"] * x["cpuspeed"] for x in hosts)
    assert by_type[1]["capacitytotal"] == 2 * mhz  # cpu.overprovisioning.factor = 2
    assert by_type[4]["capacitytotal"] == 20  # public addresses 198.51.100.10-29
    assert by_type[4]["capacityused"] == 0


def test_zone_reads_back_with_libcloud(libcloud_driver, zone):
    locations = {loc.id: loc.name for loc in libcloud_driver.list_locations()}
    assert locations[zone["zone"]["id"]] == zone["zone"]["name"]
    sizes = libcloud_driver.list_sizes()
    assert sizes and all(s.ram > 0 for s in sizes)
    images = libcloud_driver.list_images(location=next(l for l in libcloud_driver.list_locations() if l.id == zone["zone"]["id"]))
    assert any("Simulator" in i.name for i in images), [i.name for i in images]
