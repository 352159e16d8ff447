import ArgumentParser
import CirrusAgent
import CirrusProtocol
import Foundation
import Logging

/// `cirrus agent`: the host agent. With `--simulator`, runs `--count` simulated hosts, each
/// with its own WebSocket link (scale tests); KVM comes later.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Run the host agent (the Simulator for now).")

    @Option(name: .customLong("server"), help: "Management server agent endpoint, e.g. ws://127.0.0.1:8250/agent. Repeat for several; reconnects walk the list.")
    var servers: [String] = []

    @Option(help: "The shared agent key (see <data-dir>/agent.key on the management server).")
    var key: String?

    @Option(name: .customLong("key-file"), help: "A file holding the agent key.")
    var keyFile: String?

    @Flag(help: "Run simulated hosts.")
    var simulator = false

    @Option(help: "How many simulated hosts this process runs.")
    var count: Int = 1

    @Option(help: "Zone UUID hint for new hosts.")
    var zone: String?

    @Option(help: "Pod UUID hint for new hosts.")
    var pod: String?

    @Option(help: "Cluster UUID new hosts join (required for hosts the server does not know yet).")
    var cluster: String?

    @Option(name: .customLong("name-prefix"), help: "Host names (and guids) are <prefix>-<n>.")
    var namePrefix: String = "sim-agent"

    @Option(name: .customLong("cpucore"), help: "Cores of each simulated host.")
    var cpuCores: Int = SimulatorCapacity.default.cpuCores

    @Option(name: .customLong("cpuspeed"), help: "MHz per core of each simulated host.")
    var cpuSpeed: Int64 = SimulatorCapacity.default.cpuSpeed

    @Option(help: "Memory of each simulated host in bytes.")
    var memory: Int64 = SimulatorCapacity.default.memory

    @Option(name: .customLong("max-backoff"), help: "Longest wait between reconnect attempts, in seconds.")
    var maxBackoff: Int = 30

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard !servers.isEmpty else { throw ValidationError("Give at least one --server ws://<host>:8250/agent") }
        guard simulator else { throw ValidationError("Only --simulator is available in this version") }
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cirrus.agent")
        var agentKey = key
        if agentKey == nil, let keyFile {
            guard let text = try? String(contentsOfFile: keyFile, encoding: .utf8) else { throw ValidationError("Cannot read the key file \(keyFile)") }
            agentKey = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let options = Agent.Options(servers: servers, key: agentKey, maximumBackoff: .seconds(maxBackoff))
        let capacity = SimulatorCapacity(cpuCores: cpuCores, cpuSpeed: cpuSpeed, memory: memory, localStorage: SimulatorCapacity.default.localStorage)
        let agents = (0..<count).map { i -> Agent in
            let name = "\(namePrefix)-\(i)"
            let spec = SimulatedHostSpec(guid: name, name: name, url: "agent://\(name)", zoneUUID: zone ?? "", podUUID: pod ?? "", clusterUUID: cluster ?? "",
                                         capacity: capacity, privateIP: "172.\(16 + (i >> 16) % 16).\((i >> 8) & 255).\(i & 255)",
                                         privateMAC: String(format: "06:00:00:%02x:%02x:%02x", (i >> 16) & 255, (i >> 8) & 255, i & 255))
            return Agent(resource: SimulatorResource(spec: spec, agentKey: agentKey), options: options, logger: logger)
        }
        logger.info("Starting \(count) simulated host agent(s)", metadata: ["servers": "\(servers.joined(separator: ","))"])
        await withTaskGroup(of: Void.self) { group in
            for agent in agents { group.addTask { await agent.run() } }
        }
    }
}
