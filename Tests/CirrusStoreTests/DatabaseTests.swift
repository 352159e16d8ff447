import CirrusStore
import CirrusTestSupport
import Foundation
import Logging
import SQLKit
import Synchronization
import Testing

/// An error only tests throw, to check it comes back unchanged.
struct ExpectedFailure: Error, Equatable {}

/// The number of rows in `table`.
func rowCount(_ sql: any SQLDatabase, _ table: String) async throws -> Int {
    let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
    return try row?.decode(column: "n", as: Int.self) ?? -1
}

/// Inserts into `items` in a transaction and, before it commits, counts the rows from a
/// detached task, which inherits no transaction.
func insertThenCountDetached(_ db: any Database) async throws -> Int {
    let counter: @Sendable () async throws -> Int = {
        try await Task.detached { try await db.read { try await rowCount($0, "items") } }.value
    }
    return try await db.transaction { sql in
        try await sql.raw("INSERT INTO items (id) VALUES (2)").run()
        return try await counter()
    }
}

@Suite("Database transactions and reads")
struct DatabaseTests {
    @Test func committedTransactionIsVisibleToReads() async throws {
        try await withTestDatabase { db in
            try await db.transaction { sql in
                try await sql.raw("CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL)").run()
            }
            let returned = try await db.transaction { sql in
                try await sql.raw("INSERT INTO items (id, name) VALUES (1, 'one'), (2, 'two')").run()
                return "done"
            }
            #expect(returned == "done")
            let count = try await db.read { try await rowCount($0, "items") }
            #expect(count == 2)
            let name = try await db.read { sql in
                try await sql.select().column("name").from("items").where("id", .equal, SQLBind(2)).first()?
                    .decode(column: "name", as: String.self)
            }
            #expect(name == "two")
        }
    }

    @Test func thrownErrorRollsBackAndIsRethrownUnchanged() async throws {
        try await withTestDatabase { db in
            try await db.transaction { sql in
                try await sql.raw("CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL)").run()
            }
            await #expect(throws: ExpectedFailure()) {
                try await db.transaction { sql in
                    try await sql.raw("INSERT INTO items (id, name) VALUES (1, 'one')").run()
                    #expect(try await rowCount(sql, "items") == 1) // visible inside the transaction
                    throw ExpectedFailure()
                }
            }
            #expect(try await db.read { try await rowCount($0, "items") } == 0)

            // The connection is usable afterwards and not stuck inside a transaction.
            try await db.transaction { sql in
                try await sql.raw("INSERT INTO items (id, name) VALUES (1, 'again')").run()
            }
            #expect(try await db.read { try await rowCount($0, "items") } == 1)
        }
    }

    @Test func failingStatementRollsBackEarlierStatements() async throws {
        try await withTestDatabase { db in
            try await db.transaction { sql in
                try await sql.raw("CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL)").run()
            }
            await #expect(throws: (any Error).self) {
                try await db.transaction { sql in
                    try await sql.raw("INSERT INTO items (id, name) VALUES (1, 'one')").run()
                    try await sql.raw("INSERT INTO items (id, name) VALUES (1, 'duplicate')").run()
                }
            }
            #expect(try await db.read { try await rowCount($0, "items") } == 0)
        }
    }

    @Test func foreignKeysAreEnforced() async throws {
        try await withTestDatabase { db in
            try await db.transaction { sql in
                try await sql.raw("CREATE TABLE parents (id BIGINT PRIMARY KEY)").run()
                try await sql.raw("CREATE TABLE children (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES parents(id))").run()
            }
            await #expect(throws: (any Error).self) {
                try await db.transaction { sql in
                    try await sql.raw("INSERT INTO children (id, parent_id) VALUES (1, 42)").run()
                }
            }
        }
    }

    @Test func concurrentReadModifyWriteTransactionsDoNotLoseUpdates() async throws {
        try await withTestDatabase { db in
            try await db.transaction { sql in
                try await sql.raw("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)").run()
                try await sql.raw("INSERT INTO counter (id, n) VALUES (1, 0)").run()
            }
            // SQLite serialises transactions; PostgreSQL needs the row lock.
            let lockClause = db.dialect == .postgres ? " FOR UPDATE" : ""
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await db.transaction { sql in
                            let row = try await sql.raw("SELECT n FROM counter WHERE id = 1\(unsafeRaw: lockClause)").first()
                            let n = try #require(row).decode(column: "n", as: Int.self)
                            await Task.yield() // give other transactions every chance to interleave
                            try await sql.raw("UPDATE counter SET n = \(bind: n + 1) WHERE id = 1").run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let n = try await db.read { sql in
                try await sql.raw("SELECT n FROM counter WHERE id = 1").first()?.decode(column: "n", as: Int.self)
            }
            #expect(n == 50)
        }
    }

    @Test func concurrentReadsRunAlongsideTransactions() async throws {
        try await withTestDatabase { db in
            try await db.transaction { sql in
                try await sql.raw("CREATE TABLE items (id BIGINT PRIMARY KEY)").run()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        try await db.transaction { sql in
                            try await sql.raw("INSERT INTO items (id) VALUES (\(bind: i))").run()
                        }
                    }
                    group.addTask {
                        let count = try await db.read { try await rowCount($0, "items") }
                        #expect((0...20).contains(count))
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await db.read { try await rowCount($0, "items") } == 20)
        }
    }

    @Test func nestedTransactionOnSameDatabaseThrowsInsteadOfDeadlocking() async throws {
        try await withTestDatabase { db in
            try await db.transaction { sql in
                try await sql.raw("CREATE TABLE items (id BIGINT PRIMARY KEY)").run()
            }
            await #expect(throws: StoreError.self) {
                try await db.transaction { _ in
                    try await db.transaction { sql in
                        try await sql.raw("INSERT INTO items (id) VALUES (1)").run()
                    }
                }
            }
            #expect(try await db.read { try await rowCount($0, "items") } == 0)
            // Sequential transactions are of course fine.
            try await db.transaction { sql in try await sql.raw("INSERT INTO items (id) VALUES (1)").run() }
            try await db.transaction { sql in try await sql.raw("INSERT INTO items (id) VALUES (2)").run() }
            #expect(try await db.read { try await rowCount($0, "items") } == 2)
        }
    }

    /// A read on a second connection from inside a transaction would not see the
    /// transaction's rows, and on a PostgreSQL pool whose every connection is held by such
    /// transactions it would wait forever (this hung a CI run); it is refused.
    @Test func readInsideATransactionOnSameDatabaseThrowsInsteadOfDeadlocking() async throws {
        try await withTestDatabase { db in
            try await db.transaction { sql in
                try await sql.raw("CREATE TABLE items (id BIGINT PRIMARY KEY)").run()
            }
            await #expect(throws: StoreError.self) {
                try await db.transaction { sql in
                    try await sql.raw("INSERT INTO items (id) VALUES (1)").run()
                    _ = try await db.read { try await rowCount($0, "items") }
                }
            }
            #expect(try await db.read { try await rowCount($0, "items") } == 0)
            // A detached task does not inherit the transaction and may read (it sees committed rows only).
            let seen = try await insertThenCountDetached(db)
            #expect(seen == 0)
            #expect(try await db.read { try await rowCount($0, "items") } == 1)
        }
    }

    @Test func databaseRefusesWorkAfterShutdown() async throws {
        let db = try await TestDatabase.make()
        await TestDatabase.drop(db)
        await #expect(throws: StoreError.self) {
            try await db.read { sql in try await sql.raw("SELECT 1 AS one").run() }
        }
        await #expect(throws: StoreError.self) {
            try await db.transaction { sql in try await sql.raw("SELECT 1 AS one").run() }
        }
        await db.shutdown() // a second shutdown is harmless
    }

    @Test func dialectMatchesTheEnvironment() async throws {
        try await withTestDatabase { db in
            #expect(db.dialect == TestDatabase.dialect)
        }
    }
}

