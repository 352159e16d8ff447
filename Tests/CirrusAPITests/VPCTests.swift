import CirrusAgent
@testable import CirrusEngine
import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Testing

/// VPCs: creation with their router and source NAT address, tiers and their address rules,
/// network ACL lists and items, VPC public addresses bound to tiers by their rules, private
/// gateways and static routes, the VPC router's document, deletion, and tenant isolation.
@Suite("VPCs", .serialized)
struct VPCTests {
    struct Fixture {
        let t: RuleTenant
        let vpc: String
        let tierOffering: String
        let vpcOffering: String
    }

    /// A tenant (with a running instance on its own isolated network) and a VPC 10.20.0.0/16.
    func fixture(_ cloud: TestCloud, _ admin: Session, _ zone: Zone, prefix: String) async throws -> Fixture {
        let t = try await cloud.ruleTenant(admin, zone: zone, prefix: prefix)
        let made = try await cloud.makeVPC(admin, for: t)
        let (vpc, tierOffering, vpcOffering) = (made.id, made.tierOffering, made.vpcOffering)
        return Fixture(t: t, vpc: vpc, tierOffering: tierOffering, vpcOffering: vpcOffering)
    }

    func tier(_ f: Fixture, name: String, gateway: String, netmask: String = "255.255.255.0", extra: [String: String] = [:]) async -> Reply {
        var params: [(String, String)] = [("name", name), ("zoneid", f.t.zone), ("networkofferingid", f.tierOffering), ("vpcid", f.vpc),
                                          ("gateway", gateway), ("netmask", netmask)]
        params += extra.sorted { $0.key < $1.key }
        return await f.t.session.call("createNetwork", pairs: params)
    }

    /// The document the Simulator host of the VPC's router last applied.
    func document(_ cloud: TestCloud, vpc: String) async throws -> RouterDocument {
        try await cloud.routerDocument(vpc: vpc)
    }

