import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// listHosts pages: the count is taken without the joins and the page window over host ids
/// (a subquery) before the joins; these tests pin the results of that query shape.
@Suite("Host listing pages", .serialized)
struct HostListingTests {
    /// Inserts `count` hosts into the fixture's Simulator cluster straight through the
    /// repository: every third one Disconnected, every fifth removed, all with the same
    /// details and the even ones tagged. Returns the live hosts' UUIDs in id order.
    static func seed(_ cloud: TestCloud, _ f: HostFixture, count: Int) async throws -> [(uuid: String, name: String, status: HostStatus)] {
        try await cloud.db.transaction { sql in
            guard let cluster = try await ClusterRepository.find(sql, uuid: UUID(uuidString: f.simulatorClusterID)!) else { throw StoreError("no cluster") }
            var live: [(uuid: String, name: String, status: HostStatus)] = []
            for i in 0..<count {
                let status: HostStatus = i % 3 == 0 ? .disconnected : .up
                let host = CirrusModel.Host(id: 0, uuid: UUID(), name: String(format: "page-host-%03d", i), guid: "page-host-\(i)-\(UUID())", status: status,
                                            resourceState: .enabled, zoneID: cluster.zoneID, podID: cluster.podID, clusterID: cluster.id,
                                            hypervisorType: .simulator, cpuSockets: 1, cpus: 4, cpuSpeed: 2000, totalMemory: 1 << 30,
                                            tags: i % 2 == 0 ? ["even"] : [], details: ["bridges": "cloudbr0"], created: Date())
                let inserted = try await HostRepository.insert(sql, host)
                if i % 5 == 4 {
                    try await HostRepository.markRemoved(sql, id: inserted.id, at: Date())
                } else {
                    live.append((inserted.uuid.uuidString.lowercased(), host.name, status))
                }
            }
            return live
        }
    }

    @Test("every page holds the right hosts in id order, with the total of the whole filter")
    func pagesAndTotals() async throws {
        try await withHostCloud { cloud, admin, f in
            let live = try await Self.seed(cloud, f, count: 23)
            #expect(live.count == 19)
            var seen: [String] = []
            for page in 1...4 {
                let reply = await admin.call("listHosts", ["clusterid": f.simulatorClusterID, "page": "\(page)", "pagesize": "5"])
                #expect(reply.status == 200)
                #expect(reply.count == 19)
                let items = reply.items("host")
                #expect(items.count == (page < 4 ? 5 : 4))
                seen += items.compactMap { $0["id"] as? String }
                for item in items {
                    #expect(item["clustername"] != nil && item["zonename"] != nil && item["podname"] != nil)
                    #expect((item["details"] as? [String: Any])?["bridges"] as? String == "cloudbr0")
                }
            }
            #expect(seen == live.map(\.uuid))

            // A page past the end: no items, the total still counts the filter.
            let past = await admin.call("listHosts", ["clusterid": f.simulatorClusterID, "page": "5", "pagesize": "5"])
            #expect(past.items("host").isEmpty)
            #expect(past.count == 19)

            // Filters combine with the window: the second page of the Up hosts.
            let up = live.filter { $0.status == .up }
            let secondUp = await admin.call("listHosts", ["clusterid": f.simulatorClusterID, "state": "Up", "page": "2", "pagesize": "4"])
            #expect(secondUp.count == up.count)
            #expect(secondUp.items("host").compactMap { $0["id"] as? String } == Array(up.dropFirst(4).prefix(4)).map(\.uuid))
            #expect(secondUp.items("host").allSatisfy { $0["state"] as? String == "Up" })

            // Tags come with the page's hosts.
            let first = await admin.call("listHosts", ["clusterid": f.simulatorClusterID, "page": "1", "pagesize": "2"]).items("host")
            #expect(first.first?["hosttags"] as? String == "even")
            #expect(first.dropFirst().first?["hosttags"] == nil)

            // keyword and name, with and without a window, at the repository level too.
            let keyword = await admin.call("listHosts", ["clusterid": f.simulatorClusterID, "keyword": "HOST-01", "page": "1", "pagesize": "3"])
            let expected = live.filter { $0.name.contains("host-01") }
            #expect(keyword.count == expected.count)
            #expect(keyword.items("host").compactMap { $0["id"] as? String } == Array(expected.prefix(3)).map(\.uuid))
            let clusterRow = try await cloud.db.read { sql in try await ClusterRepository.find(sql, uuid: UUID(uuidString: f.simulatorClusterID)!) }
            let all = try await cloud.db.read { sql in try await HostRepository.list(sql, .init(clusterID: clusterRow?.id), offset: 0, limit: nil) }
            #expect(all.total == 19)
            #expect(all.items.map { $0.host.uuid.uuidString.lowercased() } == live.map(\.uuid))
            let named = try await cloud.db.read { sql in try await HostRepository.list(sql, .init(name: live[7].name), offset: 0, limit: 10) }
            #expect(named.total == 1)
            #expect(named.items.map(\.host.name) == [live[7].name])
            let none = try await cloud.db.read { sql in try await HostRepository.list(sql, .init(clusterID: clusterRow?.id), offset: 0, limit: 0) }
            #expect(none.total == 19 && none.items.isEmpty)
        }
    }
}