func withTemporarySQLite(_ body: (SQLiteDatabase) async throws -> Void) async throws {
    let db = try await SQLiteDatabase.openTemporary(logger: TestDatabase.defaultLogger)
    do {
        try await body(db)
    } catch {
        await db.shutdown()
        throw error
    }
    await db.shutdown()
}

@Suite("SQLite specifics")
struct SQLiteTests {
    @Test func connectionsUseWALAndForeignKeys() async throws {
        try await withTemporarySQLite { db in
            let mode = try await db.read { sql in
                try await sql.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
            }
            #expect(mode == "wal")
            let foreignKeys = try await db.transaction { sql in
                try await sql.raw("PRAGMA foreign_keys").first()?.decode(column: "foreign_keys", as: Int.self)
            }
            #expect(foreignKeys == 1)
            let timeout = try await db.read { sql in
                try await sql.raw("PRAGMA busy_timeout").first()?.decode(column: "timeout", as: Int.self)
            }
            #expect(timeout == 5000)
            let synchronous = try await db.transaction { sql in
                try await sql.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self)
            }
            #expect(synchronous == 1) // NORMAL
        }
    }

    @Test func readsCannotWrite() async throws {
        try await withTemporarySQLite { db in
            try await db.transaction { sql in try await sql.raw("CREATE TABLE items (id INTEGER PRIMARY KEY)").run() }
            await #expect(throws: (any Error).self) {
                try await db.read { sql in try await sql.raw("INSERT INTO items (id) VALUES (1)").run() }
            }
        }
    }

    @Test func temporaryDatabaseDirectoryIsRemovedOnShutdown() async throws {
        let db = try await SQLiteDatabase.openTemporary(logger: TestDatabase.defaultLogger)
        let directory = (db.path as NSString).deletingLastPathComponent
        #expect(FileManager.default.fileExists(atPath: db.path))
        await db.shutdown()
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test func openCreatesMissingDirectoriesAndDataSurvivesReopen() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cirrus-store-test-\(UInt32.random(in: .min ... .max))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configuration = try DatabaseConfiguration.parse(nil, dataDirectory: root + "/a/b")
        #expect(configuration == .sqlite(path: root + "/a/b/cirrus.sqlite"))
        let logger = TestDatabase.defaultLogger

        let first = try await configuration.open(logger: logger)
        try await first.transaction { sql in
            try await sql.raw("CREATE TABLE items (id INTEGER PRIMARY KEY)").run()
            try await sql.raw("INSERT INTO items (id) VALUES (7)").run()
        }
        await first.shutdown()

        let second = try await configuration.open(logger: logger)
        #expect(try await second.read { try await rowCount($0, "items") } == 1)
        await second.shutdown()
    }
}
