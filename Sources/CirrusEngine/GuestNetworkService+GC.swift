import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension GuestNetworkService {
    /// One pass of the network GC (CloudStack's `network.gc.interval` / `network.gc.wait`): an
    /// implemented, non-persistent Isolated (not a VPC tier) or L2 network with no NIC of an active instance is
    /// noted idle; once it has stayed idle for `network.gc.wait` it is shut down — routers
    /// destroyed, VNI released, back to Allocated — keeping its addresses and public IPs,
    /// which the next implementation reuses. Returns the networks shut down.
    @discardableResult
    public func collectGarbage(now: Date = Date()) async throws -> [Int64] {
        let wait = TimeInterval(try await config.int(Settings.networkGCWait))
        let (candidates, active) = try await db.read { sql in
            (try await NetworkRepository.collectable(sql), try await NicRepository.activeNetworkIDs(sql))
        }
        let idle = Set(candidates.map(\.id)).subtracting(active)
        let due: [Int64] = idleSince.withLock { marks in
            marks = marks.filter { idle.contains($0.key) }
            for id in idle where marks[id] == nil { marks[id] = now }
            return marks.filter { now.timeIntervalSince($0.value) >= wait }.map(\.key).sorted()
        }
        var done: [Int64] = []
        for id in due {
            let shut = try await db.transaction { sql -> Bool in
                // Checked again inside the transaction: an instance may have started meanwhile.
                guard var n = try await NetworkRepository.find(sql, id: id), n.state == .implemented,
                      !(try await NicRepository.activeNetworkIDs(sql)).contains(id),
                      let shutdown = NetworkStateMachine.next(n.state, on: .destroyNetwork),
                      let back = NetworkStateMachine.next(shutdown, on: .operationSucceeded) else { return false }
                guard try await NetworkRepository.transition(sql, id: id, from: .implemented, to: shutdown) else { return false }
                if let vlan = n.vlan.flatMap({ Int64($0) }), let physical = n.physicalNetworkID {
                    try await GuestVnetRepository.release(sql, physicalNetworkID: physical, vnet: vlan)
                }
                for r in try await RouterRepository.of(sql, networkID: id) {
                    try await Self.releaseNics(sql, instanceID: r.id, ownerType: .domainRouter)
                    try await RouterRepository.markRemoved(sql, id: r.id, at: now)
                }
                for var nic in try await NicRepository.on(sql, networkID: id, ownerType: .user) {
                    nic.state = .allocated; nic.broadcastURI = nil; nic.isolationURI = nil
                    try await NicRepository.update(sql, nic)
                }
                n.vlan = nil; n.broadcastURI = nil; n.state = back
                try await NetworkRepository.update(sql, n)
                return true
            }
            idleSince.withLock { _ = $0.removeValue(forKey: id) }
            if shut {
                done.append(id)
                logger.info("Shut down an idle network", metadata: ["network": "\(id)"])
            }
        }
        return done
    }

    /// The network GC, every `network.gc.interval`, on one server at a time.
    public func startGarbageCollector(serverID: String) -> PeriodicTask {
        PeriodicTask(name: "network-gc", db: db, serverID: serverID, singleton: true, logger: logger,
                     interval: { [config] in .seconds((try? await config.int(Settings.networkGCInterval)) ?? 600) },
                     body: { [self] in try await self.collectGarbage() })
    }
}
