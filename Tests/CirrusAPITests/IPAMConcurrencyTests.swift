@testable import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Guest IPAM under contention (issue 5): 500 concurrent NIC allocations on a /24 never hand
/// out an address twice, the ones beyond the network's 253 guest addresses fail with
/// CloudStack's capacity error, and nothing is left once the NICs are removed.
@Suite("Guest IPAM under concurrency", .serialized)
struct IPAMConcurrencyTests {
    enum Outcome: Sendable {
        case allocated(nicID: Int64, address: String)
        case exhausted
        case other(String)
    }

    static func allocate(_ engine: Engine, network: Network, instanceID: Int64) async -> Outcome {
        do {
            let nic = try await engine.db.transaction { sql in
                try await GuestNetworkService.allocateNic(sql, instanceID: instanceID, network: network, requested: nil, deviceID: 0, isDefault: true)
            }
            return .allocated(nicID: nic.id, address: nic.ipv4Address ?? "")
        } catch let error as CloudError where error.code == .insufficientCapacity && error.message.contains("Unable to acquire Guest IP address") {
            return .exhausted
        } catch {
            return .other("\(error)")
        }
    }

    static func remove(_ engine: Engine, nicID: Int64) async throws {
        try await engine.db.transaction { sql in try await NicRepository.remove(sql, nicID: nicID, at: Date()) }
    }

    @Test("500 concurrent NIC allocations on a /24: 253 distinct addresses, 247 capacity errors, nothing leaked after removal")
    func fiveHundredOnASlash24() async throws {
        try await withDemoZone { cloud, admin, zone in
            let offering = try await admin.firstID("listNetworkOfferings", "networkoffering", ["name": "DefaultIsolatedNetworkOfferingWithSourceNatService"])
            let created = await admin.call("createNetwork", ["name": "ipam", "networkofferingid": offering, "zoneid": zone.uuid.uuidString.lowercased(),
                                                             "gateway": "10.60.0.1", "netmask": "255.255.255.0"])
            #expect(created.status == 200, "\(created.body)")
            let uuid = try #require(UUID(uuidString: (created.object["network"] as? [String: Any])?["id"] as? String ?? ""))
            let network = try #require(try await cloud.engine.db.read { try await NetworkRepository.find($0, uuid: uuid) })
            let engine = cloud.engine

            let outcomes = await withTaskGroup(of: Outcome.self) { group in
                for i in 0..<500 { group.addTask { await Self.allocate(engine, network: network, instanceID: 1_000_000 + Int64(i)) } }
                var out: [Outcome] = []
                for await o in group { out.append(o) }
                return out
            }
            var addresses: [String] = [], nicIDs: [Int64] = [], exhausted = 0, others: [String] = []
            for o in outcomes {
                switch o {
                case .allocated(let id, let address): nicIDs.append(id); addresses.append(address)
                case .exhausted: exhausted += 1
                case .other(let e): others.append(e)
                }
            }
            #expect(others.isEmpty, "\(others.prefix(3))")
            #expect(addresses.count == 253, "\(addresses.count) allocated")
            #expect(Set(addresses).count == addresses.count, "an address was handed out twice")
            #expect(exhausted == 247)
            let cidr = try #require(IPv4CIDR("10.60.0.0/24"))
            #expect(addresses.allSatisfy { a in IPv4Address(a).map { cidr.hostRange.contains($0) && $0.description != "10.60.0.1" } ?? false })
            #expect(try await engine.db.read { try await NicRepository.allocatedCount($0, networkID: network.id) } == 253)

            // Removing the NICs gives every address back.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in nicIDs { group.addTask { try await Self.remove(engine, nicID: id) } }
                try await group.waitForAll()
            }
            #expect(try await engine.db.read { try await NicRepository.allocatedCount($0, networkID: network.id) } == 0)
            #expect(try await engine.db.read { try await NicRepository.on($0, networkID: network.id) }.isEmpty)
            // And the network is whole again: one more allocation succeeds.
            if case .allocated = await Self.allocate(engine, network: network, instanceID: 2_000_000) {} else { Issue.record("allocation after release failed") }
        }
    }
}
