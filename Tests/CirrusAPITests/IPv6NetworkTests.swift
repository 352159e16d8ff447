@testable import CirrusEngine
import CirrusAgent
import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Testing

/// IPv6 (4.17): a zone's guest prefixes, a /64 per dual-stack network, SLAAC addresses on
/// NICs, IPv6 firewall rules, and the refusals (bad prefixes, rules on IPv4-only networks).
@Suite("IPv6 networks", .serialized)
struct IPv6NetworkTests {
    func dualStackOffering(_ admin: Session) async throws -> String {
        let created = await admin.call("createNetworkOffering", pairs: [
            ("name", unique("dual")), ("displaytext", "dual stack"), ("guestiptype", "Isolated"), ("traffictype", "Guest"),
            ("supportedservices", "Dhcp,Dns,SourceNat,Firewall,PortForwarding"), ("internetprotocol", "DualStack"),
            ("serviceproviderlist[0].service", "Dhcp"), ("serviceproviderlist[0].provider", "VirtualRouter"),
            ("serviceproviderlist[1].service", "Dns"), ("serviceproviderlist[1].provider", "VirtualRouter"),
            ("serviceproviderlist[2].service", "SourceNat"), ("serviceproviderlist[2].provider", "VirtualRouter"),
            ("serviceproviderlist[3].service", "Firewall"), ("serviceproviderlist[3].provider", "VirtualRouter"),
            ("serviceproviderlist[4].service", "PortForwarding"), ("serviceproviderlist[4].provider", "VirtualRouter"),
            ("enable", "true"),
        ])
        return try #require(created.single("networkoffering")["id"] as? String, "\(created.body)")
    }

