"""VPCs through `cs` (issue 5): a VPC with a tier, an ACL list with items replacing the tier's
default, an instance on the tier, a VPC address bound to the tier by a port forwarding rule, a
private gateway on a network of the tenant's with a static route; the errors CloudStack gives for
a tier outside the VPC, an overlapping tier and another tenant's VPC; and everything removed."""

from __future__ import annotations

import pytest
from cs import CloudStackApiException

from test_nics import deploy, run, user_client, world  # noqa: F401 (pytest fixture)


def test_cs_vpc_lifecycle(cirrus_server, admin_cs, world):  # noqa: F811
    _, cs = user_client(cirrus_server, admin_cs, "vpc")
    zone = world["zone"]["id"]
    offering = admin_cs.listVPCOfferings(name="Default VPC offering")["vpcoffering"][0]
    tier_offering = admin_cs.listNetworkOfferings(name="DefaultIsolatedNetworkOfferingForVpcNetworks")["networkoffering"][0]
    vpc = run(cs, "createVPC", name="v", displaytext="v", cidr="10.81.0.0/16", zoneid=zone, vpcofferingid=offering["id"])["vpc"]
    assert vpc["state"] == "Enabled" and vpc["cidr"] == "10.81.0.0/16"
    assert len(admin_cs.listRouters(vpcid=vpc["id"], listall=True).get("router", [])) == 1

    tier = cs.createNetwork(name="web", displaytext="web", networkofferingid=tier_offering["id"], zoneid=zone, vpcid=vpc["id"],
                            gateway="10.81.1.1", netmask="255.255.255.0")["network"]
    assert tier["vpcid"] == vpc["id"] and tier["aclname"] == "default_deny"
    for gateway, text in [("10.82.1.1", "not within vpc"), ("10.81.1.129", "crosses")]:
        with pytest.raises(CloudStackApiException) as refused:
            cs.createNetwork(name="bad", displaytext="bad", networkofferingid=tier_offering["id"], zoneid=zone, vpcid=vpc["id"],
                             gateway=gateway, netmask="255.255.255.128")
        assert refused.value.error["errorcode"] == 431 and text in refused.value.error["errortext"]

    acl = run(cs, "createNetworkACLList", name="web-acl", vpcid=vpc["id"])["networkacllist"]
    item = run(cs, "createNetworkACL", aclid=acl["id"], protocol="tcp", startport=22, endport=22, cidrlist="198.51.100.0/24",
               traffictype="Ingress", action="Allow", number=10)["networkacl"]
    assert item["number"] == 10 and item["cidrlist"] == "198.51.100.0/24"
    run(cs, "replaceNetworkACLList", aclid=acl["id"], networkid=tier["id"])
    assert cs.listNetworks(id=tier["id"])["network"][0]["aclid"] == acl["id"]
    assert [i["id"] for i in cs.listNetworkACLs(networkid=tier["id"])["networkacl"]] == [item["id"]]

    vm = deploy(cs, world, networkids=tier["id"])
    ip = run(cs, "associateIpAddress", vpcid=vpc["id"])["ipaddress"]
    assert ip["vpcid"] == vpc["id"]
    run(cs, "createPortForwardingRule", ipaddressid=ip["id"], protocol="tcp", publicport=2222, privateport=22, virtualmachineid=vm["id"],
        networkid=tier["id"])
    assert cs.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]["associatednetworkid"] == tier["id"]

    own = cs.createNetwork(name="transit", displaytext="transit", networkofferingid=world["isolated"]["id"], zoneid=zone,
                           gateway="10.83.0.1", netmask="255.255.255.0")["network"]
    gateway = run(cs, "createPrivateGateway", vpcid=vpc["id"], ipaddress="172.30.0.2", gateway="172.30.0.1", netmask="255.255.255.0",
                  associatednetworkid=own["id"])["privategateway"]
    route = run(cs, "createStaticRoute", gatewayid=gateway["id"], cidr="192.168.90.0/24")["staticroute"]
    assert [r["id"] for r in cs.listStaticRoutes(vpcid=vpc["id"])["staticroute"]] == [route["id"]]

    # Another tenant sees none of it and changes none of it.
    _, other = user_client(cirrus_server, admin_cs, "vpc-other")
    assert other.listVPCs(id=vpc["id"]).get("vpc", []) == []
    with pytest.raises(CloudStackApiException) as denied:
        run(other, "deleteVPC", id=vpc["id"])
    assert denied.value.error["errorcode"] == 531

    # Teardown in CloudStack's order.
    run(cs, "deleteStaticRoute", id=route["id"])
    run(cs, "deletePrivateGateway", id=gateway["id"])
    run(cs, "disassociateIpAddress", id=ip["id"])
    run(admin_cs, "destroyVirtualMachine", id=vm["id"], expunge=True)
    run(cs, "deleteNetwork", id=tier["id"])
    run(cs, "deleteNetworkACLList", id=acl["id"])
    run(cs, "deleteVPC", id=vpc["id"])
    assert cs.listVPCs(id=vpc["id"]).get("vpc", []) == []
