"""Public IP addresses and their rules through real clients (issue 5): libcloud's compute
driver allocates an address and creates port forwarding, firewall and egress rules; libcloud's
CloudStack load-balancer driver creates a balancer and attaches members; `cs` drives static
NAT, reservations, load-balancer policies and the refusals."""

from __future__ import annotations

import pytest
from cs import CloudStack, CloudStackApiException

import cirrus_helpers as h


def run(cs, command: str, **params):
    return getattr(cs, command)(fetch_result=True, **params)


@pytest.fixture(scope="module")
def tenant(cirrus_server, admin_cs):
    """A fresh user account with keys, and two running instances on its default network."""
    name = h.unique("ipt")
    account = admin_cs.createAccount(account=name, username=name, password="pw-" + name, firstname="I", lastname="P",
                                     email=f"{name}@example.com", accounttype=0)["account"]
    user = account["user"][0]
    keys = admin_cs.registerUserKeys(id=user["id"])["userkeys"]
    cs = CloudStack(endpoint=cirrus_server.api_url, key=keys["apikey"], secret=keys["secretkey"], timeout=30, poll_interval=0.2,
                    job_timeout=int(h.JOB_TIMEOUT))
    zone = admin_cs.listZones(name="Sandbox-simulator")["zone"][0]
    template = admin_cs.listTemplates(templatefilter="featured", zoneid=zone["id"])["template"][0]
    offering = admin_cs.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    vms = [run(cs, "deployVirtualMachine", zoneid=zone["id"], templateid=template["id"], serviceofferingid=offering["id"],
               name=f"web{i}")["virtualmachine"] for i in range(2)]
    return {"cs": cs, "keys": (keys["apikey"], keys["secretkey"]), "zone": zone, "vms": vms, "network": vms[0]["nic"][0]["networkid"],
            "account": account}


def compute_driver(server, keys):
    from libcloud.compute.providers import get_driver
    from libcloud.compute.types import Provider
    return get_driver(Provider.CLOUDSTACK)(keys[0], keys[1], host="127.0.0.1", port=server.port, path="/client/api", secure=False)


def balancer_driver(server, keys):
    from libcloud.loadbalancer.providers import get_driver
    from libcloud.loadbalancer.types import Provider
    return get_driver(Provider.CLOUDSTACK)(keys[0], keys[1], host="127.0.0.1", port=server.port, path="/client/api", secure=False)


def test_libcloud_address_and_rules(cirrus_server, tenant):
    d = compute_driver(cirrus_server, tenant["keys"])
    location = next(l for l in d.list_locations() if l.id == tenant["zone"]["id"])
    address = d.ex_allocate_public_ip(location=location)
    assert any(ip.id == address.id for ip in d.ex_list_public_ips())
    node = next(n for n in d.list_nodes() if n.id == tenant["vms"][0]["id"])

    rule = d.ex_create_port_forwarding_rule(node, address, private_port=22, public_port=2222, protocol="tcp")
    listed = d.ex_list_port_forwarding_rules()
    assert any(r.id == rule.id and r.public_port == "2222" and r.private_port == "22" for r in listed), listed
    # openfirewall (libcloud's default) opened the port.
    assert any(r.address.id == address.id and str(r.start_port) == "2222" for r in d.ex_list_firewall_rules())

    firewall = d.ex_create_firewall_rule(address, "203.0.113.0/24", "tcp", start_port=443, end_port=443)
    assert any(r.id == firewall.id and r.cidr_list == "203.0.113.0/24" for r in d.ex_list_firewall_rules())
    egress = d.ex_create_egress_firewall_rule(tenant["network"], "10.1.1.0/24", "tcp", start_port=80, end_port=80)
    assert any(r.id == egress.id for r in d.ex_list_egress_firewall_rules())

    assert d.ex_delete_port_forwarding_rule(node, rule) is True
    assert d.ex_delete_firewall_rule(firewall) is True
    assert d.ex_delete_egress_firewall_rule(egress) is True
    assert d.ex_release_public_ip(address) is True
    assert all(ip.id != address.id for ip in d.ex_list_public_ips())


def test_libcloud_load_balancer(cirrus_server, tenant):
    from libcloud.loadbalancer.base import Algorithm, Member
    lb = balancer_driver(cirrus_server, tenant["keys"])
    members = [Member(id=vm["id"], ip=vm["nic"][0]["ipaddress"], port=8080) for vm in tenant["vms"][:1]]
    # libcloud sends a missing network_id as the text "None", which CloudStack refuses too: name the network.
    balancer = lb.create_balancer(name=h.unique("lb"), port=80, protocol="tcp", algorithm=Algorithm.ROUND_ROBIN, members=members,
                                  location=None, private_port=8080, network_id=tenant["network"])
    assert balancer is not None and str(balancer.port) == "80"
    assert lb.balancer_attach_member(balancer, Member(id=tenant["vms"][1]["id"], ip=None, port=8080)) is True
    listed = lb.balancer_list_members(balancer)
    assert sorted(m.id for m in listed) == sorted(vm["id"] for vm in tenant["vms"])
    assert {m.ip for m in listed} == {vm["nic"][0]["ipaddress"] for vm in tenant["vms"]}
    assert any(b.id == balancer.id for b in lb.list_balancers())
    assert lb.balancer_detach_member(balancer, listed[0]) is True
    assert len(lb.balancer_list_members(balancer)) == 1
    lb.destroy_balancer(balancer)
    assert all(b.id != balancer.id for b in lb.list_balancers())
    # destroy_balancer also released the address it associated.
    assert all(ip["ipaddress"] != balancer.ip for ip in tenant["cs"].listPublicIpAddresses().get("publicipaddress", []))


