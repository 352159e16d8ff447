"""Security groups through real clients (issue 5 item 6): an Advanced zone with security
groups is built with `cs` (the demo zone has none); libcloud's CloudStack driver creates,
lists, authorizes and deletes groups and deploys a node into a group; `cs` drives egress
rules, revocation, the refusals and another tenant's attempts."""

from __future__ import annotations

import pytest
from cs import CloudStack, CloudStackApiException

import cirrus_helpers as h


def run(cs, command: str, **params):
    return getattr(cs, command)(fetch_result=True, **params)


def api_error(call) -> tuple[int, str]:
    """The (errorcode, errortext) of a refused call (sync or async)."""
    with pytest.raises(CloudStackApiException) as e:
        call()
    err = e.value.error or {}
    return err.get("errorcode"), err.get("errortext", "")


@pytest.fixture(scope="module")
def sg_zone(admin_cs, tmp_path_factory):
    """An Advanced zone with securitygroupenabled=true, two Simulator hosts, storage and a
    shared network whose offering has the SecurityGroup service."""
    name = h.unique("sgz")
    z = run(admin_cs, "createZone", name=name, networktype="Advanced", securitygroupenabled="true", dns1="192.0.2.53", internaldns1="192.0.2.54")["zone"]
    assert z["securitygroupsenabled"] is True
    pn = run(admin_cs, "createPhysicalNetwork", zoneid=z["id"], name=f"{name}-pn", isolationmethods="VLAN")["physicalnetwork"]
    for traffic in ("Guest", "Management"):
        run(admin_cs, "addTrafficType", physicalnetworkid=pn["id"], traffictype=traffic)
    run(admin_cs, "updatePhysicalNetwork", id=pn["id"], state="Enabled", vlan="600-699")
    for p in run(admin_cs, "listNetworkServiceProviders", physicalnetworkid=pn["id"])["networkserviceprovider"]:
        if p["name"] == "VirtualRouter":
            element = run(admin_cs, "listVirtualRouterElements", nspid=p["id"])["virtualrouterelement"][0]
            run(admin_cs, "configureVirtualRouterElement", id=element["id"], enabled="true")
        if p["name"] in ("VirtualRouter", "SecurityGroupProvider"):
            run(admin_cs, "updateNetworkServiceProvider", id=p["id"], state="Enabled")
    pod = run(admin_cs, "createPod", zoneid=z["id"], name=f"{name}-pod", gateway="192.168.80.1", netmask="255.255.255.0",
              startip="192.168.80.10", endip="192.168.80.40")["pod"]
    clusters = run(admin_cs, "addCluster", zoneid=z["id"], podid=pod["id"], clustername=f"{name}-c", hypervisor="Simulator",
                   clustertype="CloudManaged")["cluster"]
    cluster = clusters[0] if isinstance(clusters, list) else clusters
    for i in range(2):
        run(admin_cs, "addHost", zoneid=z["id"], podid=pod["id"], clusterid=cluster["id"], hypervisor="Simulator",
            url=f"http://sim/{name}/h{i}", username="root", password="password")
    run(admin_cs, "createStoragePool", zoneid=z["id"], podid=pod["id"], clusterid=cluster["id"], name=f"{name}-primary",
        url=f"nfs://192.0.2.10/export/{name}", scope="cluster")
    store = tmp_path_factory.mktemp("sg-secondary")
    run(admin_cs, "addImageStore", name=f"{name}-secondary", provider="NFS", zoneid=z["id"], url=f"file://{store}")
    run(admin_cs, "updateZone", id=z["id"], allocationstate="Enabled")
    offering = run(admin_cs, "createNetworkOffering", name=h.unique("sg-shared"), displaytext="Shared with security groups", guestiptype="Shared",
                   traffictype="Guest", supportedservices="Dhcp,Dns,UserData,SecurityGroup", specifyvlan="false", specifyipranges="true",
                   enable="true")["networkoffering"]
    network = run(admin_cs, "createNetwork", name=f"{name}-shared", displaytext="SG shared", zoneid=z["id"], networkofferingid=offering["id"],
                  gateway="10.30.0.1", netmask="255.255.255.0", startip="10.30.0.10", endip="10.30.0.90")["network"]
    template = admin_cs.listTemplates(templatefilter="featured", zoneid=z["id"])["template"][0]
    service = admin_cs.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    return {"zone": z, "network": network, "template": template, "offering": service}


