import CirrusAPI
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

    public init(host: String = "0.0.0.0", port: Int = 8080, dataDirectory: String = "./data", databaseURL: String? = nil, adminPassword: String? = nil, jobWorkers: Int = 8) {
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

    init(engine: Engine, dispatcher: APIDispatcher, lock: DataDirectoryLock?, logger: Logger) {
        self.engine = engine
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
            let server = try await start(database: db, lock: lock, adminPassword: options.adminPassword, jobWorkers: options.jobWorkers, logger: logger)
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
                             passwordIterations: Int = 100_000, logger: Logger) async throws -> ManagementServer {
        let engine = Engine(db: db, jobWorkers: jobWorkers, passwordIterations: passwordIterations, logger: logger)
        try await engine.prepare(adminPassword: adminPassword)
        let dispatcher = APIDispatcher(engine: engine, registry: CommandCatalog.registry(), logger: logger)
        // Under the data-directory lock no other server shares the database.
        try await engine.runner.start(executor: dispatcher, exclusive: lock != nil)
        return ManagementServer(engine: engine, dispatcher: dispatcher, lock: lock, logger: logger)
    }

    /// The HTTP application serving the API.
    public func application(host: String, port: Int) -> some ApplicationProtocol {
        let router = Router()
        APIRoutes.register(on: router, dispatcher: dispatcher, openAPI: OpenAPIDocument.json(for: dispatcher.registry))
        router.get("/") { _, _ in "Cirrus management server. The API is at /client/api; its OpenAPI document at /client/api/openapi.json.\n" }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Cirrus"), logger: logger)
    }

    /// Stops the workers and closes the database.
    public func stop() async {
        await engine.runner.stop()
        await engine.db.shutdown()
        lock?.release()
    }
}