    @Test("prefixes: a /62 holds four /64s; dual-stack networks take them (gateway ::1) until none is left (533); a used prefix can't be deleted; bad prefixes refused")
    func prefixesAndSubnets() async throws {
        try await withDemoZone { cloud, admin, zone in
            let zoneID = zone.uuid.uuidString.lowercased()
            let created = try await admin.job("createGuestNetworkIpv6Prefix", [("zoneid", zoneID), ("prefix", "fd17:ac56:1234::/62")])
            #expect(created.succeeded, "\(created.job)")
            let prefix = created.object("guestnetworkipv6prefix")
            let prefixID = try #require(prefix["id"] as? String)
            #expect(prefix["totalsubnets"] as? Int == 4 && prefix["usedsubnets"] as? Int == 0 && prefix["availablesubnets"] as? Int == 4)
            for (bad, why) in [("fd17:ac56:1234::/65", "too small"), ("fd17:ac56:1234::1/62", "Invalid"), ("fd17:ac56:1234:2::/64", "overlaps"), ("nonsense", "Invalid")] {
                let refused = try await admin.job("createGuestNetworkIpv6Prefix", [("zoneid", zoneID), ("prefix", bad)])
                #expect(refused.errorCode == 431 && refused.errorText.contains(why), "\(bad): \(refused.job)")
            }

            let a = try await admin.createAccount(unique("v6"), domainID: nil)
            let user = try await cloud.login(a.username, password: a.password)
            #expect(try await user.job("createGuestNetworkIpv6Prefix", [("zoneid", zoneID), ("prefix", "fd99::/48")]).succeeded == false)
            let offering = try await dualStackOffering(admin)
            var networks: [[String: Any]] = []
            for i in 0..<4 {
                let reply = await user.call("createNetwork", ["name": "v6-\(i)", "zoneid": zoneID, "networkofferingid": offering])
                networks.append(try #require(reply.object["network"] as? [String: Any], "\(reply.body)"))
            }
            let subnets = networks.compactMap { $0["ip6cidr"] as? String }
            #expect(Set(subnets) == ["fd17:ac56:1234::/64", "fd17:ac56:1234:1::/64", "fd17:ac56:1234:2::/64", "fd17:ac56:1234:3::/64"])
            #expect(networks.allSatisfy { n in (n["ip6gateway"] as? String) == (n["ip6cidr"] as? String).map { $0.replacingOccurrences(of: "/64", with: "1") } })
            let full = await user.call("createNetwork", ["name": "v6-full", "zoneid": zoneID, "networkofferingid": offering])
            #expect(full.status == 533, "\(full.body)")
            #expect(await user.call("listNetworks", ["keyword": "v6-full"]).count == 0)
            let listed = await admin.call("listGuestNetworkIpv6Prefixes", ["zoneid": zoneID]).items("guestnetworkipv6prefix")
            #expect(listed.first?["usedsubnets"] as? Int == 4 && listed.first?["availablesubnets"] as? Int == 0)
            #expect(try await admin.job("deleteGuestNetworkIpv6Prefix", [("id", prefixID)]).errorCode == 536)
            // A deleted network gives its /64 back.
            #expect(try await user.job("deleteNetwork", [("id", try #require(networks[0]["id"] as? String))]).succeeded)
            #expect(await admin.call("listGuestNetworkIpv6Prefixes", ["id": prefixID]).items("guestnetworkipv6prefix").first?["usedsubnets"] as? Int == 3)
            let again = await user.call("createNetwork", ["name": "v6-again", "zoneid": zoneID, "networkofferingid": offering])
            #expect((again.object["network"] as? [String: Any])?["ip6cidr"] as? String == networks[0]["ip6cidr"] as? String)
        }
    }

    @Test("NICs on a dual-stack network get their SLAAC address; IPv6 firewall rules: ICMPv6, ports, IPv6 CIDRs, duplicates refused, IPv4-only networks refused")
    func nicsAndFirewall() async throws {
        try await withDemoZone { cloud, admin, zone in
            let zoneID = zone.uuid.uuidString.lowercased()
            #expect(try await admin.job("createGuestNetworkIpv6Prefix", [("zoneid", zoneID), ("prefix", "fd17:ac56:99::/48")]).succeeded)
            let t = try await cloud.ruleTenant(admin, zone: zone, prefix: "v6fw")
            let offering = try await dualStackOffering(admin)
            let reply = await t.session.call("createNetwork", ["name": "dual", "zoneid": zoneID, "networkofferingid": offering])
            let network = try #require(reply.object["network"] as? [String: Any], "\(reply.body)")
            let networkID = try #require(network["id"] as? String)
            let cidr = try #require(network["ip6cidr"] as? String)
            let deployed = try await t.session.job("deployVirtualMachine", [("zoneid", zoneID), ("templateid", t.template), ("serviceofferingid", t.offering),
                                                                           ("networkids", networkID)])
            #expect(deployed.succeeded, "\(deployed.job)")
            let nic = try #require((deployed.object("virtualmachine")["nic"] as? [[String: Any]])?.first)
            let mac = try #require(nic["macaddress"] as? String)
            let subnet = try #require(IPv6CIDR(cidr))
            let expected = try #require(IPv6Address.eui64(prefix: subnet, mac: mac))
            #expect(nic["ip6address"] as? String == expected.description)
            #expect(nic["ip6cidr"] as? String == cidr)
            // A NIC added with a MAC of the caller's choosing derives its address from that MAC.
            let added = try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", networkID), ("macaddress", "02:12:34:56:78:9a")])
            #expect(added.succeeded, "\(added.job)")
            let addedNic = try #require(await t.session.nics(vm: t.vm).first { $0["networkid"] as? String == networkID })
            #expect(addedNic["ip6address"] as? String == IPv6Address.eui64(prefix: subnet, mac: "02:12:34:56:78:9a")?.description)

            func rule(_ pairs: [(String, String)]) async throws -> JobOutcome { try await t.session.job("createIpv6FirewallRule", [("networkid", networkID)] + pairs) }
            let ping = try await rule([("protocol", "icmp"), ("icmptype", "128"), ("icmpcode", "0")])
            #expect(ping.succeeded, "\(ping.job)")
            #expect(ping.object("ipv6firewallrule")["traffictype"] as? String == "Ingress")
            #expect(ping.object("ipv6firewallrule")["cidrlist"] as? String == "::/0")
            #expect(try await rule([("protocol", "icmp"), ("icmptype", "128"), ("icmpcode", "0")]).errorCode == 537)
            let web = try await rule([("protocol", "tcp"), ("startport", "443"), ("cidrlist", "2001:db8::/32")])
            #expect(web.succeeded && web.object("ipv6firewallrule")["cidrlist"] as? String == "2001:db8::/32")
            let out = try await rule([("protocol", "udp"), ("startport", "53"), ("traffictype", "egress")])
            #expect(out.object("ipv6firewallrule")["cidrlist"] as? String == cidr)
            #expect(try await rule([("protocol", "tcp"), ("startport", "22"), ("cidrlist", "10.0.0.0/8")]).errorCode == 431)
            #expect(try await rule([("protocol", "tcp"), ("startport", "90"), ("endport", "80")]).errorCode == 431)
            #expect(try await rule([("protocol", "tcp"), ("traffictype", "sideways")]).errorCode == 431)
            let v4only = try await t.session.job("createIpv6FirewallRule", [("networkid", t.network), ("protocol", "tcp"), ("startport", "22")])
            #expect(v4only.errorCode == 431 && v4only.errorText.contains("IPv6"), "\(v4only.job)")
            #expect(await t.session.call("listIpv6FirewallRules", ["networkid": networkID]).count == 3)
            #expect(await t.session.call("listIpv6FirewallRules", ["networkid": networkID, "traffictype": "Egress"]).count == 1)
            let webID = try #require(web.object("ipv6firewallrule")["id"] as? String)
            let updated = try await t.session.job("updateIpv6FirewallRule", [("id", webID), ("startport", "8443"), ("endport", "8444")])
            #expect(updated.object("ipv6firewallrule")["startport"] as? Int == 8443 && updated.object("ipv6firewallrule")["endport"] as? Int == 8444, "\(updated.job)")
            let other = try await cloud.ruleTenant(admin, zone: zone, prefix: "v6other")
            #expect(try await other.session.job("deleteIpv6FirewallRule", [("id", webID)]).errorCode == 531)
            #expect(try await other.session.job("createIpv6FirewallRule", [("networkid", networkID), ("protocol", "all")]).errorCode == 531)
            #expect(try await t.session.job("deleteIpv6FirewallRule", [("id", webID)]).succeeded)
            #expect(await t.session.call("listIpv6FirewallRules", ["networkid": networkID]).count == 2)
            // The IPv6 rules are not IPv4 firewall rules.
            #expect(await t.session.call("listFirewallRules", ["networkid": networkID]).count == 0)

            // The router gets them, the /64's gateway and the NIC's IPv6 lease.
            try await cloud.engine.routers.pushDirty()
            let networkUUID = try #require(UUID(uuidString: networkID))
            let router = try await cloud.engine.db.read { sql -> Router? in
                guard let n = try await NetworkRepository.find(sql, uuid: networkUUID) else { return nil }
                return try await RouterRepository.of(sql, networkID: n.id).first
            }
            let r = try #require(router)
            let hostID = try #require(r.hostID)
            let resource = try #require(cloud.engine.agents.inProcessResource(hostID: hostID) as? SimulatorResource)
            let doc = try #require(resource.routerDocument(named: r.name))
            #expect(doc.ipv6Firewall.count == 2)
            #expect(Set(doc.ipv6Firewall.map(\.traffic)) == ["ingress", "egress"])
            #expect(doc.interfaces.first { $0.role == .guest }?.addresses.contains("\(cidr.replacingOccurrences(of: "/64", with: "1"))/64") == true)
            #expect(doc.dhcp.first { $0.mac == mac }?.ipv6 == expected.description)
            #expect(doc.dhcp.first { $0.mac == "02:12:34:56:78:9a" }?.ipv6 == IPv6Address.eui64(prefix: subnet, mac: "02:12:34:56:78:9a")?.description)
        }
    }

    @Test("public IPv6 ranges (4.17): added to the zone's public VLAN, checked; a dual-stack network's router takes its public IPv6 address from it and the network lists its ip6routes")
    func publicIPv6() async throws {
        try await withDemoZone { cloud, admin, zone in
            let zoneID = zone.uuid.uuidString.lowercased()
            #expect(try await admin.job("createGuestNetworkIpv6Prefix", [("zoneid", zoneID), ("prefix", "fd17:ac56:99::/48")]).succeeded)
            let publicRange = try #require(await admin.call("listVlanIpRanges", ["zoneid": zoneID]).items("vlaniprange").first)
            let vlan = try #require(publicRange["vlan"] as? String)
            func add(_ pairs: [(String, String)]) async -> Reply {
                await admin.call("createVlanIpRange", pairs: [("zoneid", zoneID), ("vlan", vlan), ("forvirtualnetwork", "true")] + pairs)
            }
            #expect(await add([("ip6gateway", "2001:db8:50::1"), ("ip6cidr", "2001:db8:50::/65")]).errorCode == 431)
            #expect(await add([("ip6gateway", "2001:db8:51::1"), ("ip6cidr", "2001:db8:50::/64")]).errorCode == 431)
            #expect(await add([("ip6cidr", "2001:db8:50::/64")]).errorCode == 431)
            #expect(await add([("ip6gateway", "2001:db8:50::1"), ("ip6cidr", "2001:db8:50::/64"), ("startipv6", "2001:db8:50::20"),
                               ("endipv6", "2001:db8:50::10")]).errorCode == 431)
            let elsewhere = await admin.call("createVlanIpRange", pairs: [("zoneid", zoneID), ("vlan", "3999"), ("forvirtualnetwork", "true"),
                                                                          ("ip6gateway", "2001:db8:50::1"), ("ip6cidr", "2001:db8:50::/64")])
            #expect(elsewhere.errorCode == 431 && elsewhere.errorText?.contains("IPv4 range first") == true, "\(elsewhere.body)")
            let added = await add([("ip6gateway", "2001:db8:50::1"), ("ip6cidr", "2001:db8:50::/64")])
            #expect(added.status == 200, "\(added.body)")
            #expect((added.object["vlan"] as? [String: Any])?["ip6cidr"] as? String == "2001:db8:50::/64")
            #expect(await add([("ip6gateway", "2001:db8:50::1"), ("ip6cidr", "2001:db8:50::/64")]).errorText?.contains("already") == true)
            #expect(await admin.call("listVlanIpRanges", ["zoneid": zoneID]).items("vlaniprange").first?["ip6gateway"] as? String == "2001:db8:50::1")
            let t = try await cloud.ruleTenant(admin, zone: zone, prefix: "v6pub")
            #expect(await t.session.call("createVlanIpRange", pairs: [("zoneid", zoneID), ("ip6gateway", "2001:db8:60::1"), ("ip6cidr", "2001:db8:60::/64")]).status
                    == 401, "root admins only")

            // A dual-stack network, implemented by an instance: its router's public IPv6 address and the route to its /64.
            let reply = await t.session.call("createNetwork", ["name": "dual", "zoneid": zoneID, "networkofferingid": try await dualStackOffering(admin)])
            let networkID = try #require((reply.object["network"] as? [String: Any])?["id"] as? String, "\(reply.body)")
            #expect(try await t.session.job("deployVirtualMachine", [("zoneid", zoneID), ("templateid", t.template), ("serviceofferingid", t.offering),
                                                                    ("networkids", networkID)]).succeeded)
            let network = try #require(await t.session.call("listNetworks", ["id": networkID]).items("network").first)
            let routes = try #require(network["ip6routes"] as? [[String: Any]])
            let networkUUID = try #require(UUID(uuidString: networkID))
            let found = try await cloud.engine.db.read { try await NetworkRepository.find($0, uuid: networkUUID) }
            let n = try #require(found)
            let (internalID, cidr) = (n.id, n.ip6CIDR ?? "")
            let publicPrefix = try #require(IPv6CIDR("2001:db8:50::/64"))
            let expected = try #require(PublicIPv6Range.routerAddress(cidr: publicPrefix, networkID: internalID))
            #expect(routes.count == 1 && routes.first?["subnet"] as? String == cidr && routes.first?["gateway"] as? String == expected.description, "\(routes)")
            #expect(network["ip6routing"] as? String == "Static")
            try await cloud.engine.routers.pushDirty()
            let router = try #require(try await cloud.engine.db.read { try await RouterRepository.of($0, networkID: internalID).first })
            let routerHost = try #require(router.hostID)
            let resource = try #require(cloud.engine.agents.inProcessResource(hostID: routerHost) as? SimulatorResource)
            let doc = try #require(resource.routerDocument(named: router.name))
            let publicInterface = try #require(doc.interfaces.first { $0.role == .public })
            #expect(publicInterface.addresses.contains("\(expected)/64") && publicInterface.gateway6 == "2001:db8:50::1", "\(publicInterface)")
            // IPv4-only networks have no route.
            #expect((await t.session.call("listNetworks", ["id": t.network]).items("network").first?["ip6routes"] as? [Any])?.isEmpty ?? true)
        }
    }
}
