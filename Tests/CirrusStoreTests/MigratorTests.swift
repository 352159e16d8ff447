import CirrusStore
import CirrusTestSupport
import Logging
import SQLKit
import Synchronization
import Testing

/// Counts how often each migration version's `apply` ran.
final class ApplyCounter: Sendable {
    private let counts = Mutex<[Int: Int]>([:])
    func record(_ version: Int) { counts.withLock { $0[version, default: 0] += 1 } }
    func count(_ version: Int) -> Int { counts.withLock { $0[version, default: 0] } }
}

func tableMigration(_ version: Int, counter: ApplyCounter? = nil) -> Migration {
    Migration(version: version, name: "create t\(version)") { sql, _ in
        counter?.record(version)
        try await sql.raw("CREATE TABLE \(ident: "t\(version)") (id BIGINT PRIMARY KEY)").run()
    }
}

let migrationLogger: Logger = {
    var logger = Logger(label: "cirrus.test.migrator")
    logger.logLevel = .warning
    return logger
}()

@Suite("Migrator")
struct MigratorTests {
    @Test func appliesPendingMigrationsOnceInVersionOrder() async throws {
        try await withTestDatabase { db in
            let counter = ApplyCounter()
            // Given out of order on purpose: 2 depends on 1.
            let migrations = [
                Migration(version: 2, name: "fill t1") { sql, _ in
                    counter.record(2)
                    try await sql.raw("INSERT INTO t1 (id) VALUES (1)").run()
                },
                tableMigration(1, counter: counter),
            ]
            let migrator = Migrator(migrations: migrations)
            #expect(try await migrator.migrate(db, logger: migrationLogger) == [1, 2])
            #expect(try await migrator.migrate(db, logger: migrationLogger) == [])
            #expect(counter.count(1) == 1 && counter.count(2) == 1)
            #expect(try await Migrator.appliedVersions(in: db) == [1, 2])
            #expect(try await db.read { try await rowCount($0, "t1") } == 1)

            // A later build adds a migration: only it runs.
            let later = Migrator(migrations: migrations + [tableMigration(3, counter: counter)])
            #expect(try await later.migrate(db, logger: migrationLogger) == [3])
            #expect(counter.count(1) == 1 && counter.count(3) == 1)

            let recorded = try await db.read { sql in
                try await sql.raw("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all()
            }
            #expect(try recorded.map { try $0.decode(column: "name", as: String.self) } == ["create t1", "fill t1", "create t3"])
            #expect(try recorded.allSatisfy { try $0.decode(column: "applied_at", as: Int64.self) > 1_600_000_000_000 })
        }
    }

    @Test func refusesADatabaseMigratedByANewerVersion() async throws {
        try await withTestDatabase { db in
            _ = try await Migrator(migrations: [tableMigration(1), tableMigration(2), tableMigration(3)])
                .migrate(db, logger: migrationLogger)
            let older = Migrator(migrations: [tableMigration(1), tableMigration(2)])
            let error = await #expect(throws: StoreError.self) {
                try await older.migrate(db, logger: migrationLogger)
            }
            #expect(error?.message.contains("does not know") == true)
            #expect(error?.message.contains("3 (create t3)") == true)
        }
    }

    @Test func failedMigrationIsRolledBackAndEarlierOnesStay() async throws {
        try await withTestDatabase { db throws in
            let failing = Migration(version: 2, name: "half done") { sql, _ in
                try await sql.raw("CREATE TABLE half (id BIGINT PRIMARY KEY)").run()
                throw ExpectedFailure()
            }
            let error = await #expect(throws: StoreError.self) {
                try await Migrator(migrations: [tableMigration(1), failing]).migrate(db, logger: migrationLogger)
            }
            #expect(error?.underlying is ExpectedFailure)
            #expect(try await Migrator.appliedVersions(in: db) == [1])
            await #expect(throws: (any Error).self) {
                try await db.read { try await rowCount($0, "half") }
            }
            // Fixed in the next build: runs fine.
            #expect(try await Migrator(migrations: [tableMigration(1), tableMigration(2)]).migrate(db, logger: migrationLogger) == [2])
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationExactlyOnce() async throws {
        try await withTestDatabase { db in
            let counter = ApplyCounter()
            let migrations = (1...5).map { tableMigration($0, counter: counter) }
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask { try await Migrator(migrations: migrations).migrate(db, logger: migrationLogger) }
                }
                var all: [Int] = []
                for try await versions in group { all += versions }
                return all
            }
            #expect(applied.sorted() == [1, 2, 3, 4, 5])
            #expect((1...5).allSatisfy { counter.count($0) == 1 })
            #expect(try await Migrator.appliedVersions(in: db) == [1, 2, 3, 4, 5])
        }
    }

    @Test func rejectsDuplicateAndNonPositiveVersions() async throws {
        try await withTestDatabase { db in
            await #expect(throws: StoreError.self) {
                try await Migrator(migrations: [tableMigration(1), tableMigration(1)]).migrate(db, logger: migrationLogger)
            }
            await #expect(throws: StoreError.self) {
                try await Migrator(migrations: [tableMigration(0)]).migrate(db, logger: migrationLogger)
            }
        }
    }

    @Test func rejectsAnUnappliedMigrationOlderThanAnAppliedOne() async throws {
        try await withTestDatabase { db in
            _ = try await Migrator(migrations: [tableMigration(1), tableMigration(3)]).migrate(db, logger: migrationLogger)
            let error = await #expect(throws: StoreError.self) {
                try await Migrator(migrations: [tableMigration(1), tableMigration(2), tableMigration(3)])
                    .migrate(db, logger: migrationLogger)
            }
            #expect(error?.message.contains("Migration 2") == true)
        }
    }
}

@Suite("Migrator on PostgreSQL", .enabled(if: TestDatabase.dialect == .postgres, "needs CIRRUS_TEST_DATABASE_URL"))
struct PostgresMigratorTests {
    /// Advisory locks granted in the current database.
    static func advisoryLocks(_ sql: any SQLDatabase) async throws -> Int {
        let row = try await sql.raw("""
            SELECT COUNT(*) AS n FROM pg_locks
            WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """).first()
        return try row?.decode(column: "n", as: Int.self) ?? -1
    }

    @Test func migrationsRunUnderTheAdvisoryLockAndReleaseIt() async throws {
        try await withTestDatabase { db throws in
            let seen = OrderRecorder()
            let probe = Migration(version: 1, name: "look at pg_locks") { sql, dialect in
                #expect(dialect == .postgres)
                seen.append(try await Self.advisoryLocks(sql))
            }
            #expect(try await Migrator(migrations: [probe]).migrate(db, logger: migrationLogger) == [1])
            #expect(seen.all == [1])
            #expect(try await db.read { try await Self.advisoryLocks($0) } == 0)
        }
    }
}
