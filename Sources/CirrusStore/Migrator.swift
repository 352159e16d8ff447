import Foundation
import Logging
import SQLKit

/// One step of the schema's history. Migrations are identified by `version`, applied
/// in increasing version order, and never edited once released.
public struct Migration: Sendable {
    /// A positive number, unique among migrations; later migrations have higher numbers.
    public let version: Int
    /// A short description, recorded next to the version.
    public let name: String
    /// Changes the schema. Runs inside a transaction that also records the migration,
    /// so a failure leaves no trace. Use the dialect only where the engines truly differ.
    public let apply: @Sendable (any SQLDatabase, DatabaseDialect) async throws -> Void

    /// Creates a migration.
    public init(
        version: Int,
        name: String,
        apply: @escaping @Sendable (any SQLDatabase, DatabaseDialect) async throws -> Void
    ) {
        self.version = version
        self.name = name
        self.apply = apply
    }
}

/// Brings a database's schema up to date with the migrations the code knows.
///
/// Applied migrations are recorded in `schema_migrations(version, name, applied_at)`
/// (`applied_at` in milliseconds since the epoch, like every stored timestamp).
/// Each pending migration runs in its own transaction together with its bookkeeping
/// row. On PostgreSQL the whole run holds the advisory lock ``advisoryLockKey`` on one
/// connection, so management servers starting together migrate exactly once; on SQLite
/// every migration re-checks `schema_migrations` inside its `BEGIN IMMEDIATE`
/// transaction, which gives the same guarantee.
public struct Migrator: Sendable {
    /// The advisory lock guarding migrations on PostgreSQL ("cirrusmg" in ASCII).
    public static let advisoryLockKey: Int64 = 0x6369_7272_7573_6D67

    /// The table recording applied migrations.
    public static let tableName = "schema_migrations"

    /// The known migrations, in version order.
    public let migrations: [Migration]

    /// Creates a migrator for `migrations` (in any order).
    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies every pending migration and returns the versions it applied, in order
    /// (empty when the schema was already current, or another server applied them).
    ///
    /// - Throws: ``StoreError`` when the migration list is invalid (duplicate or
    ///   non-positive versions), when the database records a migration this code does
    ///   not know (it was migrated by a newer Cirrus), when an unapplied migration is
    ///   older than one already applied, or when a migration fails (it is rolled back;
    ///   migrations before it stay applied).
    public func migrate(_ db: any Database, logger: Logger) async throws -> [Int] {
        try validate()
        if let postgres = db as? PostgresDatabase {
            logger.debug("Waiting for the migration lock", metadata: ["key": .stringConvertible(Self.advisoryLockKey)])
            return try await postgres.withAdvisoryLock(key: Self.advisoryLockKey) { pinned in
                try await run(on: pinned, logger: logger)
            }
        }
        return try await run(on: db, logger: logger)
    }

    /// The versions recorded in `schema_migrations`, in increasing order (empty for a
    /// database that was never migrated).
    public static func appliedVersions(in db: any Database) async throws -> [Int] {
        try await ensureTable(db)
        return try await applied(db).map(\.version)
    }

    private func validate() throws {
        var seen = Set<Int>()
        for migration in migrations {
            guard migration.version > 0 else {
                throw StoreError("Migration '\(migration.name)' has version \(migration.version); versions must be positive")
            }
            guard seen.insert(migration.version).inserted else {
                throw StoreError("Two migrations have version \(migration.version); versions must be unique")
            }
        }
    }

    private func run(on db: any Database, logger: Logger) async throws -> [Int] {
        try await Self.ensureTable(db)
        let applied = try await Self.applied(db)
        let appliedVersions = Set(applied.map(\.version))
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })

        let unknown = applied.filter { known[$0.version] == nil }
        if !unknown.isEmpty {
            let list = unknown.map { "\($0.version) (\($0.name))" }.joined(separator: ", ")
            let newest = migrations.last.map { "\($0.version)" } ?? "none"
            throw StoreError(
                "The database has schema migration(s) \(list) that this version of Cirrus does not know "
                    + "(its newest is \(newest)); it was upgraded by a newer Cirrus. "
                    + "Refusing to start: run the newer Cirrus, or restore a backup taken before the upgrade."
            )
        }
        for record in applied {
            if let migration = known[record.version], migration.name != record.name {
                logger.warning("A migration's name differs from the one recorded in the database", metadata: [
                    "version": .stringConvertible(record.version),
                    "recorded": .string(record.name),
                    "code": .string(migration.name),
                ])
            }
        }

        let pending = migrations.filter { !appliedVersions.contains($0.version) }
        if let newestApplied = applied.last?.version, let stray = pending.first(where: { $0.version < newestApplied }) {
            throw StoreError(
                "Migration \(stray.version) (\(stray.name)) has not been applied, but the database already has "
                    + "the later migration \(newestApplied); new migrations must have versions above every released one"
            )
        }

        var done: [Int] = []
        for migration in pending {
            let dialect = db.dialect
            let didApply: Bool
            do {
                didApply = try await db.transaction { sql in
                    let already = try await sql.select()
                        .column("version")
                        .from(Self.tableName)
                        .where("version", .equal, SQLBind(migration.version))
                        .first()
                    if already != nil { return false }
                    try await migration.apply(sql, dialect)
                    let appliedAt = Int64((Date().timeIntervalSince1970 * 1000).rounded())
                    try await sql.insert(into: Self.tableName)
                        .columns("version", "name", "applied_at")
                        .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(appliedAt))
                        .run()
                    return true
                }
            } catch {
                throw StoreError("Migration \(migration.version) (\(migration.name)) failed and was rolled back", underlying: error)
            }
            if didApply {
                logger.info("Applied migration", metadata: [
                    "version": .stringConvertible(migration.version), "name": .string(migration.name),
                ])
                done.append(migration.version)
            }
        }
        if let newest = migrations.last {
            logger.info("Database schema is current", metadata: [
                "version": .stringConvertible(newest.version), "applied": .stringConvertible(done.count),
            ])
        }
        return done
    }

    private static func ensureTable(_ db: any Database) async throws {
        do {
            try await db.transaction { sql in
                try await sql.raw("""
                    CREATE TABLE IF NOT EXISTS \(ident: tableName) (
                        version BIGINT NOT NULL PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at BIGINT NOT NULL
                    )
                    """).run()
            }
        } catch {
            throw StoreError("Cannot create the \(tableName) table", underlying: error)
        }
    }

    private struct AppliedMigration: Sendable {
        var version: Int
        var name: String
    }

    private static func applied(_ db: any Database) async throws -> [AppliedMigration] {
        do {
            return try await db.read { sql in
                try await sql.select()
                    .columns("version", "name")
                    .from(tableName)
                    .orderBy("version")
                    .all()
                    .map { row in
                        AppliedMigration(
                            version: try row.decode(column: "version", as: Int.self),
                            name: try row.decode(column: "name", as: String.self)
                        )
                    }
            }
        } catch {
            throw StoreError("Cannot read the \(tableName) table", underlying: error)
        }
    }
}
