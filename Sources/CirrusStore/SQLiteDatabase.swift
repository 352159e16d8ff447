import Foundation
import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// The embedded database: one SQLite file in WAL mode.
///
/// - One *writer* connection carries every ``transaction(_:)``. Transactions are
///   serialised in FIFO order by an asynchronous lock (waiting tasks suspend; no
///   thread blocks) and run as `BEGIN IMMEDIATE` … `COMMIT`/`ROLLBACK`.
/// - A small fixed set of *reader* connections serve ``read(_:)`` round-robin. WAL
///   lets them run concurrently with each other and with the writer. Reader
///   connections are opened with `PRAGMA query_only=ON`: writing outside
///   ``transaction(_:)`` fails immediately instead of competing with the writer.
/// - Every libsqlite3 call runs on a `NIOThreadPool`, never on the Swift
///   cooperative pool.
///
/// Every connection sets `journal_mode=WAL`, `synchronous=NORMAL`,
/// `foreign_keys=ON` and `busy_timeout=5000`.
///
/// Only one process should use a database file at a time; management servers
/// using the default file guard the data directory with ``DataDirectoryLock``.
///
/// SQLite in this build has no shared cache, so there is no true in-memory mode
/// with several connections; tests use ``openTemporary(logger:)`` instead, a file in
/// a fresh temporary directory that is deleted on ``shutdown()``.
public final class SQLiteDatabase: Database {
    /// Always ``DatabaseDialect/sqlite``.
    public var dialect: DatabaseDialect { .sqlite }

    /// The path of the database file.
    public let path: String

    /// The default number of reader connections.
    public static let defaultReaderCount = 4

    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let writerLock = AsyncSerialLock()
    private let threadPool: NIOThreadPool
    private let ownsThreadPool: Bool
    private let removeDirectoryOnShutdown: String?
    private let logger: Logger
    private let isShutDown = Atomic<Bool>(false)

    private init(
        path: String,
        writer: SQLiteConnection,
        readers: [SQLiteConnection],
        threadPool: NIOThreadPool,
        ownsThreadPool: Bool,
        removeDirectoryOnShutdown: String?,
        logger: Logger
    ) {
        self.path = path
        self.writer = writer
        self.readers = readers
        self.threadPool = threadPool
        self.ownsThreadPool = ownsThreadPool
        self.removeDirectoryOnShutdown = removeDirectoryOnShutdown
        self.logger = logger
    }

    /// Opens (creating if needed) the database file at `path`, creating its parent
    /// directory if it is missing.
    ///
    /// - Parameters:
    ///   - path: The database file. Relative paths are resolved against the current directory.
    ///   - logger: Receives connection events; SQL statements are logged at `debug`.
    ///   - readerCount: How many reader connections to open (at least 1).
    ///   - threadPool: The pool that runs libsqlite3 calls. When `nil`, the database
    ///     starts a pool of its own with one thread per connection and shuts it
    ///     down in ``shutdown()``.
    /// - Throws: ``StoreError`` when the file cannot be opened or configured.
    public static func open(
        path: String,
        logger: Logger,
        readerCount: Int = SQLiteDatabase.defaultReaderCount,
        threadPool: NIOThreadPool? = nil
    ) async throws -> SQLiteDatabase {
        try await open(path: path, logger: logger, readerCount: readerCount, threadPool: threadPool, removeDirectoryOnShutdown: nil)
    }

    /// Opens a new, empty database in a fresh temporary directory. The directory
    /// and everything in it are deleted by ``shutdown()``. Meant for tests.
    public static func openTemporary(logger: Logger, readerCount: Int = 2) async throws -> SQLiteDatabase {
        let name = "cirrus-test-\(UInt64.random(in: .min ... .max).hexString)"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        return try await open(
            path: directory + "/cirrus.sqlite",
            logger: logger,
            readerCount: readerCount,
            threadPool: nil,
            removeDirectoryOnShutdown: directory
        )
    }

