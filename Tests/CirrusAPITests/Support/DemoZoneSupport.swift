import CirrusAgent
import CirrusEngine
import CirrusModel
import Foundation
import Testing

/// A fresh cloud with the demo zone (two in-process Simulator hosts, storage, a ready
/// template) built in a temporary data directory; agents are stopped afterwards.
func withDemoZone(workers: Int = 4, _ body: (TestCloud, Session, Zone) async throws -> Void) async throws {
    try await withCloud(workers: workers) { cloud in
        cloud.engine.agents.setSimulatorFactory(SimulatorResource.factory)
        try await cloud.engine.agents.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cirrus-demo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let zone = try #require(try await DemoZone.ensure(engine: cloud.engine, dataDirectory: directory, logger: cloud.logger))
            try await body(cloud, try await cloud.admin(), zone)
        } catch {
            await cloud.engine.agents.stop()
            throw error
        }
        await cloud.engine.agents.stop()
    }
}

extension Session {
    /// The id of the first item of a list command.
    func firstID(_ command: String, _ item: String, _ params: KeyValuePairs<String, String> = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let reply = await call(command, params)
        return try #require(reply.items(item).first?["id"] as? String, "\(command): \(reply.body)", sourceLocation: sourceLocation)
    }
}