    @Test("createVPC makes the router and source NAT address; tiers are checked against the VPC (inside, no overlap, VPC offering, gateway); an instance on a tier is served by the VPC router")
    func vpcAndTiers() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "vpc")
            let s = f.t.session
            let listed = try #require(await s.call("listVPCs", ["id": f.vpc]).items("vpc").first)
            #expect(listed["state"] as? String == "Enabled" && listed["cidr"] as? String == "10.20.0.0/16")
            #expect(listed["redundantvpcrouter"] as? Bool == false)
            let routers = await admin.call("listRouters", ["vpcid": f.vpc, "listall": "true"]).items("router")
            #expect(routers.count == 1 && routers.first?["vpcid"] as? String == f.vpc)
            let snat = await s.call("listPublicIpAddresses", ["vpcid": f.vpc, "issourcenat": "true"]).items("publicipaddress")
            #expect(snat.count == 1 && snat.first?["vpcid"] as? String == f.vpc)
            #expect(try await cloud.publicIPCount(account: f.t.account.id) == 2, "the tenant's own network's source NAT and the VPC's")

            // Bad VPCs.
            for (cidr, code) in [("8.8.0.0/16", 431), ("10.0.0.0/29", 431), ("10.0.0.1/16", 431), ("nonsense", 431)] {
                let bad = try await s.job("createVPC", [("name", "bad"), ("cidr", cidr), ("zoneid", f.t.zone), ("vpcofferingid", f.vpcOffering)])
                #expect(bad.errorCode == code, "\(cidr): \(bad.job)")
            }
            // Bad tiers.
            #expect(await tier(f, name: "outside", gateway: "10.30.0.1").errorCode == 431)
            #expect(await tier(f, name: "web", gateway: "10.20.1.1").status == 200)
            #expect(await tier(f, name: "overlap", gateway: "10.20.1.129", netmask: "255.255.255.128").errorText?.contains("crosses") == true)
            let noGateway = await s.call("createNetwork", ["name": "x", "zoneid": f.t.zone, "networkofferingid": f.tierOffering, "vpcid": f.vpc])
            #expect(noGateway.errorCode == 431)
            let isolated = try await admin.firstID("listNetworkOfferings", "networkoffering", ["name": "DefaultIsolatedNetworkOfferingWithSourceNatService"])
            let wrongOffering = await s.call("createNetwork", ["name": "x", "zoneid": f.t.zone, "networkofferingid": isolated, "vpcid": f.vpc,
                                                             "gateway": "10.20.9.1", "netmask": "255.255.255.0"])
            #expect(wrongOffering.errorCode == 431 && wrongOffering.errorText?.contains("VPC") == true)
            let vpcOfferingOutside = await s.call("createNetwork", ["name": "x", "zoneid": f.t.zone, "networkofferingid": f.tierOffering,
                                                                   "gateway": "10.99.0.1", "netmask": "255.255.255.0"])
            #expect(vpcOfferingOutside.errorCode == 431)
            // A second tier with the public load balancer is refused.
            let secondLB = await tier(f, name: "lb2", gateway: "10.20.2.1")
            #expect(secondLB.errorCode == 431 && secondLB.errorText?.contains("Public LB") == true, "\(secondLB.body)")

            let tierID = try #require(await s.call("listNetworks", ["vpcid": f.vpc]).items("network").first?["id"] as? String)
            let tierRow = try #require(await s.call("listNetworks", ["id": tierID]).items("network").first)
            #expect(tierRow["vpcid"] as? String == f.vpc && tierRow["aclname"] as? String == "default_deny")
            #expect(tierRow["networkdomain"] as? String == listed["networkdomain"] as? String)

            // An instance on the tier: the VPC router gets the tier's gateway and serves its DHCP.
            let deployed = try await s.job("deployVirtualMachine", [("zoneid", f.t.zone), ("templateid", f.t.template), ("serviceofferingid", f.t.offering),
                                                                   ("networkids", tierID)])
            #expect(deployed.succeeded, "\(deployed.job)")
            let nic = try #require((deployed.object("virtualmachine")["nic"] as? [[String: Any]])?.first)
            let guestIP = try #require(nic["ipaddress"] as? String)
            #expect(guestIP.hasPrefix("10.20.1."))
            #expect(await s.call("listNetworks", ["id": tierID]).items("network").first?["state"] as? String == "Implemented")
            let doc = try await document(cloud, vpc: f.vpc)
            #expect(doc.router.kind == .vpc && doc.router.vpcUUID == f.vpc)
            #expect(doc.interfaces.contains { $0.role == .guest && $0.addresses == ["10.20.1.1/24"] }, "\(doc.interfaces)")
            #expect(doc.interfaces.contains { $0.role == .public && $0.addresses.contains("\(snat.first?["ipaddress"] as? String ?? "")/24") })
            #expect(doc.dhcp.map(\.ipv4) == [guestIP])
            #expect(doc.sourceNat.map(\.guestCIDR) == ["10.20.1.0/24"])
            #expect(doc.networkAcls.count == 2 && doc.networkAcls.allSatisfy { $0.action == "deny" && $0.appliesTo == tierID })
            try doc.validate()

            // No deletion while a tier exists.
            let busy = try await s.job("deleteVPC", [("id", f.vpc)])
            #expect(busy.errorCode == 536, "\(busy.job)")

            // A destroyed router leaves the VPC needing a restart; restart with cleanup makes a new
            // one that joins the implemented tier with its gateway.
            let oldRouter = try #require(routers.first?["id"] as? String)
            #expect(try await admin.job("destroyRouter", [("id", oldRouter)]).succeeded)
            #expect(await s.call("listVPCs", ["id": f.vpc]).items("vpc").first?["restartrequired"] as? Bool == true)
            #expect(try await s.job("restartVPC", [("id", f.vpc), ("cleanup", "true")]).succeeded)
            let renewed = await admin.call("listRouters", ["vpcid": f.vpc, "listall": "true"]).items("router")
            #expect(renewed.count == 1 && renewed.first?["id"] as? String != oldRouter)
            #expect(await s.call("listVPCs", ["id": f.vpc]).items("vpc").first?["restartrequired"] as? Bool == false)
            let after = try await document(cloud, vpc: f.vpc)
            #expect(after.interfaces.contains { $0.role == .guest && $0.addresses == ["10.20.1.1/24"] })
            #expect(after.dhcp.map(\.ipv4) == [guestIP])
            // A tier takes VPC network offerings only.
            let offeringChange = try await s.job("updateNetwork", [("id", tierID), ("networkofferingid", isolated)])
            #expect(offeringChange.errorCode == 431, "\(offeringChange.job)")
        }
    }

    @Test("network ACLs: lists per VPC, items numbered and checked, built-in lists unchangeable, replace on a tier, in-use lists kept; the router document follows")
    func networkACLs() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "acl")
            let s = f.t.session
            let tierReply = await tier(f, name: "web", gateway: "10.20.1.1")
            let tierID = try #require((tierReply.object["network"] as? [String: Any])?["id"] as? String, "\(tierReply.body)")
            #expect(try await s.job("deployVirtualMachine", [("zoneid", f.t.zone), ("templateid", f.t.template), ("serviceofferingid", f.t.offering),
                                                            ("networkids", tierID)]).succeeded)

            let made = try await s.job("createNetworkACLList", [("name", "web-acl"), ("vpcid", f.vpc)])
            #expect(made.succeeded, "\(made.job)")
            let acl = try #require(made.object("networkacllist")["id"] as? String)
            let lists = await s.call("listNetworkACLLists", ["vpcid": f.vpc]).items("networkacllist").compactMap { $0["name"] as? String }
            #expect(Set(lists) == ["default_allow", "default_deny", "web-acl"])

            func item(_ pairs: [(String, String)]) async throws -> JobOutcome { try await s.job("createNetworkACL", [("aclid", acl)] + pairs) }
            let ssh = try await item([("protocol", "tcp"), ("startport", "22"), ("cidrlist", "192.0.2.0/24"), ("number", "10")])
            #expect(ssh.succeeded, "\(ssh.job)")
            #expect(ssh.object("networkacl")["action"] as? String == "Allow" && ssh.object("networkacl")["traffictype"] as? String == "Ingress")
            let web = try await item([("protocol", "tcp"), ("startport", "80"), ("endport", "443")])
            #expect(web.object("networkacl")["number"] as? Int == 11, "numbered after the last")
            #expect(try await item([("protocol", "icmp"), ("icmptype", "8"), ("icmpcode", "0"), ("traffictype", "egress"), ("action", "deny")]).succeeded)
            #expect(try await item([("protocol", "47")]).succeeded, "a protocol number (GRE)")
            // Refusals.
            #expect(try await item([("protocol", "tcp"), ("startport", "22"), ("number", "10")]).errorText.contains("already exists"))
            #expect(try await item([("protocol", "gopher")]).errorCode == 431)
            #expect(try await item([("protocol", "tcp"), ("startport", "90"), ("endport", "80")]).errorCode == 431)
            #expect(try await item([("protocol", "tcp"), ("startport", "0")]).errorCode == 431)
            #expect(try await item([("protocol", "tcp"), ("icmptype", "8")]).errorCode == 431)
            #expect(try await item([("protocol", "tcp"), ("startport", "22"), ("action", "maybe")]).errorCode == 431)
            #expect(try await item([("protocol", "tcp"), ("startport", "22"), ("cidrlist", "10.0.0.0/33")]).errorCode == 431)
            let deny = try #require(await s.call("listNetworkACLLists", ["name": "default_deny"]).items("networkacllist").first?["id"] as? String)
            #expect(try await s.job("createNetworkACL", [("aclid", deny), ("protocol", "all")]).errorText.contains("cannot be modified"))
            #expect(try await s.job("deleteNetworkACLList", [("id", deny)]).errorCode == 431)

            // The tier uses the list from now on; its router gets the items.
            #expect(try await s.job("replaceNetworkACLList", [("aclid", acl), ("networkid", tierID)]).succeeded)
            #expect(await s.call("listNetworks", ["id": tierID]).items("network").first?["aclid"] as? String == acl)
            var doc = try await document(cloud, vpc: f.vpc)
            #expect(doc.networkAcls.map(\.number) == [10, 11, 12, 13])
            #expect(doc.networkAcls.first { $0.number == 10 }?.cidrs == ["192.0.2.0/24"])
            #expect(doc.networkAcls.first { $0.number == 11 }?.ports == "80-443")
            #expect(doc.networkAcls.first { $0.number == 12 }.map { ($0.action, $0.traffic, $0.icmpType) } ?? ("", "", nil) == ("deny", "egress", 8))

            // Update (the number and the action; the rest kept) and delete.
            let sshID = try #require(ssh.object("networkacl")["id"] as? String)
            let updated = try await s.job("updateNetworkACLItem", [("id", sshID), ("number", "5"), ("action", "deny")])
            #expect(updated.succeeded, "\(updated.job)")
            #expect(updated.object("networkacl")["startport"] as? String == "22" && updated.object("networkacl")["cidrlist"] as? String == "192.0.2.0/24")
            #expect(try await s.job("updateNetworkACLItem", [("id", sshID), ("number", "11")]).errorText.contains("already exists"))
            let webID = try #require(web.object("networkacl")["id"] as? String)
            #expect(try await s.job("deleteNetworkACL", [("id", webID)]).succeeded)
            doc = try await document(cloud, vpc: f.vpc)
            #expect(doc.networkAcls.map(\.number) == [5, 12, 13])
            #expect(doc.networkAcls.first?.action == "deny")
            #expect(await s.call("listNetworkACLs", ["aclid": acl]).count == 3)
            #expect(await s.call("listNetworkACLs", ["networkid": tierID, "traffictype": "Egress"]).count == 1)

            // A list in use stays.
            let inUse = try await s.job("deleteNetworkACLList", [("id", acl)])
            #expect(inUse.errorCode == 536 && inUse.errorText.contains("web"), "\(inUse.job)")
        }
    }

    @Test("VPC public addresses: associated with the VPC, bound to a tier by their first rule (networkid required), static NAT and port forwarding on tiers, no firewall rules, source NAT kept")
    func vpcAddresses() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "vip")
            let s = f.t.session
            let tierID = try #require((await tier(f, name: "app", gateway: "10.20.3.1").object["network"] as? [String: Any])?["id"] as? String)
            let deployed = try await s.job("deployVirtualMachine", [("zoneid", f.t.zone), ("templateid", f.t.template), ("serviceofferingid", f.t.offering),
                                                                   ("networkids", tierID)])
            let vm = try #require(deployed.object("virtualmachine")["id"] as? String)
            let guestIP = try #require((deployed.object("virtualmachine")["nic"] as? [[String: Any]])?.first?["ipaddress"] as? String)

            let associated = try await s.job("associateIpAddress", [("vpcid", f.vpc)])
            #expect(associated.succeeded, "\(associated.job)")
            let ip = associated.object("ipaddress")
            let ipID = try #require(ip["id"] as? String), address = try #require(ip["ipaddress"] as? String)
            #expect(ip["vpcid"] as? String == f.vpc && ip["associatednetworkid"] == nil)

            let noTier = try await s.job("createPortForwardingRule", [("ipaddressid", ipID), ("protocol", "tcp"), ("publicport", "80"), ("privateport", "8080"),
                                                                     ("virtualmachineid", vm)])
            #expect(noTier.errorCode == 431 && noTier.errorText.contains("networkid"), "\(noTier.job)")
            let pf = try await s.job("createPortForwardingRule", [("ipaddressid", ipID), ("protocol", "tcp"), ("publicport", "80"), ("privateport", "8080"),
                                                                 ("virtualmachineid", vm), ("networkid", tierID)])
            #expect(pf.succeeded, "\(pf.job)")
            #expect(await s.call("listPublicIpAddresses", ["id": ipID]).items("publicipaddress").first?["associatednetworkid"] as? String == tierID)
            let firewall = try await s.job("createFirewallRule", [("ipaddressid", ipID), ("protocol", "tcp"), ("startport", "22")])
            #expect(firewall.errorCode == 431, "VPC tiers use ACLs: \(firewall.job)")

            let second = try await s.job("associateIpAddress", [("vpcid", f.vpc)])
            let secondID = try #require(second.object("ipaddress")["id"] as? String)
            let nat = await s.call("enableStaticNat", ["ipaddressid": secondID, "virtualmachineid": vm, "networkid": tierID])
            #expect(nat.status == 200, "\(nat.body)")
            let natReply = await s.call("listPublicIpAddresses", ["id": secondID]).items("publicipaddress").first
            #expect(natReply?["isstaticnat"] as? Bool == true)

            let doc = try await document(cloud, vpc: f.vpc)
            #expect(doc.portForwarding.map(\.publicIP) == [address])
            #expect(doc.portForwarding.first?.guestIP == guestIP)
            #expect(doc.staticNat.map(\.guestIP) == [guestIP])
            #expect(doc.metadata.first?.publicIPv4 == natReply?["ipaddress"] as? String)

            let snatID = try #require(await s.call("listPublicIpAddresses", ["vpcid": f.vpc, "issourcenat": "true"]).items("publicipaddress").first?["id"] as? String)
            let release = try await s.job("disassociateIpAddress", [("id", snatID)])
            #expect(release.errorCode == 431 && release.errorText.contains("source NAT"), "\(release.job)")
            #expect(try await s.job("disassociateIpAddress", [("id", ipID)]).succeeded)
            #expect(try await document(cloud, vpc: f.vpc).portForwarding.isEmpty)
        }
    }

    @Test("private gateways (users on an associated network, VLANs for root admins) and static routes: addressing, overlaps, deletion order; in the router document")
    func gatewaysAndRoutes() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "pgw")
            let s = f.t.session
            _ = await tier(f, name: "db", gateway: "10.20.4.1")
            func gateway(_ pairs: [(String, String)], as session: Session? = nil) async throws -> JobOutcome {
                try await (session ?? s).job("createPrivateGateway", [("vpcid", f.vpc)] + pairs)
            }
            // Users give a network of theirs; a VLAN is for root admins.
            #expect(try await gateway([("ipaddress", "172.16.5.2"), ("gateway", "172.16.5.1"), ("netmask", "255.255.255.0"), ("vlan", "300")]).errorCode == 531)
            #expect(try await gateway([("ipaddress", "172.16.5.2"), ("gateway", "172.16.5.1"), ("netmask", "255.255.255.0")]).errorCode == 431)
            let bad = try await gateway([("ipaddress", "172.16.6.2"), ("gateway", "172.16.5.1"), ("netmask", "255.255.255.0"), ("associatednetworkid", f.t.network)])
            #expect(bad.errorCode == 431 && bad.errorText.contains("not a host address"), "\(bad.job)")
            #expect(try await gateway([("ipaddress", "10.20.200.2"), ("gateway", "10.20.200.1"), ("netmask", "255.255.255.0"),
                                       ("associatednetworkid", f.t.network)]).errorText.contains("overlaps"))
            let made = try await gateway([("ipaddress", "172.16.5.2"), ("gateway", "172.16.5.1"), ("netmask", "255.255.255.0"), ("associatednetworkid", f.t.network)])
            #expect(made.succeeded, "\(made.job)")
            let g = made.object("privategateway")
            let gatewayID = try #require(g["id"] as? String)
            #expect(g["associatednetworkid"] as? String == f.t.network && g["aclname"] as? String == "default_deny" && g["state"] as? String == "Ready")
            let admins = try await gateway([("ipaddress", "172.16.7.2"), ("gateway", "172.16.7.1"), ("netmask", "255.255.255.0"), ("vlan", "301")], as: admin)
            #expect(admins.succeeded, "\(admins.job)")
            #expect(admins.object("privategateway")["vlan"] as? String == "301")

            func route(_ cidr: String) async throws -> JobOutcome { try await s.job("createStaticRoute", [("gatewayid", gatewayID), ("cidr", cidr)]) }
            #expect(try await route("10.20.8.0/24").errorText.contains("outside of VPC"))
            #expect(try await route("192.168.0.0/33").errorCode == 431)
            let ok = try await route("192.168.50.0/24")
            #expect(ok.succeeded, "\(ok.job)")
            #expect(try await route("192.168.50.128/25").errorText.contains("overlaps"))
            #expect(await s.call("listStaticRoutes", ["vpcid": f.vpc]).count == 1)

            let doc = try await document(cloud, vpc: f.vpc)
            #expect(doc.staticRoutes.map { "\($0.cidr)>\($0.nextHop)" } == ["192.168.50.0/24>172.16.5.1"])
            #expect(doc.interfaces.filter { $0.role == .private }.flatMap(\.addresses).sorted() == ["172.16.5.2/24", "172.16.7.2/24"])
            #expect(doc.interfaces.contains { $0.role == .private && $0.broadcastURI == "vlan://301" })

            let busy = try await s.job("deletePrivateGateway", [("id", gatewayID)])
            #expect(busy.errorCode == 536 && busy.errorText.contains("static routes"), "\(busy.job)")
            let routeID = try #require(ok.object("staticroute")["id"] as? String)
            #expect(try await s.job("deleteStaticRoute", [("id", routeID)]).succeeded)
            #expect(try await s.job("deletePrivateGateway", [("id", gatewayID)]).succeeded)
            #expect(try await document(cloud, vpc: f.vpc).staticRoutes.isEmpty)
        }
    }

    @Test("tenant isolation: another account neither sees nor changes a VPC, its tiers, lists, items, gateways and routes")
    func isolation() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "own")
            let other = try await cloud.ruleTenant(admin, zone: zone, prefix: "other")
            let o = other.session
            let acl = try #require(try await f.t.session.job("createNetworkACLList", [("name", "mine"), ("vpcid", f.vpc)]).object("networkacllist")["id"] as? String)
            let item = try #require(try await f.t.session.job("createNetworkACL", [("aclid", acl), ("protocol", "tcp"), ("startport", "22")])
                .object("networkacl")["id"] as? String)
            let g = try await f.t.session.job("createPrivateGateway", [("vpcid", f.vpc), ("ipaddress", "172.16.9.2"), ("gateway", "172.16.9.1"),
                                                                      ("netmask", "255.255.255.0"), ("associatednetworkid", f.t.network)])
            let gatewayID = try #require(g.object("privategateway")["id"] as? String)

            #expect(await o.call("listVPCs", ["id": f.vpc]).count == 0)
            #expect(await o.call("listVPCs").count == 0)
            #expect(Set(await o.call("listNetworkACLLists").items("networkacllist").compactMap { $0["name"] as? String }) == ["default_allow", "default_deny"])
            #expect(await o.call("listNetworkACLs", ["aclid": acl]).count == 0)
            #expect(await o.call("listPrivateGateways").count == 0)
            #expect(await o.call("listPublicIpAddresses", ["vpcid": f.vpc]).count == 0)
            for (command, pairs) in [("updateVPC", [("id", f.vpc), ("name", "x")]), ("restartVPC", [("id", f.vpc)]), ("deleteVPC", [("id", f.vpc)]),
                                     ("createNetworkACLList", [("name", "x"), ("vpcid", f.vpc)]), ("createNetworkACL", [("aclid", acl), ("protocol", "all")]),
                                     ("updateNetworkACLItem", [("id", item), ("action", "deny")]), ("deleteNetworkACL", [("id", item)]),
                                     ("deleteNetworkACLList", [("id", acl)]), ("associateIpAddress", [("vpcid", f.vpc)]),
                                     ("createPrivateGateway", [("vpcid", f.vpc), ("ipaddress", "172.16.10.2"), ("gateway", "172.16.10.1"), ("netmask", "255.255.255.0"),
                                                               ("associatednetworkid", other.network)]),
                                     ("deletePrivateGateway", [("id", gatewayID)]), ("createStaticRoute", [("gatewayid", gatewayID), ("cidr", "192.168.1.0/24")])] {
                let out = try await o.job(command, pairs)
                #expect(out.errorCode == 531, "\(command): \(out.job)")
            }
            let tierAttempt = await o.call("createNetwork", ["name": "x", "zoneid": other.zone, "networkofferingid": f.tierOffering, "vpcid": f.vpc,
                                                            "gateway": "10.20.5.1", "netmask": "255.255.255.0"])
            #expect(tierAttempt.errorCode == 531, "\(tierAttempt.body)")
            #expect(await f.t.session.call("listVPCs", ["id": f.vpc]).items("vpc").first?["name"] as? String == "v1")
        }
    }

    @Test("deleting a VPC gives back its router, addresses (with their rules), gateways, lists and count")
    func deletion() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "del")
            let s = f.t.session
            #expect(try await s.job("createNetworkACLList", [("name", "l"), ("vpcid", f.vpc)]).succeeded)
            #expect(try await s.job("associateIpAddress", [("vpcid", f.vpc)]).succeeded)
            let tierID = try #require((await tier(f, name: "t", gateway: "10.20.6.1").object["network"] as? [String: Any])?["id"] as? String)
            #expect(try await cloud.publicIPCount(account: f.t.account.id) == 3)
            #expect(try await s.job("deleteNetwork", [("id", tierID)]).succeeded)
            let deleted = try await s.job("deleteVPC", [("id", f.vpc)])
            #expect(deleted.succeeded, "\(deleted.job)")
            #expect(await s.call("listVPCs", ["id": f.vpc]).count == 0)
            #expect(await admin.call("listRouters", ["vpcid": f.vpc, "listall": "true"]).count == 0)
            #expect(try await cloud.publicIPCount(account: f.t.account.id) == 1, "only the tenant's own network's source NAT is left")
            let vpcCount = try await cloud.engine.db.read { sql -> Int64 in
                guard let a = try await AccountRepository.find(sql, uuid: UUID(uuidString: f.t.account.id)!) else { return -1 }
                let owner = ResourceLimitRepository.Owner(.account, a.id)
                return try await ResourceLimitRepository.counts(sql, owners: [owner])[owner]?[.vpc] ?? 0
            }
            #expect(vpcCount == 0)
            #expect(await s.call("listNetworkACLLists", ["vpcid": f.vpc]).count == 0)
        }
    }
}
