import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// How a PostgreSQL connection uses TLS. The names and meanings follow libpq's
/// `sslmode`.
public enum PostgresTLSMode: String, Sendable, CaseIterable {
    /// Never use TLS.
    case disable
    /// Use TLS if the server offers it, without verifying its certificate (libpq's default).
    case prefer
    /// Require TLS, without verifying the server's certificate.
    case require
    /// Require TLS and a certificate signed by a trusted authority; the host name is not checked.
    case verifyCA = "verify-ca"
    /// Require TLS, a trusted certificate, and a host name matching it.
    case verifyFull = "verify-full"
}

/// The shared database: a PostgreSQL server reached through PostgresNIO's
/// `PostgresClient` connection pool. Several management servers may use one database.
///
/// ``read(_:)`` runs on any pooled connection (autocommit); ``transaction(_:)`` runs
/// `BEGIN` … `COMMIT`/`ROLLBACK` on one pooled connection. Unlike ``SQLiteDatabase``,
/// transactions run concurrently; use row locks (`FOR UPDATE`) where read-modify-write
/// must not interleave.
public final class PostgresDatabase: Database {
    /// Always ``DatabaseDialect/postgres``.
    public var dialect: DatabaseDialect { .postgres }

    /// The server's host name or address.
    public let host: String
    /// The server's TCP port.
    public let port: Int
    /// The user name used to log in.
    public let username: String
    /// The name of the database on the server.
    public let databaseName: String

    /// The default size limit of the connection pool.
    public static let defaultMaximumConnections = 20

    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger
    private let isShutDown = Atomic<Bool>(false)

    private init(
        host: String, port: Int, username: String, databaseName: String,
        client: PostgresClient, runTask: Task<Void, Never>, logger: Logger
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.databaseName = databaseName
        self.client = client
        self.runTask = runTask
        self.logger = logger
    }