def test_cs_static_nat_reservation_and_policies(admin_cs, tenant):
    cs = tenant["cs"]
    ip = run(cs, "associateIpAddress", networkid=tenant["network"])["ipaddress"]
    assert ip["associatednetworkid"] == tenant["network"] and ip["issourcenat"] is False
    vm = tenant["vms"][0]
    assert cs.enableStaticNat(ipaddressid=ip["id"], virtualmachineid=vm["id"])["success"] in (True, "true")
    shown = cs.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]
    assert shown["isstaticnat"] is True and shown["virtualmachineid"] == vm["id"]
    assert cs.listIpForwardingRules(ipaddressid=ip["id"])["ipforwardingrule"][0]["virtualmachineid"] == vm["id"]
    with pytest.raises(CloudStackApiException) as conflict:
        run(cs, "createPortForwardingRule", ipaddressid=ip["id"], protocol="tcp", publicport=22, privateport=22, virtualmachineid=vm["id"])
    assert conflict.value.error["errorcode"] == 537
    run(cs, "disableStaticNat", ipaddressid=ip["id"])

    rule = run(cs, "createLoadBalancerRule", publicipid=ip["id"], name="web", algorithm="leastconn", publicport=80, privateport=8080)["loadbalancer"]
    run(cs, "assignToLoadBalancerRule", id=rule["id"], virtualmachineids=",".join(v["id"] for v in tenant["vms"]))
    sticky = run(cs, "createLBStickinessPolicy", lbruleid=rule["id"], name="src", methodname="SourceBased",
                 **{"param[0].name": "tablesize", "param[0].value": "200k"})["stickinesspolicies"]
    assert sticky["stickinesspolicy"][0]["methodname"] == "SourceBased"
    health = run(cs, "createLBHealthCheckPolicy", lbruleid=rule["id"], pingpath="/healthz")["healthcheckpolicies"]
    assert health["healthcheckpolicy"][0]["pingpath"] == "/healthz"
    instances = cs.listLoadBalancerRuleInstances(id=rule["id"])["loadbalancerruleinstance"]
    assert sorted(i["id"] for i in instances) == sorted(v["id"] for v in tenant["vms"])
    run(cs, "deleteLoadBalancerRule", id=rule["id"])
    run(cs, "disassociateIpAddress", id=ip["id"])

    # 4.17 reservations: an admin finds a free address, the tenant reserves it, then releases it.
    free = admin_cs.listPublicIpAddresses(allocatedonly=False, state="Free", zoneid=tenant["zone"]["id"], page=1, pagesize=1)["publicipaddress"][0]
    reserved = cs.reserveIpAddress(id=free["id"])["ipaddress"]
    assert reserved["state"] == "Reserved"
    cs.releaseIpAddress(id=free["id"])
    assert admin_cs.listPublicIpAddresses(id=free["id"], allocatedonly=False)["publicipaddress"][0]["state"] == "Free"


def test_cs_bad_rule_input(tenant):
    cs = tenant["cs"]
    ip = run(cs, "associateIpAddress", networkid=tenant["network"])["ipaddress"]
    vm = tenant["vms"][0]
    cases = [
        dict(command="createPortForwardingRule", ipaddressid=ip["id"], protocol="tcp", publicport=90, publicendport=80, privateport=90,
             virtualmachineid=vm["id"]),
        dict(command="createPortForwardingRule", ipaddressid=ip["id"], protocol="tcp", publicport=70000, privateport=22, virtualmachineid=vm["id"]),
        dict(command="createFirewallRule", ipaddressid=ip["id"], protocol="icmp", startport=22),
        dict(command="createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=22, cidrlist="10.0.0.0/99"),
        dict(command="createLoadBalancerRule", publicipid=ip["id"], name="x", algorithm="fastest", publicport=80, privateport=80),
    ]
    for case in cases:
        command = case.pop("command")
        with pytest.raises(CloudStackApiException) as bad:
            run(cs, command, **case)
        assert bad.value.error["errorcode"] == 431, (command, bad.value.error)
    source_nat = next(a for a in cs.listPublicIpAddresses(associatednetworkid=tenant["network"])["publicipaddress"] if a["issourcenat"])
    with pytest.raises(CloudStackApiException) as refused:
        run(cs, "disassociateIpAddress", id=source_nat["id"])
    assert "source NAT" in refused.value.error["errortext"]
    run(cs, "disassociateIpAddress", id=ip["id"])