    private static func open(
        path: String,
        logger: Logger,
        readerCount: Int,
        threadPool givenPool: NIOThreadPool?,
        removeDirectoryOnShutdown: String?
    ) async throws -> SQLiteDatabase {
        precondition(readerCount >= 1, "SQLiteDatabase needs at least one reader connection")
        let pool: NIOThreadPool
        if let givenPool {
            pool = givenPool
        } else {
            pool = NIOThreadPool(numberOfThreads: readerCount + 1)
            pool.start()
        }
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        var opened: [SQLiteConnection] = []
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try await pool.runIfActive {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw StoreError("Cannot create the directory \(directory) for the SQLite database", underlying: error)
                }
            }

            func connect(role: String) async throws -> SQLiteConnection {
                do {
                    let connection = try await SQLiteConnection.open(
                        storage: .file(path: path), threadPool: pool, logger: logger, on: eventLoop
                    )
                    opened.append(connection)
                    return connection
                } catch {
                    throw StoreError("Cannot open the SQLite database \(path) (\(role) connection)", underlying: error)
                }
            }

            // The writer goes first: switching to WAL needs the file to itself.
            let writer = try await connect(role: "writer")
            try await configure(writer, path: path, role: "writer", logger: logger, queryOnly: false)
            var readers: [SQLiteConnection] = []
            for index in 0..<readerCount {
                let reader = try await connect(role: "reader \(index)")
                try await configure(reader, path: path, role: "reader \(index)", logger: logger, queryOnly: true)
                readers.append(reader)
            }
            logger.info("Opened SQLite database", metadata: ["path": .string(path), "readers": .stringConvertible(readerCount)])
            return SQLiteDatabase(
                path: path,
                writer: writer,
                readers: readers,
                threadPool: pool,
                ownsThreadPool: givenPool == nil,
                removeDirectoryOnShutdown: removeDirectoryOnShutdown,
                logger: logger
            )
        } catch {
            for connection in opened {
                try? await connection.close()
            }
            if givenPool == nil {
                try? await pool.shutdownGracefully()
            }
            throw error
        }
    }

    private static func configure(
        _ connection: SQLiteConnection, path: String, role: String, logger: Logger, queryOnly: Bool
    ) async throws {
        // busy_timeout first, so that the journal-mode switch waits for a lock if it must.
        // It also replaces SQLiteNIO's default busy handler, which retries forever.
        var pragmas = [
            "PRAGMA busy_timeout = 5000",
            "PRAGMA foreign_keys = ON",
            "PRAGMA synchronous = NORMAL",
        ]
        if queryOnly { pragmas.append("PRAGMA query_only = ON") }
        let sql = connection.sql(queryLogLevel: nil)
        do {
            let row = try await sql.raw("PRAGMA journal_mode = WAL").first()
            let mode = try row?.decode(column: "journal_mode", as: String.self)
            if mode?.lowercased() != "wal" {
                throw StoreError("SQLite refused to switch \(path) to WAL mode (journal_mode is \(mode ?? "unknown"))")
            }
            for pragma in pragmas {
                try await sql.raw(SQLQueryString(pragma)).run()
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("Cannot configure the SQLite \(role) connection to \(path)", underlying: error)
        }
    }

    /// Runs `body` on one of the reader connections (chosen round-robin).
    ///
    /// Reader connections are read-only (`query_only`); use ``transaction(_:)`` to write.
    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try checkOpen()
        try TransactionScope.checkNoReadInside(self)
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        let reader = readers[Int(UInt(bitPattern: index) % UInt(readers.count))]
        return try await body(reader.sql())
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction on the writer connection.
    ///
    /// Transactions run one at a time in the order they were requested. A task that is
    /// cancelled while waiting for its turn throws `CancellationError` without starting.
    /// Calling `transaction` again from inside `body` (or from a task `body` starts) on the
    /// same database throws a ``StoreError`` instead of deadlocking; use the
    /// `SQLDatabase` you were given.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try TransactionScope.checkNotNested(in: self)
        try await writerLock.lock()
        defer { writerLock.unlock() }
        try checkOpen()

        let connection = writer
        do {
            try await connection.query("BEGIN IMMEDIATE", [], { _ in })
        } catch {
            throw StoreError("Cannot begin a transaction on \(path)", underlying: error)
        }
        let value: T
        do {
            value = try await TransactionScope.run(in: self) {
                try await body(connection.sql())
            }
        } catch {
            await rollback()
            throw error
        }
        do {
            try await connection.query("COMMIT", [], { _ in })
        } catch {
            await rollback()
            throw StoreError("Cannot commit the transaction on \(path); it was rolled back", underlying: error)
        }
        return value
    }

    private func rollback() async {
        do {
            try await writer.query("ROLLBACK", [], { _ in })
        } catch {
            // SQLite rolls back by itself after some errors (e.g. SQLITE_FULL); then there is
            // no transaction left to roll back, which is fine.
            logger.debug("ROLLBACK failed", metadata: ["error": .string(StoreError.describe(error))])
        }
    }

    /// Waits for the running transaction (if any), then closes every connection, stops
    /// the thread pool if the database owns it, and deletes the temporary directory of a
    /// database made by ``openTemporary(logger:readerCount:)``. Calling it again does nothing.
    public func shutdown() async {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Wait for the transaction in progress; queued ones then fail in checkOpen().
        let locked = (try? await writerLock.lockIgnoringCancellation()) != nil
        defer { if locked { writerLock.unlock() } }
        for connection in [writer] + readers {
            do {
                try await connection.close()
            } catch {
                logger.warning("Closing an SQLite connection failed", metadata: ["error": .string(StoreError.describe(error))])
            }
        }
        if let directory = removeDirectoryOnShutdown {
            do {
                try await threadPool.runIfActive {
                    try FileManager.default.removeItem(atPath: directory)
                }
            } catch {
                logger.warning("Cannot remove the temporary database directory", metadata: [
                    "directory": .string(directory), "error": .string(StoreError.describe(error)),
                ])
            }
        }
        if ownsThreadPool {
            try? await threadPool.shutdownGracefully()
        }
        logger.debug("Closed SQLite database", metadata: ["path": .string(path)])
    }

    private func checkOpen() throws {
        if isShutDown.load(ordering: .acquiring) {
            throw StoreError("The SQLite database \(path) has been shut down")
        }
    }
}

