import CirrusAPI
import CirrusAgent
import CirrusEngine
import CirrusStore
import Foundation
import Hummingbird
import Logging

/// Options of `cirrus serve`.
public struct ServerOptions: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: String
    /// A `postgres://` URL, or nil for the embedded SQLite file.
    public var databaseURL: String?
    public var adminPassword: String?
    public var jobWorkers: Int
    /// TCP port of the agent endpoint (`ws://host:agentPort/agent`).
    public var agentPort: Int = 8250
    /// Build the demo Simulator zone when the installation has no zone yet.
    public var demoZone: Bool

    public init(host: String = "0.0.0.0", port: Int = 8080, dataDirectory: String = "./data", databaseURL: String? = nil, adminPassword: String? = nil, jobWorkers: Int = 8,
                demoZone: Bool = false) {
        self.demoZone = demoZone
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
        self.adminPassword = adminPassword
        self.jobWorkers = jobWorkers
    }
}

/// A running management server: database, engine, job workers and the HTTP application.
public final class ManagementServer: Sendable {
    public let engine: Engine
    public let dispatcher: APIDispatcher
    let lock: DataDirectoryLock?
    let logger: Logger
    /// Background loops this server runs (capacity checks, template download takeover).
    let periodic: [PeriodicTask]

    init(engine: Engine, dispatcher: APIDispatcher, lock: DataDirectoryLock?, periodic: [PeriodicTask], logger: Logger) {
        self.engine = engine
        self.periodic = periodic
        self.dispatcher = dispatcher
        self.lock = lock
        self.logger = logger
    }

    /// Opens the database (taking the data-directory lock for SQLite), migrates and seeds
    /// it, and starts the job workers.
    public static func start(options: ServerOptions, logger: Logger) async throws -> ManagementServer {
        try FileManager.default.createDirectory(atPath: options.dataDirectory, withIntermediateDirectories: true)
        let configuration = try DatabaseConfiguration.parse(options.databaseURL, dataDirectory: options.dataDirectory)
        let lock = configuration.isEmbedded ? try DataDirectoryLock.acquire(dataDirectory: options.dataDirectory) : nil
        let db: any Database
        do {
            db = try await configuration.open(logger: logger)
        } catch {
            lock?.release()
            throw error
        }
        do {
            let dataDirectory = URL(fileURLWithPath: options.dataDirectory).standardizedFileURL.path
            let server = try await start(database: db, lock: lock, adminPassword: options.adminPassword, jobWorkers: options.jobWorkers,
                                         dataDirectory: dataDirectory, logger: logger)
            try await server.writeAgentKey(dataDirectory: options.dataDirectory)
            if options.demoZone {
                do {
                    try await DemoZone.ensure(engine: server.engine, dataDirectory: dataDirectory, logger: logger)
                } catch {
                    await server.stop()
                    throw error
                }
            }
            logger.info("Management server ready", metadata: ["database": "\(configuration)", "server": "\(server.engine.serverID)"])
            return server
        } catch {
            await db.shutdown()
            lock?.release()
            throw error
        }
    }

    /// Starts on an open database (tests, embedding). The server owns `db` and `lock` from now on.
    public static func start(database db: any Database, lock: DataDirectoryLock? = nil, adminPassword: String?, jobWorkers: Int = 8,
                             passwordIterations: Int = 100_000, dataDirectory: String? = nil, logger: Logger) async throws -> ManagementServer {
        let engine = Engine(db: db, jobWorkers: jobWorkers, passwordIterations: passwordIterations, dataDirectory: dataDirectory, logger: logger)
        try await engine.prepare(adminPassword: adminPassword)
        engine.agents.setSimulatorFactory(SimulatorResource.factory)
        try await engine.agents.start(exclusive: lock != nil)
        let dispatcher = APIDispatcher(engine: engine, registry: CommandCatalog.registry(), logger: logger)
        // Under the data-directory lock no other server shares the database.
        try await engine.runner.start(executor: dispatcher, exclusive: lock != nil)
        // Jobs of a stopped server have just been failed or requeued: instances they left in
        // Starting, Stopping or Migrating are recovered now rather than at the first sweep.
        do { try await engine.instances.recoverStranded() } catch {
            logger.error("Could not recover stranded instances at start", metadata: ["error": "\(error)"])
        }
        let periodic = [engine.capacity.startChecks(serverID: engine.serverID), engine.templates.startDownloadSweeper(serverID: engine.serverID),
                        engine.snapshots.startScheduler(serverID: engine.serverID), engine.instances.startExpunger(serverID: engine.serverID),
                        engine.volumes.startExpunger(serverID: engine.serverID), engine.instances.startStrandedRecovery(serverID: engine.serverID),
                        engine.networks.startGarbageCollector(serverID: engine.serverID),
                        engine.routers.startPusher(serverID: engine.serverID), engine.securityGroups.startPusher(serverID: engine.serverID)]
        return ManagementServer(engine: engine, dispatcher: dispatcher, lock: lock, periodic: periodic, logger: logger)
    }

    /// Writes the shared agent key to `<data-dir>/agent.key` (mode 0600) for operators.
    func writeAgentKey(dataDirectory: String) async throws {
        let key = try await engine.agents.agentKey()
        let path = (dataDirectory as NSString).appendingPathComponent("agent.key")
        _ = FileManager.default.createFile(atPath: path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600])
    }

    /// The agent endpoint (`ws://host:port/agent`) as its own application.
    /// `onListening` receives the bound port (useful with port 0).
    public func agentApplication(host: String, port: Int, onListening: @escaping @Sendable (Int?) async -> Void = { _ in }) -> some ApplicationProtocol {
        AgentEndpoint.application(agents: engine.agents, host: host, port: port, logger: logger, onListening: onListening)
    }

    /// The HTTP application serving the API, with the agent endpoint on `agentPort` as a
    /// service of the same application when given.
    public func application(host: String, port: Int, agentPort: Int) -> some ApplicationProtocol {
        let router = Router()
        APIRoutes.register(on: router, dispatcher: dispatcher, openAPI: OpenAPIDocument.json(for: dispatcher.registry))
        ExtractRoutes.register(on: router, templates: engine.templates)
        router.get("/") { _, _ in "Cirrus management server. The API is at /client/api; its OpenAPI document at /client/api/openapi.json.\n" }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Cirrus"),
                           services: [agentApplication(host: host, port: agentPort)], logger: logger)
    }

    /// The HTTP application serving the API.
    public func application(host: String, port: Int) -> some ApplicationProtocol {
        let router = Router()
        APIRoutes.register(on: router, dispatcher: dispatcher, openAPI: OpenAPIDocument.json(for: dispatcher.registry))
        ExtractRoutes.register(on: router, templates: engine.templates)
        router.get("/") { _, _ in "Cirrus management server. The API is at /client/api; its OpenAPI document at /client/api/openapi.json.\n" }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Cirrus"), logger: logger)
    }

    /// Stops the workers and closes the database.
    public func stop() async {
        for task in periodic { task.stop() }
        engine.templates.downloader.stop()
        await engine.agents.stop()
        await engine.runner.stop()
        await engine.db.shutdown()
        lock?.release()
    }
}