    /// Connects to a PostgreSQL database.
    ///
    /// One connection is made up front so that a wrong address, password or database
    /// name is reported here, with the server's own message, rather than at first use.
    ///
    /// - Parameters:
    ///   - maximumConnections: The size limit of the connection pool.
    ///   - logger: Receives pool events; SQL statements are logged at `debug`.
    /// - Throws: ``StoreError`` when the server cannot be reached or refuses the login.
    public static func open(
        host: String,
        port: Int = 5432,
        username: String,
        password: String?,
        database: String,
        tls: PostgresTLSMode = .prefer,
        maximumConnections: Int = PostgresDatabase.defaultMaximumConnections,
        logger: Logger
    ) async throws -> PostgresDatabase {
        precondition(maximumConnections >= 1, "PostgresDatabase needs at least one connection")
        let target = "\(username)@\(host):\(port)/\(database)"

        // Probe with a single connection: the pool would retry quietly and eventually
        // report only that its circuit breaker tripped.
        let probeConfiguration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: try connectionTLS(tls)
        )
        do {
            let probe = try await PostgresConnection.connect(configuration: probeConfiguration, id: 0, logger: logger)
            try? await probe.close()
        } catch {
            throw StoreError("Cannot connect to PostgreSQL database \(target)", underlying: error)
        }

        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: clientTLS(tls)
        )
        configuration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        // Wait until the run task has begun, so that the first lease does not race
        // `run()` (PostgresNIO warns about leases made before it runs).
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let runTask = Task {
            startedContinuation.finish()
            await client.run()
        }
        for await _ in started {}
        logger.info("Connected to PostgreSQL", metadata: ["database": .string(target)])
        return PostgresDatabase(
            host: host, port: port, username: username, databaseName: database,
            client: client, runTask: runTask, logger: logger
        )
    }

    /// Runs `body` on a pooled connection, outside any transaction (each statement
    /// commits on its own).
    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try checkOpen()
        try TransactionScope.checkNoReadInside(self)
        return try await client.withConnection { connection in
            try await body(connection.sql())
        }
    }

    /// Runs `body` between `BEGIN` and `COMMIT` on one pooled connection; rolls back
    /// and rethrows the error unchanged if `body` throws.
    ///
    /// Calling `transaction` again from inside `body` on the same database throws a
    /// ``StoreError``: it would run on a second connection, outside this transaction.
    ///
    /// When PostgreSQL ends the transaction to break a deadlock or a serialization conflict
    /// with a concurrent one, the whole transaction runs again (up to
    /// ``transientConflictAttempts`` times, after a short random pause): it was rolled back,
    /// so nothing of the first attempt remains.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try TransactionScope.checkNotNested(in: self)
        try checkOpen()
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    try await Self.runTransaction(on: connection, scope: self, logger: logger, body)
                }
            } catch where attempt < Self.transientConflictAttempts && StoreError.isTransientConflict(error) {
                logger.debug("Transaction ended by a concurrent one; running it again", metadata: ["attempt": .stringConvertible(attempt)])
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...40) * attempt))
            }
        }
    }

    /// How many times a transaction is tried when PostgreSQL keeps ending it for conflicts.
    static let transientConflictAttempts = 5

    /// Leases one connection from the pool for the whole of `body` and presents it as a
    /// ``Database``: its `read` and `transaction` both use that connection, so session
    /// state (advisory locks, `SET` parameters) persists across them.
    ///
    /// The ``Database`` passed to `body` must not be used after `body` returns, and is
    /// meant for sequential use (its transactions are serialised; a `read` running
    /// concurrently with one of them would see its uncommitted changes).
    public func withDedicatedConnection<T: Sendable>(_ body: (any Database) async throws -> T) async throws -> T {
        try await withPinnedConnection { pinned in try await body(pinned) }
    }

    private func withPinnedConnection<T: Sendable>(_ body: (PinnedPostgresDatabase) async throws -> T) async throws -> T {
        try checkOpen()
        return try await client.withConnection { connection in
            let pinned = PinnedPostgresDatabase(connection: connection, logger: logger)
            defer { pinned.release() }
            return try await body(pinned)
        }
    }

    /// Runs `body` on a dedicated connection (see ``withDedicatedConnection(_:)``) that
    /// holds the session-level advisory lock `key` (`pg_advisory_lock`) for the whole
    /// of `body`. Waiting for the lock suspends the task; no thread blocks.
    ///
    /// The lock is released when `body` finishes or throws. If releasing fails, the
    /// connection is closed, which also releases it.
    public func withAdvisoryLock<T: Sendable>(key: Int64, _ body: (any Database) async throws -> T) async throws -> T {
        try await withPinnedConnection { pinned in
            let connection = pinned.connection
            do {
                try await connection.query("SELECT pg_advisory_lock(\(key))", logger: logger)
            } catch {
                throw StoreError("Cannot take PostgreSQL advisory lock \(key)", underlying: error)
            }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(pinned))
            } catch {
                result = .failure(error)
            }
            do {
                try await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
            } catch {
                logger.warning("Releasing an advisory lock failed; closing its connection", metadata: [
                    "key": .stringConvertible(key), "error": .string(StoreError.describe(error)),
                ])
                try? await connection.close()
            }
            return try result.get()
        }
    }

    /// Stops the connection pool and closes its connections. Calling it again does nothing.
    public func shutdown() async {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        runTask.cancel()
        await runTask.value
        logger.debug("Closed PostgreSQL connection pool", metadata: ["database": .string(databaseName)])
    }

    private func checkOpen() throws {
        if isShutDown.load(ordering: .acquiring) {
            throw StoreError("The PostgreSQL database \(databaseName) has been shut down")
        }
    }

    /// `BEGIN` … `COMMIT`, or `ROLLBACK` when `body` throws. PostgresNIO's own
    /// `withTransaction` wraps the caller's error; the ``Database`` contract says it is
    /// rethrown unchanged.
    static func runTransaction<T: Sendable>(
        on connection: PostgresConnection,
        scope: AnyObject,
        logger: Logger,
        _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        do {
            try await connection.query("BEGIN", logger: logger)
        } catch {
            throw StoreError("Cannot begin a PostgreSQL transaction", underlying: error)
        }
        let value: T
        do {
            value = try await TransactionScope.run(in: scope) {
                try await body(connection.sql())
            }
        } catch {
            await rollback(connection, logger: logger)
            throw error
        }
        do {
            try await connection.query("COMMIT", logger: logger)
        } catch {
            // A failed COMMIT has already ended the transaction on the server; the
            // ROLLBACK is for the case where we cannot tell (it closes a broken connection).
            await rollback(connection, logger: logger)
            throw StoreError("Cannot commit the PostgreSQL transaction; it was rolled back", underlying: error)
        }
        return value
    }

    /// Rolls back; if that fails, closes the connection so that the pool never hands
    /// out a connection that is still inside a transaction.
    private static func rollback(_ connection: PostgresConnection, logger: Logger) async {
        do {
            try await connection.query("ROLLBACK", logger: logger)
        } catch {
            logger.warning("ROLLBACK failed; closing the connection", metadata: ["error": .string(StoreError.describe(error))])
            try? await connection.close()
        }
    }

    private static func tlsConfiguration(_ mode: PostgresTLSMode) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable, .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        return configuration
    }

    private static func connectionTLS(_ mode: PostgresTLSMode) throws -> PostgresConnection.Configuration.TLS {
        if mode == .disable { return .disable }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tlsConfiguration(mode))
        } catch {
            throw StoreError("Cannot set up TLS for PostgreSQL (sslmode=\(mode.rawValue))", underlying: error)
        }
        return mode == .prefer ? .prefer(context) : .require(context)
    }

    private static func clientTLS(_ mode: PostgresTLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(tlsConfiguration(mode))
        case .require, .verifyCA, .verifyFull: .require(tlsConfiguration(mode))
        }
    }
}

/// One leased PostgreSQL connection presented as a ``Database``; see
/// ``PostgresDatabase/withDedicatedConnection(_:)``.
final class PinnedPostgresDatabase: Database {
    var dialect: DatabaseDialect { .postgres }

    /// `PostgresConnection` is Sendable; it is valid only until ``release()``.
    let connection: PostgresConnection
    private let logger: Logger
    private let transactionLock = AsyncSerialLock()
    private let isReleased = Atomic<Bool>(false)

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func release() {
        isReleased.store(true, ordering: .releasing)
    }

    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try checkUsable()
        return try await body(connection.sql())
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try TransactionScope.checkNotNested(in: self)
        try await transactionLock.lock()
        defer { transactionLock.unlock() }
        try checkUsable()
        return try await PostgresDatabase.runTransaction(on: connection, scope: self, logger: logger, body)
    }

    /// The connection belongs to the pool; nothing to close here.
    func shutdown() async {
        release()
    }

    private func checkUsable() throws {
        if isReleased.load(ordering: .acquiring) {
            throw StoreError("A dedicated PostgreSQL connection was used after its withDedicatedConnection block ended")
        }
    }
}