// MARK: - Asynchronous FIFO lock

/// A mutual-exclusion lock for async code. Waiters suspend (no thread blocks) and are
/// granted the lock in arrival order. `unlock()` is synchronous, so it can run in `defer`.
///
/// Its state is guarded by a `Mutex` whose critical sections only touch a few fields
/// and never suspend or call out; continuations are resumed after the mutex is released.
final class AsyncSerialLock: Sendable {
    private enum Waiter {
        /// Has an id but has not registered its continuation yet.
        case arriving
        /// Was cancelled before it registered its continuation.
        case cancelled
        case waiting(CheckedContinuation<Void, any Error>)
    }

    private struct State {
        var isLocked = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var queue: [UInt64] = []
    }

    private let state = Mutex(State())

    init() {}

    /// Suspends until the lock is free, then takes it. Throws `CancellationError`
    /// (without taking the lock) if the task is cancelled while waiting.
    func lock() async throws {
        try await lock(cancellable: true)
    }

    /// Like ``lock()``, but keeps waiting even if the task is cancelled.
    func lockIgnoringCancellation() async throws {
        try await lock(cancellable: false)
    }

    private func lock(cancellable: Bool) async throws {
        if cancellable { try Task.checkCancellation() }
        let id: UInt64? = state.withLock { state in
            if !state.isLocked && state.queue.isEmpty {
                state.isLocked = true
                return nil
            }
            state.nextID &+= 1
            state.waiters[state.nextID] = .arriving
            return state.nextID
        }
        guard let id else { return }

        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case acquired, cancelled, wait }
                let outcome: Outcome = state.withLock { state in
                    if case .cancelled = state.waiters[id] {
                        state.waiters[id] = nil
                        return .cancelled
                    }
                    if !state.isLocked && state.queue.isEmpty {
                        state.waiters[id] = nil
                        state.isLocked = true
                        return .acquired
                    }
                    state.waiters[id] = .waiting(continuation)
                    state.queue.append(id)
                    return .wait
                }
                switch outcome {
                case .acquired: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            guard cancellable else { return }
            let continuation: CheckedContinuation<Void, any Error>? = state.withLock { state in
                switch state.waiters[id] {
                case .arriving:
                    state.waiters[id] = .cancelled
                    return nil
                case .waiting(let continuation):
                    state.waiters[id] = nil
                    state.queue.removeAll { $0 == id }
                    return continuation
                case .cancelled, nil:
                    // Already granted (or already cancelled): nothing to do.
                    return nil
                }
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// How many tasks are waiting for the lock (for tests and diagnostics).
    var waiterCount: Int {
        state.withLock { $0.queue.count }
    }

    /// Releases the lock, handing it directly to the longest waiter if there is one.
    func unlock() {
        let next: CheckedContinuation<Void, any Error>? = state.withLock { state in
            precondition(state.isLocked, "AsyncSerialLock.unlock() called while not locked")
            while !state.queue.isEmpty {
                let id = state.queue.removeFirst()
                if case .waiting(let continuation) = state.waiters.removeValue(forKey: id) {
                    return continuation // the lock stays taken, now by this waiter
                }
            }
            state.isLocked = false
            return nil
        }
        next?.resume()
    }
}

// MARK: - Nested transaction detection

/// Marks the tasks running inside a transaction so that a nested `transaction` call on
/// the same database fails fast instead of deadlocking (SQLite: the writer lock is not
/// re-entrant) or silently running on a second connection (PostgreSQL).
enum TransactionScope {
    /// One running transaction. Only `let`s of Sendable types: safe to share.
    final class Marker: Sendable {
        let owner: ObjectIdentifier
        let isActive = Atomic<Bool>(true)
        init(owner: ObjectIdentifier) { self.owner = owner }
    }

    @TaskLocal static var markers: [Marker] = []

    static func checkNotNested(in database: AnyObject) throws {
        let owner = ObjectIdentifier(database)
        if markers.contains(where: { $0.owner == owner && $0.isActive.load(ordering: .acquiring) }) {
            throw StoreError(
                "transaction(_:) was called inside a transaction on the same database; "
                    + "use the SQLDatabase passed to the outer transaction instead"
            )
        }
    }

    /// A `read` from inside a transaction on the same database would use a second
    /// connection: it does not see the transaction's changes, and on a pool whose every
    /// connection is held by such transactions it waits forever. Refused like nesting.
    static func checkNoReadInside(_ database: AnyObject) throws {
        let owner = ObjectIdentifier(database)
        if markers.contains(where: { $0.owner == owner && $0.isActive.load(ordering: .acquiring) }) {
            throw StoreError(
                "read(_:) was called inside a transaction on the same database; "
                    + "use the SQLDatabase passed to the transaction instead"
            )
        }
    }

    static func run<T: Sendable>(in database: AnyObject, _ body: () async throws -> T) async throws -> T {
        let marker = Marker(owner: ObjectIdentifier(database))
        defer { marker.isActive.store(false, ordering: .releasing) }
        return try await $markers.withValue(markers + [marker]) {
            try await body()
        }
    }
}

extension UInt64 {
    /// Sixteen lowercase hexadecimal digits.
    var hexString: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