def make_tenant(server, admin_cs, prefix: str) -> dict:
    name = h.unique(prefix)
    account = admin_cs.createAccount(account=name, username=name, password="pw-" + name, firstname="S", lastname="G",
                                     email=f"{name}@example.com", accounttype=0)["account"]
    keys = admin_cs.registerUserKeys(id=account["user"][0]["id"])["userkeys"]
    cs = CloudStack(endpoint=server.api_url, key=keys["apikey"], secret=keys["secretkey"], timeout=30, poll_interval=0.2,
                    job_timeout=int(h.JOB_TIMEOUT))
    return {"cs": cs, "keys": (keys["apikey"], keys["secretkey"]), "account": account}


@pytest.fixture(scope="module")
def tenant(cirrus_server, admin_cs):
    return make_tenant(cirrus_server, admin_cs, "sgt")


@pytest.fixture(scope="module")
def other(cirrus_server, admin_cs):
    return make_tenant(cirrus_server, admin_cs, "sgo")


def compute_driver(server, keys):
    from libcloud.compute.providers import get_driver
    from libcloud.compute.types import Provider
    return get_driver(Provider.CLOUDSTACK)(keys[0], keys[1], host="127.0.0.1", port=server.port, path="/client/api", secure=False)


def test_libcloud_security_groups(cirrus_server, tenant):
    d = compute_driver(cirrus_server, tenant["keys"])
    assert [g["name"] for g in d.ex_list_security_groups()] == ["default"]
    created = d.ex_create_security_group("libcloud-web", description="made by libcloud")
    assert created["name"] == "libcloud-web" and created["description"] == "made by libcloud"
    from libcloud.common.types import LibcloudError
    with pytest.raises(LibcloudError):
        d.ex_create_security_group("libcloud-web")  # libcloud checks the list first
    group = d.ex_authorize_security_group_ingress(securitygroupname="libcloud-web", protocol="tcp", cidrlist="0.0.0.0/0", startport=22)
    rules = group["ingressrule"]
    assert len(rules) == 1 and rules[0]["protocol"] == "tcp" and rules[0]["startport"] == 22 and rules[0]["endport"] == 22
    icmp = d.ex_authorize_security_group_ingress(securitygroupname="libcloud-web", protocol="icmp", cidrlist="10.0.0.0/8")
    assert icmp["ingressrule"][0]["icmptype"] == -1 and icmp["ingressrule"][0]["icmpcode"] == -1
    listed = {g["name"]: g for g in d.ex_list_security_groups()}
    assert len(listed["libcloud-web"]["ingressrule"]) == 2
    assert d.ex_revoke_security_group_ingress(rules[0]["ruleid"]) is True
    assert len(d.ex_list_security_groups(securitygroupname="libcloud-web")[0]["ingressrule"]) == 1
    assert d.ex_delete_security_group("libcloud-web") is True
    assert [g["name"] for g in d.ex_list_security_groups()] == ["default"]


def test_libcloud_node_in_a_group(cirrus_server, tenant, sg_zone):
    d = compute_driver(cirrus_server, tenant["keys"])
    cs = tenant["cs"]
    cs.createSecurityGroup(name="nodes")
    location = next(l for l in d.list_locations() if l.id == sg_zone["zone"]["id"])
    size = next(s for s in d.list_sizes() if s.id == sg_zone["offering"]["id"])
    image = next(i for i in d.list_images(location=location) if i.id == sg_zone["template"]["id"])
    node = d.create_node(name="sgnode", size=size, image=image, location=location, ex_security_groups=["nodes"])
    vm = cs.listVirtualMachines(id=node.id)["virtualmachine"][0]
    assert [g["name"] for g in vm["securitygroup"]] == ["nodes"]
    assert vm["nic"][0]["networkid"] == sg_zone["network"]["id"]
    group = cs.listSecurityGroups(virtualmachineid=node.id)["securitygroup"]
    assert [g["name"] for g in group] == ["nodes"] and group[0]["virtualmachineids"] == [node.id]
    # In use: not deletable.
    code, text = api_error(lambda: cs.deleteSecurityGroup(name="nodes"))
    assert code == 536 and "in use by virtual machines" in text
    # Without groups the instance joins the default group.
    plain = run(cs, "deployVirtualMachine", zoneid=sg_zone["zone"]["id"], templateid=sg_zone["template"]["id"],
                serviceofferingid=sg_zone["offering"]["id"], startvm="false")["virtualmachine"]
    assert [g["name"] for g in plain["securitygroup"]] == ["default"]


