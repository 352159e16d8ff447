import ArgumentParser
import CirrusServer
import Foundation
import Hummingbird
import Logging

/// `cirrus`: the management server and operator tools in one executable.
@main
struct Cirrus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cirrus",
        abstract: "Cirrus: a CloudStack-compatible IaaS cloud orchestration platform.",
        subcommands: [Serve.self, AgentCommand.self]
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the management server (API, job workers).")

    @Option(help: "TCP port of the API.")
    var port: Int = 8080

    @Option(name: .customLong("agent-port"), help: "TCP port of the agent endpoint (ws://<host>:<port>/agent).")
    var agentPort: Int = 8250

    @Option(help: "Address to listen on.")
    var host: String = "0.0.0.0"

    @Option(name: .customLong("data-dir"), help: "Directory for the embedded database and other state.")
    var dataDirectory: String = "./data"

    @Option(help: "Database URL: postgres://user:pass@host:port/db. Default: an SQLite file in the data directory.")
    var database: String?

    @Option(name: .customLong("job-workers"), help: "Async jobs run at the same time by this server.")
    var jobWorkers: Int = 8

    @Flag(name: .customLong("demo-zone"), inversion: .prefixedNo,
          help: "On a fresh installation, build a ready Advanced Simulator zone (two hosts, storage, public IPs, the built-in template).")
    var demoZone = true

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cirrus")
        let options = ServerOptions(host: host, port: port, dataDirectory: dataDirectory, databaseURL: database,
                                    adminPassword: ProcessInfo.processInfo.environment["CIRRUS_ADMIN_PASSWORD"], jobWorkers: jobWorkers, demoZone: demoZone)
        let server: ManagementServer
        do {
            server = try await ManagementServer.start(options: options, logger: logger)
        } catch {
            logger.critical("Cannot start the management server: \(error)")
            throw ExitCode(1)
        }
        do {
            try await server.application(host: host, port: port, agentPort: agentPort).runService()
        } catch {
            logger.error("HTTP server stopped: \(error)")
        }
        await server.stop()
    }
}
