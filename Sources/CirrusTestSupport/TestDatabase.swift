import CirrusStore
import Foundation
import Logging

/// Fresh, empty databases for tests, on whichever engine the environment selects.
///
/// - When `CIRRUS_TEST_DATABASE_URL` is set to a `postgres://` URL (whose user may
///   create databases), every ``make(logger:)`` creates a new database named
///   `cirrus_t_<16 hex digits>` on that server and connects to it;
///   ``drop(_:logger:)`` disconnects and drops it.
/// - Otherwise each database is an SQLite file in a new temporary directory, which
///   ``drop(_:logger:)`` deletes.
///
/// Prefer ``withTestDatabase(logger:_:)``, which drops the database even when the
/// test throws.
public enum TestDatabase {
    /// The environment variable naming the PostgreSQL server to test against.
    public static let environmentVariable = "CIRRUS_TEST_DATABASE_URL"

    /// The prefix of every database created on PostgreSQL; ``drop(_:logger:)`` drops
    /// nothing else.
    public static let namePrefix = "cirrus_t_"

    /// A logger for test databases: warnings and worse only.
    public static var defaultLogger: Logger {
        var logger = Logger(label: "cirrus.test.database")
        logger.logLevel = .warning
        return logger
    }

    /// The PostgreSQL URL from the environment, if tests should use PostgreSQL.
    public static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment[environmentVariable], !url.isEmpty else { return nil }
        return url
    }

    /// The engine ``make(logger:)`` will use.
    public static var dialect: DatabaseDialect {
        postgresURL == nil ? .sqlite : .postgres
    }

    /// Returns a new, empty database (no tables, not migrated).
    public static func make(logger: Logger = defaultLogger) async throws -> any Database {
        guard let url = postgresURL else {
            return try await SQLiteDatabase.openTemporary(logger: logger)
        }
        let server = try serverConfiguration(url)
        let name = namePrefix + randomHex()
        let admin = try await server.open(logger: logger, maximumConnections: 1)
        do {
            try await admin.read { sql in
                try await sql.raw("CREATE DATABASE \(ident: name)").run()
            }
        } catch {
            await admin.shutdown()
            throw StoreError("Cannot create the test database \(name) (\(environmentVariable)=\(server))", underlying: error)
        }
        await admin.shutdown()

        guard case .postgres(let host, let port, let username, let password, _, let tls) = server else {
            preconditionFailure("serverConfiguration returns PostgreSQL configurations only")
        }
        do {
            return try await PostgresDatabase.open(
                host: host, port: port, username: username, password: password, database: name,
                tls: tls, maximumConnections: 8, logger: logger
            )
        } catch {
            await dropPostgres(named: name, server: server, logger: logger)
            throw error
        }
    }

    /// Shuts `database` down and deletes it: the temporary directory of an SQLite test
    /// database, or the `cirrus_t_…` database on PostgreSQL. Failures are logged, not thrown.
    public static func drop(_ database: any Database, logger: Logger = defaultLogger) async {
        await database.shutdown() // an SQLite test database removes its directory here
        guard let postgres = database as? PostgresDatabase, postgres.databaseName.hasPrefix(namePrefix) else { return }
        guard let url = postgresURL, let server = try? serverConfiguration(url) else {
            logger.warning("Cannot drop test database: \(environmentVariable) is no longer set", metadata: [
                "database": .string(postgres.databaseName),
            ])
            return
        }
        await dropPostgres(named: postgres.databaseName, server: server, logger: logger)
    }

    private static func dropPostgres(named name: String, server: DatabaseConfiguration, logger: Logger) async {
        let admin: any Database
        do {
            admin = try await server.open(logger: logger, maximumConnections: 1)
        } catch {
            logger.warning("Cannot drop test database", metadata: [
                "database": .string(name), "error": .string(StoreError.describe(error)),
            ])
            return
        }
        do {
            try await admin.read { sql in
                try await sql.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
            }
        } catch {
            logger.warning("Cannot drop test database", metadata: [
                "database": .string(name), "error": .string(StoreError.describe(error)),
            ])
        }
        await admin.shutdown()
    }

    private static func serverConfiguration(_ url: String) throws -> DatabaseConfiguration {
        let configuration: DatabaseConfiguration
        do {
            configuration = try DatabaseConfiguration.parse(url, dataDirectory: FileManager.default.temporaryDirectory.path)
        } catch {
            throw StoreError("\(environmentVariable) is not a usable PostgreSQL URL", underlying: error)
        }
        guard case .postgres = configuration else {
            throw StoreError("\(environmentVariable) must be a postgres:// URL")
        }
        return configuration
    }

    private static func randomHex() -> String {
        let digits = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Runs `body` with a fresh, empty test database (see ``TestDatabase``) and drops the
/// database afterwards, also when `body` throws.
public func withTestDatabase<T>(
    isolation: isolated (any Actor)? = #isolation,
    logger: Logger = TestDatabase.defaultLogger,
    _ body: (any Database) async throws -> T
) async throws -> T {
    let database = try await TestDatabase.make(logger: logger)
    do {
        let result = try await body(database)
        await TestDatabase.drop(database, logger: logger)
        return result
    } catch {
        await TestDatabase.drop(database, logger: logger)
        throw error
    }
}
