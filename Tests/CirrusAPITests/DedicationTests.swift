import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Dedicated hosts and clusters: other owners' instances stay off them; the owner may use them.
@Suite("Dedicated resources", .serialized)
struct DedicationTests {
    func vmHost(_ job: [String: Any]) -> String? {
        ((job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any])?["hostid"] as? String
    }

    @Test("a host dedicated to a domain takes only that domain's instances; conflicts are refused; release opens it again")
    func dedicatedHost() async throws {
        try await withDemoZone { cloud, admin, zone in
            let zoneID = zone.uuid.uuidString.lowercased()
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let hosts = await admin.call("listHosts", ["type": "Routing"]).items("host").compactMap { $0["id"] as? String }.sorted()
            try #require(hosts.count == 2)
            let cluster = try await admin.firstID("listClusters", "cluster")
            let tenantDomain = try await admin.createDomain(unique("tenant"))
            let alice = try await admin.createAccount(unique("alice"), domainID: tenantDomain)
            let bob = try await admin.createAccount(unique("bob"), domainID: nil)

            func deploy(_ account: TestAccount, host: String? = nil) async throws -> [String: Any] {
                var pairs = [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", offering), ("account", account.name),
                             ("domainid", account.domainID)]
                if let host { pairs.append(("hostid", host)) }
                return try await admin.runJob("deployVirtualMachine", pairs: pairs)
            }

            let dedicated = try await admin.runJob("dedicateHost", pairs: [("hostid", hosts[0]), ("domainid", tenantDomain)])
            let row = try #require((dedicated["jobresult"] as? [String: Any])?["dedicatedhost"] as? [String: Any], "\(dedicated)")
            #expect(row["hostid"] as? String == hosts[0] && row["domainid"] as? String == tenantDomain && row["accountid"] == nil)
            #expect(await admin.call("listDedicatedHosts").items("dedicatedhost").compactMap { $0["hostid"] as? String } == [hosts[0]])
            let again = await admin.call("dedicateHost", ["hostid": hosts[0], "domainid": tenantDomain])
            #expect(again.status == 431 && (again.errorText ?? "").contains("already dedicated"), "\(again.body)")
            // A cluster holding a host of another domain cannot go to the root domain's bob.
            let clash = await admin.call("dedicateCluster", ["clusterid": cluster, "domainid": bob.domainID, "account": bob.name])
            #expect(clash.status == 431 && (clash.errorText ?? "").contains("is dedicated to another domain or account"), "\(clash.body)")
            let byUser = await cloud.signed("dedicateHost", [("hostid", hosts[1]), ("domainid", tenantDomain)], keys: alice.keys)
            #expect(byUser.status != 200)

            // Bob's instances never land on the dedicated host, even when asked for it.
            for _ in 0..<4 { #expect(vmHost(try await deploy(bob)) == hosts[1]) }
            let refused = try await deploy(bob, host: hosts[0])
            #expect(refused["jobstatus"] as? Int == 2, "\(refused)")
            // Alice (in the domain) may use it.
            #expect(vmHost(try await deploy(alice, host: hosts[0])) == hosts[0])

            // Bob runs on the other host: it cannot be dedicated to Alice's domain now.
            let occupied = await admin.call("dedicateHost", ["hostid": hosts[1], "domainid": tenantDomain])
            #expect(occupied.status == 431 && (occupied.errorText ?? "").contains("instance(s) of other accounts"), "\(occupied.body)")

            let released = try await admin.runJob("releaseDedicatedHost", pairs: [("hostid", hosts[0])])
            #expect(released["jobstatus"] as? Int == 1, "\(released)")
            #expect(await admin.call("listDedicatedHosts").items("dedicatedhost").isEmpty)
            #expect(vmHost(try await deploy(bob, host: hosts[0])) == hosts[0])
            #expect(await admin.call("releaseDedicatedHost", ["hostid": hosts[0]]).status == 431)
        }
    }
}
