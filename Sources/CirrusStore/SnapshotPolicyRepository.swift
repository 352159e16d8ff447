import CirrusModel
import Foundation
import SQLKit

/// A policy with the names `listSnapshotPolicies` shows beside it.
public struct SnapshotPolicyListItem: Sendable {
    public var policy: SnapshotPolicy
    public var volumeUUID: UUID
    public var zoneUUID: UUID?
    public var zoneName: String?
    public var tags: [ResourceTag] = []
}

/// Recurring snapshot policies (`snapshot_policies`), each carrying its next run.
public enum SnapshotPolicyRepository {
    static let table = "snapshot_policies"

    static func map(_ row: any SQLRow) throws -> SnapshotPolicy {
        let interval = try row.enumValue("interval_type", as: SnapshotIntervalType.self)
        let text = try row.string("schedule")
        guard let schedule = try? SnapshotSchedule.parse(text, interval: interval) else { throw StoreError("Snapshot policy has an invalid schedule \(text)") }
        return SnapshotPolicy(id: try row.int64("id"), uuid: try row.uuid("uuid"), volumeID: try row.int64("volume_id"), accountID: try row.int64("account_id"),
                              domainID: try row.int64("domain_id"), schedule: schedule, timeZone: try row.string("timezone"), maxSnaps: try row.int("max_snaps"),
                              display: try row.bool("display"), nextRun: try row.date("next_run"), created: try row.date("created"),
                              removed: try row.optionalDate("removed"))
    }

    static func fields(_ p: SnapshotPolicy) -> [ColumnValue] {
        [("volume_id", SQLBind(p.volumeID)), ("account_id", SQLBind(p.accountID)), ("domain_id", SQLBind(p.domainID)),
         ("interval_type", SQLBind(p.interval.rawValue)), ("schedule", SQLBind(p.schedule.text)), ("timezone", SQLBind(p.timeZone)),
         ("max_snaps", SQLBind(p.maxSnaps)), ("display", SQLBind(p.display)), ("next_run", SQLBind(p.nextRun.storedMillis))]
    }

    public static func insert(_ sql: any SQLDatabase, _ p: SnapshotPolicy) async throws -> SnapshotPolicy {
        let id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(p.uuid.stored))] + fields(p) + [("created", SQLBind(p.created.storedMillis))])
        var out = p
        out.id = id
        return out
    }

    /// Rewrites schedule, time zone, retention, display flag and next run.
    public static func update(_ sql: any SQLDatabase, _ p: SnapshotPolicy) async throws {
        try await updateColumns(sql, table: table, id: p.id, fields(p))
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> SnapshotPolicy? {
        try await sql.select().column("*").from(table).where("uuid", .equal, SQLBind(uuid.stored)).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> SnapshotPolicy? {
        try await sql.select().column("*").from(table).where("id", .equal, literal(id)).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live policies of a volume.
    public static func of(_ sql: any SQLDatabase, volumeID: Int64) async throws -> [SnapshotPolicy] {
        try await sql.select().column("*").from(table).where("volume_id", .equal, literal(volumeID)).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(map)
    }

    /// Policies whose next run is at or before `now`.
    public static func due(_ sql: any SQLDatabase, now: Date, limit: Int) async throws -> [SnapshotPolicy] {
        try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null).where("next_run", .lessThanOrEqual, SQLBind(now.storedMillis))
            .orderBy("next_run").limit(limit).all().map(map)
    }

    /// Moves a policy's next run from `expected` to `next`; false when another server already did.
    public static func advance(_ sql: any SQLDatabase, id: Int64, from expected: Date, to next: Date) async throws -> Bool {
        let rows = try await sql.update(table).set("next_run", to: SQLBind(next.storedMillis)).where("id", .equal, literal(id))
            .where("next_run", .equal, SQLBind(expected.storedMillis)).where("removed", .is, SQLLiteral.null).returning("id").all()
        return !rows.isEmpty
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: SQLBind(date.storedMillis)).where("id", .equal, literal(id)).run()
    }

    /// Removes every policy of a volume (the volume is going away).
    public static func removeAll(_ sql: any SQLDatabase, volumeID: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: SQLBind(date.storedMillis)).where("volume_id", .equal, literal(volumeID))
            .where("removed", .is, SQLLiteral.null).run()
    }

    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var volumeID: Int64?
        public var display: Bool?

        public init() {}
    }

    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int = 0, limit: Int? = nil) async throws -> Listing<SnapshotPolicyListItem> {
        func filtered(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(SQLAlias(SQLIdentifier(table), as: SQLIdentifier("p")))
                .join(SQLAlias(SQLIdentifier("volumes"), as: SQLIdentifier("v")), method: SQLJoinMethod.inner, on: SQLColumn("id", table: "v"), .equal, SQLColumn("volume_id", table: "p"))
                .join(SQLAlias(SQLIdentifier("zones"), as: SQLIdentifier("z")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "z"), .equal, SQLColumn("zone_id", table: "v"))
                .where(SQLColumn("removed", table: "p"), .is, SQLLiteral.null)
            b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLColumn("account_id", table: "p"), domainColumn: SQLColumn("domain_id", table: "p"))
            if let id = f.id { b = b.where(SQLColumn("id", table: "p"), .equal, literal(id)) }
            if let v = f.volumeID { b = b.where(SQLColumn("volume_id", table: "p"), .equal, literal(v)) }
            if let d = f.display { b = b.where(SQLColumn("display", table: "p"), .equal, SQLBind(d)) }
            return b
        }
        return try await fetchListing(sql, columns: SQLRaw(#""p".*, "v"."uuid" AS "volume_uuid", "z"."uuid" AS "zone_uuid", "z"."name" AS "zone_name""#),
                                      filtered: filtered, order: { $0.orderBy(SQLColumn("id", table: "p")) }, offset: offset, limit: limit) { row in
            SnapshotPolicyListItem(policy: try map(row), volumeUUID: try row.uuid("volume_uuid"), zoneUUID: try row.optionalUUID("zone_uuid"),
                                   zoneName: try row.optionalString("zone_name"))
        }
    }
}