def test_cs_egress_revoke_and_refusals(tenant, sg_zone):
    cs = tenant["cs"]
    g = cs.createSecurityGroup(name="egress-only", description="egress")["securitygroup"]
    out = run(cs, "authorizeSecurityGroupEgress", securitygroupid=g["id"], protocol="udp", startport=53, endport=53, cidrlist="8.8.8.8/32,8.8.4.4/32")
    rules = out["securitygroup"]["egressrule"]
    assert sorted(r["cidr"] for r in rules) == ["8.8.4.4/32", "8.8.8.8/32"]
    assert run(cs, "revokeSecurityGroupEgress", id=rules[0]["ruleid"])["success"] is True
    assert len(cs.listSecurityGroups(id=g["id"])["securitygroup"][0]["egressrule"]) == 1
    # Group references: members of the account's default group may reach port 8080.
    ref = run(cs, "authorizeSecurityGroupIngress", securitygroupid=g["id"], protocol="tcp", startport=8080, endport=8080,
              **{"usersecuritygrouplist[0].account": tenant["account"]["name"], "usersecuritygrouplist[0].group": "default"})
    assert ref["securitygroup"]["ingressrule"][0]["securitygroupname"] == "default"
    # Refusals with CloudStack's texts.
    assert api_error(lambda: run(cs, "authorizeSecurityGroupIngress", securitygroupid=g["id"], protocol="tcp", startport=90, endport=80,
                                 cidrlist="0.0.0.0/0"))[0] == 431
    assert api_error(lambda: run(cs, "authorizeSecurityGroupIngress", securitygroupid=g["id"], protocol="tcp", startport=1, endport=70000,
                                 cidrlist="0.0.0.0/0"))[0] == 431
    assert api_error(lambda: run(cs, "authorizeSecurityGroupIngress", securitygroupid=g["id"], protocol="sctp", cidrlist="0.0.0.0/0"))[0] == 431
    assert api_error(lambda: run(cs, "authorizeSecurityGroupIngress", securitygroupid=g["id"], protocol="tcp", startport=22, endport=22,
                                 cidrlist="300.1.1.1/32")) == (431, "Invalid cidr 300.1.1.1/32")
    assert api_error(lambda: run(cs, "revokeSecurityGroupIngress", id=rules[1]["ruleid"]))[0] == 431  # an egress rule
    default = cs.listSecurityGroups(securitygroupname="default")["securitygroup"][0]
    assert api_error(lambda: cs.deleteSecurityGroup(id=default["id"])) == (431, "The network group default is reserved")
    assert api_error(lambda: cs.createSecurityGroup(name="egress-only"))[0] == 431
    code, text = api_error(lambda: run(cs, "deployVirtualMachine", zoneid=sg_zone["zone"]["id"], templateid=sg_zone["template"]["id"],
                                       serviceofferingid=sg_zone["offering"]["id"], securitygroupids=g["id"], securitygroupnames="egress-only"))
    assert code == 431 and "mutually exclusive" in text


def test_other_tenant_is_refused(admin_cs, tenant, other, sg_zone):
    mine = tenant["cs"].createSecurityGroup(name="mine")["securitygroup"]
    rule = run(tenant["cs"], "authorizeSecurityGroupIngress", securitygroupid=mine["id"], protocol="tcp", startport=443, endport=443,
               cidrlist="0.0.0.0/0")["securitygroup"]["ingressrule"][0]
    cs = other["cs"]
    assert api_error(lambda: cs.deleteSecurityGroup(id=mine["id"]))[0] == 531
    assert api_error(lambda: run(cs, "authorizeSecurityGroupIngress", securitygroupid=mine["id"], cidrlist="0.0.0.0/0"))[0] == 531
    assert api_error(lambda: run(cs, "authorizeSecurityGroupEgress", securitygroupid=mine["id"], cidrlist="0.0.0.0/0"))[0] == 531
    assert api_error(lambda: run(cs, "revokeSecurityGroupIngress", id=rule["ruleid"]))[0] == 531
    assert cs.listSecurityGroups(id=mine["id"]).get("count", 0) == 0
    assert api_error(lambda: run(cs, "deployVirtualMachine", zoneid=sg_zone["zone"]["id"], templateid=sg_zone["template"]["id"],
                                 serviceofferingid=sg_zone["offering"]["id"], securitygroupids=mine["id"], startvm="false"))[0] == 531
    # The admin sees it.
    assert admin_cs.listSecurityGroups(id=mine["id"], listall="true")["count"] == 1


def test_no_security_groups_in_the_demo_zone(admin_cs, tenant):
    zone = admin_cs.listZones(name="Sandbox-simulator")["zone"][0]
    template = admin_cs.listTemplates(templatefilter="featured", zoneid=zone["id"])["template"][0]
    offering = admin_cs.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    code, text = api_error(lambda: run(tenant["cs"], "deployVirtualMachine", zoneid=zone["id"], templateid=template["id"],
                                       serviceofferingid=offering["id"], securitygroupnames="default"))
    assert (code, text) == (431, "Can't create vm with security groups; security group feature is not enabled per zone")
