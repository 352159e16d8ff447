import CirrusAgent
import CirrusEngine
import CirrusModel
import CirrusProtocol
import CirrusServer
import CirrusStore
import CirrusTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// A management server with its agent endpoint listening on a free loopback port, short
/// ping settings, and a Simulator cluster to join.
final class AgentTestServer: Sendable {
    let server: ManagementServer
    let db: any Database
    let port: Int
    let endpoint: Task<Void, any Error>
    let clusterUUID: String

    var engine: Engine { server.engine }
    var url: String { "ws://127.0.0.1:\(port)/agent" }

    init(server: ManagementServer, db: any Database, port: Int, endpoint: Task<Void, any Error>, clusterUUID: String) {
        self.server = server; self.db = db; self.port = port; self.endpoint = endpoint; self.clusterUUID = clusterUUID
    }

    static var logger: Logger {
        var l = Logger(label: "cirrus.agenttests")
        l.logLevel = ProcessInfo.processInfo.environment["CIRRUS_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return l
    }

    static func start(settings: [String: String]) async throws -> AgentTestServer {
        let db = try await TestDatabase.make()
        let server: ManagementServer
        do {
            server = try await ManagementServer.start(database: db, adminPassword: "pw", jobWorkers: 2, passwordIterations: 1000, logger: logger)
        } catch {
            await TestDatabase.drop(db)
            throw error
        }
        do {
            let engine = server.engine
            try await db.transaction { sql in
                for (name, value) in settings { _ = try await engine.config.update(name: name, value: value, scope: .global, scopeID: 0, in: sql) }
            }
            let cluster = try await db.transaction { sql in
                let now = Date()
                let zone = try await ZoneRepository.insert(sql, Zone(id: 0, uuid: UUID(), name: "z-\(UUID().uuidString.prefix(8))", networkType: .advanced,
                                                                     internalDNS1: "10.0.0.2", allocationState: .enabled, securityGroupEnabled: false,
                                                                     localStorageEnabled: true, created: now))
                let pod = try await PodRepository.insert(sql, Pod(id: 0, uuid: UUID(), zoneID: zone.id, name: "p", gateway: "10.1.0.1", cidr: "10.1.0.0/24",
                                                                  startIP: nil, endIP: nil, allocationState: .enabled, created: now))
                return try await ClusterRepository.insert(sql, Cluster(id: 0, uuid: UUID(), zoneID: zone.id, podID: pod.id, name: "c", hypervisorType: .simulator,
                                                                       allocationState: .enabled, created: now))
            }
            let (ports, continuation) = AsyncStream<Int?>.makeStream()
            let app = server.agentApplication(host: "127.0.0.1", port: 0) { port in continuation.yield(port) }
            let endpoint = Task { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let bound = await iterator.next(), let port = bound else {
                endpoint.cancel()
                throw StoreError("The agent endpoint did not start")
            }
            return AgentTestServer(server: server, db: db, port: port, endpoint: endpoint, clusterUUID: cluster.uuid.uuidString.lowercased())
        } catch {
            await server.stop()
            await TestDatabase.drop(db)
            throw error
        }
    }

    func stop() async {
        endpoint.cancel()
        _ = try? await endpoint.value
        await server.stop()
        await TestDatabase.drop(db)
    }

    /// The hosts whose name starts with `prefix`.
    func hosts(_ prefix: String) async throws -> [CirrusModel.Host] {
        try await engine.hosts.list(HostQuery(keyword: prefix), page: (0, nil)).items.map(\.host).filter { $0.name.hasPrefix(prefix) }
    }

    /// Whether a host answers CheckHealthCommand within 30 s. With ping.timeout at 2 s a loaded
    /// machine (the suites run in parallel with PostgreSQL) can drop a link for a moment and the
    /// agent reconnects; a command refused for "not connected" in that moment is tried again.
    func healthy(_ hostID: Int64) async throws -> Bool {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .seconds(30))
        while true {
            do {
                return try await engine.agents.send(.checkHealth, to: hostID, timeout: .seconds(5)).result
            } catch let error as CloudError where error.message.contains("was not sent") && clock.now < end {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Polls until `condition` holds for the hosts named `prefix*`, failing after `timeout`.
    @discardableResult
    func waitFor(_ prefix: String, timeout: Duration, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                 _ condition: ([CirrusModel.Host]) -> Bool) async throws -> [CirrusModel.Host] {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: timeout)
        while true {
            let hosts = try await hosts(prefix)
            if condition(hosts) { return hosts }
            if clock.now > end {
                Issue.record("Timed out after \(timeout) waiting for \(what): \(hosts.map { "\($0.name)=\($0.status.rawValue)" })", sourceLocation: sourceLocation)
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// A `cirrus agent --simulator` child process, killed in every path.
final class AgentProcess: Sendable {
    let process: Process

    static var binary: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/cirrus")
    }

    init(arguments: [String]) throws {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = ProcessInfo.processInfo.environment["CIRRUS_TEST_LOG"] == nil ? FileHandle.nullDevice : FileHandle.standardError
        try p.run()
        process = p
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { kill() }
}

@Suite("Agent lifecycle", .serialized)
struct AgentLifecycleTests {
    @Test("real agent processes: Up; killed → Disconnected, commands fail clearly, then Alert; restarted → Up")
    func lifecycle() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: AgentProcess.binary.path), "build the cirrus binary first (swift build)")
        let server = try await AgentTestServer.start(settings: ["ping.interval": "1", "ping.timeout": "6", "alert.wait": "6"])
        let prefix = "life-\(UInt32.random(in: 0 ... .max))"
        var agent: AgentProcess?
        do {
            let key = try await server.engine.agents.agentKey()
            let arguments = ["agent", "--server", "ws://127.0.0.1:1/agent", "--server", server.url, "--key", key, "--simulator", "--count", "2",
                             "--cluster", server.clusterUUID, "--name-prefix", prefix, "--max-backoff", "1", "--log-level", "error"]
            agent = try AgentProcess(arguments: arguments)
            let up = try await server.waitFor(prefix, timeout: .seconds(60), "both hosts Up") { $0.count == 2 && $0.allSatisfy { $0.status == .up } }
            #expect(up.allSatisfy { $0.hypervisorType == .simulator && $0.cpus == 4 && $0.lastPing != nil })
            let hostID = try #require(up.first?.id)
            #expect(try await server.healthy(hostID))

            agent?.kill()
            agent = nil
            let killedAt = ContinuousClock.now
            try await server.waitFor(prefix, timeout: .seconds(15), "Disconnected after the kill") { $0.allSatisfy { $0.status == .disconnected } }
            await #expect { try await server.engine.agents.send(.checkHealth, to: hostID, timeout: .seconds(2)) } throws: { error in
                guard let e = error as? CloudError else { return false }
                return e.message.contains("Disconnected") && e.message.contains("CheckHealthCommand was not sent")
            }
            let alerted = try await server.waitFor(prefix, timeout: .seconds(30), "Alert after alert.wait") { $0.allSatisfy { $0.status == .alert } }
            let alertAfter = ContinuousClock.now - killedAt
            #expect(alertAfter >= .seconds(5), "Alert must wait for alert.wait")
            // alert.wait (6 s) counts from when the monitor noticed the loss; allow a monitor tick
            // and a loaded machine (CI shares two cores with the build) on top.
            #expect(alertAfter <= .seconds(20), "Alert must come on time (alert.wait 6 s + a monitor tick + a loaded machine's slack), took \(alertAfter)")
            #expect(alerted.allSatisfy { $0.disconnected != nil })

            agent = try AgentProcess(arguments: arguments)
            let back = try await server.waitFor(prefix, timeout: .seconds(60), "Up again after the restart") { $0.count == 2 && $0.allSatisfy { $0.status == .up } }
            #expect(Set(back.map(\.id)) == Set(up.map(\.id)), "the same host rows come back")
            #expect(try await server.healthy(hostID))
        } catch {
            agent?.kill()
            await server.stop()
            throw error
        }
        agent?.kill()
        await server.stop()
    }

    @Test("an agent with the wrong key is refused and no host is created")
    func wrongKey() async throws {
        let server = try await AgentTestServer.start(settings: ["ping.interval": "1"])
        let prefix = "bad-\(UInt32.random(in: 0 ... .max))"
        let spec = SimulatedHostSpec(guid: prefix, name: prefix, url: "agent://\(prefix)", zoneUUID: "", podUUID: "", clusterUUID: server.clusterUUID,
                                     capacity: .default, privateIP: "10.1.0.9", privateMAC: "06:00:00:00:00:09")
        let agent = Agent(resource: SimulatorResource(spec: spec, agentKey: "not-the-key"),
                          options: .init(servers: [server.url], key: "not-the-key", initialBackoff: .milliseconds(200), maximumBackoff: .milliseconds(400)),
                          logger: AgentTestServer.logger)
        let run = Task { await agent.run() }
        do {
            let clock = ContinuousClock()
            let end = clock.now.advanced(by: .seconds(10))
            while agent.status.lastRefusal == nil && clock.now < end { try await Task.sleep(for: .milliseconds(50)) }
            #expect(agent.status.lastRefusal?.contains("agent key") == true)
            #expect(agent.status.hostID == nil)
            #expect(try await server.hosts(prefix).isEmpty)
        } catch {
            run.cancel()
            await server.stop()
            throw error
        }
        run.cancel()
        await run.value
        await server.stop()
    }

    @Test("an in-process agent link registers over the WebSocket and answers commands; an unknown cluster is refused")
    func inProcessAgentOverWebSocket() async throws {
        let server = try await AgentTestServer.start(settings: ["ping.interval": "1"])
        let key = try await server.engine.agents.agentKey()
        func agent(_ name: String, cluster: String) -> Agent {
            let spec = SimulatedHostSpec(guid: name, name: name, url: "agent://\(name)", zoneUUID: "", podUUID: "", clusterUUID: cluster,
                                         capacity: .default, privateIP: "10.1.0.7", privateMAC: "06:00:00:00:00:07")
            return Agent(resource: SimulatorResource(spec: spec), options: .init(servers: [server.url], key: key, initialBackoff: .milliseconds(200), maximumBackoff: .milliseconds(400)),
                         logger: AgentTestServer.logger)
        }
        let good = agent("ws-ok-\(UInt32.random(in: 0 ... .max))", cluster: server.clusterUUID)
        let lost = agent("ws-lost-\(UInt32.random(in: 0 ... .max))", cluster: UUID().uuidString.lowercased())
        let runs = [Task { await good.run() }, Task { await lost.run() }]
        do {
            let up = try await server.waitFor("ws-ok-", timeout: .seconds(15), "the WebSocket host Up") { $0.count == 1 && $0.first?.status == .up }
            let id = try #require(up.first?.id)
            let stats = try await server.engine.agents.send(.getHostStats, to: id, timeout: .seconds(5))
            guard case .hostStats(let s)? = stats.payload else { Issue.record("no stats: \(stats)"); throw CancellationError() }
            #expect(s.totalMemory == SimulatorCapacity.default.memory)
            let unsupported = try await server.engine.agents.send(.unsupported(name: "FancyCommand"), to: id, timeout: .seconds(5))
            #expect(unsupported.unsupported && !unsupported.result)
            try await Task.sleep(for: .seconds(1))
            #expect(lost.status.lastRefusal?.contains("names no existing cluster") == true)
            #expect(try await server.hosts("ws-lost-").isEmpty)
        } catch {
            for r in runs { r.cancel() }
            await server.stop()
            throw error
        }
        for r in runs { r.cancel() }
        for r in runs { await r.value }
        await server.stop()
    }
}
