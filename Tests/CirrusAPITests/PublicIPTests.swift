import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Public addresses of guest networks: associate and disassociate with counts, the first
/// address as source NAT, 4.17's reserve/release, tenant isolation, concurrency, and
/// deleteNetwork giving addresses and rules back.
@Suite("Public IP addresses", .serialized)
struct PublicIPTests {
    @Test("associateIpAddress adds an address to the network (counted, NET.IPASSIGN usage, router generation raised); the source NAT address can't be disassociated; disassociate gives it back")
    func associateAndDisassociate() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 1)
            let generation = try await cloud.documentGeneration(network: t.network)

            let ip = try await t.session.associate(network: t.network)
            let ipID = try #require(ip["id"] as? String)
            #expect(ip["associatednetworkid"] as? String == t.network)
            #expect(ip["issourcenat"] as? Bool == false)
            #expect(ip["state"] as? String == "Allocated")
            #expect(ip["account"] as? String == t.account.name)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 2)
            #expect(try await cloud.documentGeneration(network: t.network) > generation)

            let listed = await t.session.call("listPublicIpAddresses", ["associatednetworkid": t.network])
            #expect(listed.count == 2, "\(listed.body)")
            let sourceNAT = try #require(listed.items("publicipaddress").first { $0["issourcenat"] as? Bool == true })
            #expect(sourceNAT["purpose"] as? String == "SourceNat")
            #expect(await t.session.call("listPublicIpAddresses", ["associatednetworkid": t.network, "issourcenat": "false"]).ids("publicipaddress") == [ipID])

            // The zone alone finds the account's only isolated source NAT network.
            let byZone = try await t.session.job("associateIpAddress", [("zoneid", t.zone)])
            #expect(byZone.succeeded, "\(byZone.job)")
            #expect(byZone.object("ipaddress")["associatednetworkid"] as? String == t.network)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 3)

            let refused = try await t.session.job("disassociateIpAddress", [("id", try #require(sourceNAT["id"] as? String))])
            #expect(refused.errorCode == 431, "\(refused.job)")
            #expect(refused.errorText.contains("source NAT"), "\(refused.errorText)")

            let released = try await t.session.job("disassociateIpAddress", [("id", ipID)])
            #expect(released.succeeded, "\(released.job)")
            #expect(try await cloud.publicIPCount(account: t.account.id) == 2)
            #expect(await t.session.call("listPublicIpAddresses", ["id": ipID]).count == 0)
            let free = await admin.call("listPublicIpAddresses", ["id": ipID, "allocatedonly": "false"]).items("publicipaddress")
            #expect(free.first?["state"] as? String == "Free")
            #expect(free.first?["associatednetworkid"] == nil)
            // By value too (4.19).
            let third = try #require(byZone.object("ipaddress")["ipaddress"] as? String)
            #expect(try await t.session.job("disassociateIpAddress", [("ipaddress", third)]).succeeded)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 1)

            let usage = try await cloud.engine.db.read { sql in
                try await sql.select().column("event_type").from("usage_events").where("event_type", .equal, "NET.IPRELEASE").all().count
            }
            #expect(usage == 2)
        }
    }

    @Test("the first address associated with an Allocated network becomes its source NAT address, and implementation keeps it")
    func firstAddressIsSourceNat() async throws {
        try await withDemoZone { cloud, admin, zone in
            let a = try await admin.createAccount(unique("snat"), domainID: nil)
            let user = try await cloud.login(a.username, password: a.password)
            let offering = try await admin.firstID("listNetworkOfferings", "networkoffering", ["name": "DefaultIsolatedNetworkOfferingWithSourceNatService"])
            let created = await user.call("createNetwork", ["name": "web", "zoneid": zone.uuid.uuidString.lowercased(), "networkofferingid": offering])
            let network = try #require((created.object["network"] as? [String: Any])?["id"] as? String, "\(created.body)")
            let ip = try await user.associate(network: network)
            #expect(ip["issourcenat"] as? Bool == true)
            let second = try await user.associate(network: network)
            #expect(second["issourcenat"] as? Bool == false)

            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let service = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let deployed = try await user.job("deployVirtualMachine", [("zoneid", zone.uuid.uuidString.lowercased()), ("templateid", template),
                                                                      ("serviceofferingid", service), ("networkids", network)])
            #expect(deployed.succeeded, "\(deployed.job)")
            let routers = await admin.call("listRouters", ["networkid": network]).items("router")
            #expect(routers.first?["publicip"] as? String == ip["ipaddress"] as? String, "\(routers)")
            #expect(await user.call("listPublicIpAddresses", ["associatednetworkid": network]).count == 2)
            #expect(try await cloud.publicIPCount(account: a.id) == 2)
        }
    }

    @Test("reserveIpAddress holds a free address for the account (counted); associating it by value uses it; releaseIpAddress frees a reserved one only")
    func reserveAndRelease() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone)
            let free = await admin.call("listPublicIpAddresses", ["allocatedonly": "false", "state": "Free", "pagesize": "2", "page": "1"]).items("publicipaddress")
            try #require(free.count == 2)
            let first = try #require(free[0]["id"] as? String), second = try #require(free[1]["id"] as? String)

            let reserved = await t.session.call("reserveIpAddress", ["id": first])
            #expect(reserved.status == 200, "\(reserved.body)")
            let item = try #require(reserved.object["ipaddress"] as? [String: Any])
            #expect(item["state"] as? String == "Reserved")
            #expect(item["associatednetworkid"] == nil)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 2)
            // Reserving it again is harmless; another account can't.
            #expect(await t.session.call("reserveIpAddress", ["id": first]).status == 200)
            let other = try await cloud.ruleTenant(admin, zone: zone, prefix: "other")
            let taken = await other.session.call("reserveIpAddress", ["id": first])
            #expect(taken.status == 431, "\(taken.body)")
            let stolen = try await other.session.job("associateIpAddress", [("networkid", other.network), ("ipaddress", try #require(item["ipaddress"] as? String))])
            #expect(stolen.errorCode == 533, "\(stolen.job)")

            let used = try await t.session.job("associateIpAddress", [("networkid", t.network), ("ipaddress", try #require(item["ipaddress"] as? String))])
            #expect(used.succeeded, "\(used.job)")
            #expect(used.object("ipaddress")["id"] as? String == first)
            #expect(used.object("ipaddress")["state"] as? String == "Allocated")
            #expect(try await cloud.publicIPCount(account: t.account.id) == 2)
            let notReserved = await t.session.call("releaseIpAddress", ["id": first])
            #expect(notReserved.status == 431, "\(notReserved.body)")

            #expect(await t.session.call("reserveIpAddress", ["id": second]).status == 200)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 3)
            #expect(await other.session.call("releaseIpAddress", ["id": second]).status == 531)
            #expect(await t.session.call("releaseIpAddress", ["id": second]).status == 200)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 2)
            #expect(await admin.call("listPublicIpAddresses", ["id": second, "allocatedonly": "false"]).items("publicipaddress").first?["state"] as? String == "Free")
            let bad = await t.session.call("reserveIpAddress", ["id": try #require(free.first?["id"] as? String)])
            #expect(bad.status == 431, "\(bad.body)")
        }
    }

    @Test("another tenant can neither see, use nor release an account's addresses or associate with its network")
    func tenantIsolation() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone)
            let other = try await cloud.ruleTenant(admin, zone: zone, prefix: "other")
            let ip = try await t.session.associate(network: t.network)
            let ipID = try #require(ip["id"] as? String)
            #expect(await other.session.call("listPublicIpAddresses", ["id": ipID]).count == 0)
            #expect(try await other.session.job("disassociateIpAddress", [("id", ipID)]).errorCode == 531)
            #expect(try await other.session.job("associateIpAddress", [("networkid", t.network)]).errorCode == 531)
            #expect(await other.session.call("enableStaticNat", ["ipaddressid": ipID, "virtualmachineid": other.vm]).status == 531)
            #expect(try await other.session.job("createPortForwardingRule", [("ipaddressid", ipID), ("protocol", "tcp"), ("publicport", "22"),
                                                                           ("privateport", "22"), ("virtualmachineid", other.vm)]).errorCode == 531)
            #expect(try await other.session.job("createFirewallRule", [("ipaddressid", ipID), ("protocol", "tcp"), ("startport", "22")]).errorCode == 531)
            #expect(try await other.session.job("createEgressFirewallRule", [("networkid", t.network), ("protocol", "all")]).errorCode == 531)
            #expect(try await other.session.job("createLoadBalancerRule", [("publicipid", ipID), ("name", "x"), ("algorithm", "roundrobin"),
                                                                          ("publicport", "80"), ("privateport", "80")]).errorCode == 531)
            // A rule on the other tenant's own address to this tenant's instance: refused too.
            let otherIP = try #require(try await other.session.associate(network: other.network)["id"] as? String)
            let cross = try await other.session.job("createPortForwardingRule", [("ipaddressid", otherIP), ("protocol", "tcp"), ("publicport", "22"),
                                                                               ("privateport", "22"), ("virtualmachineid", t.vm)])
            #expect(cross.errorCode == 531, "\(cross.job)")
            #expect(try await cloud.publicIPCount(account: t.account.id) == 2)
        }
    }

    @Test("bad input: no zone or network, an L2 network, an unknown address, a portable address, both id and ipaddress")
    func badInput() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone)
            let none = try await t.session.job("associateIpAddress", [])
            #expect(none.errorCode == 431 && none.errorText.contains("zoneid"), "\(none.job)")
            #expect(try await t.session.job("associateIpAddress", [("networkid", t.network), ("isportable", "true")]).errorCode == 431)
            #expect(try await t.session.job("associateIpAddress", [("networkid", t.network), ("ipaddress", "203.0.113.300")]).errorCode == 431)
            let outside = try await t.session.job("associateIpAddress", [("networkid", t.network), ("ipaddress", "203.0.113.7")])
            #expect(outside.errorCode == 533, "\(outside.job)")
            let l2 = try await admin.firstID("listNetworkOfferings", "networkoffering", ["name": "DefaultL2NetworkOffering"])
            let created = await t.session.call("createNetwork", ["name": "l2", "zoneid": t.zone, "networkofferingid": l2])
            let l2net = try #require((created.object["network"] as? [String: Any])?["id"] as? String, "\(created.body)")
            let onL2 = try await t.session.job("associateIpAddress", [("networkid", l2net)])
            #expect(onL2.errorCode == 431 && onL2.errorText.contains("Isolated"), "\(onL2.job)")
            #expect(try await t.session.job("disassociateIpAddress", [("id", UUID().uuidString.lowercased())]).errorCode == 431)
            let ip = try #require(try await t.session.associate(network: t.network)["id"] as? String)
            #expect(try await t.session.job("disassociateIpAddress", [("id", ip), ("ipaddress", "192.0.2.10")]).errorCode == 431)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 2)
        }
    }

    @Test("concurrent associateIpAddress calls on one network: the public_ip limit holds exactly (19 of 25 beyond the source NAT address), then 100 more get 100 distinct addresses, all counted")
    func concurrentAssociate() async throws {
        try await withDemoZone(workers: 8) { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone)
            // The default public_ip limit (20) first, then unlimited.
            let capped = try await withThrowingTaskGroup(of: JobOutcome.self) { group in
                for _ in 0..<25 { group.addTask { try await t.session.job("associateIpAddress", [("networkid", t.network)]) } }
                var out: [JobOutcome] = []
                for try await o in group { out.append(o) }
                return out
            }
            #expect(capped.filter(\.succeeded).count == 19)
            #expect(capped.filter { $0.errorCode == 535 }.count == 6)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 20)
            let limit = await admin.call("updateResourceLimit", ["account": t.account.name, "domainid": t.account.domainID, "resourcetype": "1", "max": "-1"])
            #expect(limit.status == 200, "\(limit.body)")
            let outcomes = try await withThrowingTaskGroup(of: JobOutcome.self) { group in
                for _ in 0..<100 { group.addTask { try await t.session.job("associateIpAddress", [("networkid", t.network)]) } }
                var out: [JobOutcome] = []
                for try await o in group { out.append(o) }
                return out
            }
            let failures = outcomes.filter { !$0.succeeded }.map(\.json)
            #expect(failures.isEmpty, "\(failures)")
            let addresses = outcomes.compactMap { $0.object("ipaddress")["ipaddress"] as? String }
            #expect(addresses.count == 100)
            #expect(Set(addresses).count == 100)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 120)
            let listed = await t.session.call("listPublicIpAddresses", ["associatednetworkid": t.network, "pagesize": "500", "page": "1"])
            #expect(listed.count == 120)
            #expect(Set(listed.items("publicipaddress").compactMap { $0["ipaddress"] as? String }).count == 120)
        }
    }

    @Test("deleteNetwork (after the instances are gone) removes the rules and gives every address back")
    func deleteNetworkReleasesRules() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone)
            let ip = try #require(try await t.session.associate(network: t.network)["id"] as? String)
            #expect(try await t.session.job("createFirewallRule", [("ipaddressid", ip), ("protocol", "tcp"), ("startport", "22")]).succeeded)
            #expect(try await t.session.job("createPortForwardingRule", [("ipaddressid", ip), ("protocol", "tcp"), ("publicport", "2222"),
                                                                       ("privateport", "22"), ("virtualmachineid", t.vm)]).succeeded)
            #expect(try await t.session.job("createEgressFirewallRule", [("networkid", t.network), ("protocol", "tcp"), ("startport", "443")]).succeeded)
            let destroyed = try await admin.job("destroyVirtualMachine", [("id", t.vm), ("expunge", "true")])
            #expect(destroyed.succeeded, "\(destroyed.errorText)")
            // The instance's port forwarding rule went with it, with the firewall rule it opened;
            // the other rules stay until the network goes.
            #expect(await t.session.call("listPortForwardingRules").count == 0)
            #expect(await t.session.call("listFirewallRules").items("firewallrule").compactMap { $0["startport"] as? Int } == [22])
            #expect(await t.session.call("listEgressFirewallRules").count == 1)
            let deleted = try await t.session.job("deleteNetwork", [("id", t.network)])
            #expect(deleted.succeeded, "\(deleted.errorText)")
            #expect(await t.session.call("listFirewallRules").count == 0)
            #expect(await t.session.call("listEgressFirewallRules").count == 0)
            #expect(await t.session.call("listPublicIpAddresses").count == 0)
            #expect(try await cloud.publicIPCount(account: t.account.id) == 0)
            let rows = try await cloud.engine.db.read { sql in try await sql.select().column("id").from("firewall_rules").all().count }
            #expect(rows == 0)
        }
    }
}
