import CirrusAgent
import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// In-process simulated hosts survive a management-server restart: the next server takes
/// them over, and they answer commands again.
@Suite("In-process hosts across a restart", .serialized)
struct HostReattachTests {
    @Test("a restarted management server re-attaches the in-process Simulator hosts of a stopped one")
    func reattachAfterRestart() async throws {
        try await withCloud { cloud in
            cloud.engine.agents.setSimulatorFactory(SimulatorResource.factory)
            try await cloud.engine.agents.start()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cirrus-reattach-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            _ = try #require(try await DemoZone.ensure(engine: cloud.engine, dataDirectory: directory, logger: cloud.logger))
            let before = try await cloud.engine.hosts.list(HostQuery(), page: (0, nil)).items.map(\.host)
            #expect(before.count == 2 && before.allSatisfy { $0.status == .up && $0.ownerServer == cloud.engine.serverID })

            // The first server stops (agents, then its job runner and server lease).
            await cloud.engine.agents.stop()
            await cloud.engine.runner.stop()

            let second = Engine(db: cloud.db, serverID: "second-\(UUID().uuidString.lowercased())", jobWorkers: 1, passwordIterations: 1000, logger: cloud.logger)
            second.agents.setSimulatorFactory(SimulatorResource.factory)
            try await second.agents.start()
            do {
                for host in before {
                    #expect(try await second.agents.send(.checkHealth, to: host.id, timeout: .seconds(5)).result, "host \(host.name) answers the new server")
                }
                // The rows follow once the registration's writes land.
                var after: [CirrusModel.Host] = []
                for _ in 0..<100 {
                    after = try await second.hosts.list(HostQuery(), page: (0, nil)).items.map(\.host)
                    if after.allSatisfy({ $0.status == .up && $0.ownerServer == second.serverID }) { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(Set(after.map(\.id)) == Set(before.map(\.id)))
                #expect(after.allSatisfy { $0.status == .up && $0.ownerServer == second.serverID }, "\(after.map { ($0.status, $0.ownerServer) })")
            } catch {
                await second.agents.stop()
                throw error
            }
            await second.agents.stop()
            try await cloud.startRunner()
        }
    }
}
