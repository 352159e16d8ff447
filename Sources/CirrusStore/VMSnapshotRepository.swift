import CirrusModel
import Foundation
import SQLKit

/// An instance snapshot with the names `listVMSnapshot` shows beside it.
public struct VMSnapshotListItem: Sendable {
    public var snapshot: VMSnapshot
    public var instanceUUID: UUID?
    public var instanceName: String?
    public var hypervisor: String?
    public var zoneUUID: UUID?
    public var zoneName: String?
    public var parentUUID: UUID?
    public var parentName: String?
    public var accountName: String
    public var domainUUID: UUID
    public var domainName: String
    public var domainPath: String
    public var tags: [ResourceTag] = []
}

/// Instance snapshots (`vm_snapshots`).
public enum VMSnapshotRepository {
    static let table = "vm_snapshots"

    static func map(_ row: any SQLRow) throws -> VMSnapshot {
        VMSnapshot(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), displayName: try row.string("display_name"),
                   description: try row.optionalString("description"), instanceID: try row.int64("vm_id"), accountID: try row.int64("account_id"),
                   domainID: try row.int64("domain_id"), zoneID: try row.int64("zone_id"), state: try row.enumValue("state", as: VMSnapshotState.self),
                   type: try row.enumValue("snapshot_type", as: VMSnapshotType.self), parentID: try row.optionalInt64("parent_id"),
                   current: try row.bool("is_current"), created: try row.date("created"), removed: try row.optionalDate("removed"))
    }

    public static func insert(_ sql: any SQLDatabase, _ s: VMSnapshot) async throws -> VMSnapshot {
        let id = try await insertReturningID(sql, into: table, [
            ("uuid", SQLBind(s.uuid.stored)), ("name", SQLBind(s.name)), ("display_name", SQLBind(s.displayName)), ("description", SQLBind(s.description)),
            ("vm_id", SQLBind(s.instanceID)), ("account_id", SQLBind(s.accountID)), ("domain_id", SQLBind(s.domainID)), ("zone_id", SQLBind(s.zoneID)),
            ("state", SQLBind(s.state.rawValue)), ("snapshot_type", SQLBind(s.type.rawValue)), ("parent_id", SQLBind(s.parentID)),
            ("is_current", SQLBind(s.current)), ("update_count", SQLBind(Int64(0))), ("created", SQLBind(s.created.storedMillis)),
        ])
        var out = s
        out.id = id
        return out
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> VMSnapshot? {
        try await sql.select().column("*").from(table).where("uuid", .equal, SQLBind(uuid.stored)).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> VMSnapshot? {
        try await sql.select().column("*").from(table).where("id", .equal, literal(id)).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live snapshots of an instance, oldest first.
    public static func of(_ sql: any SQLDatabase, instanceID: Int64) async throws -> [VMSnapshot] {
        try await sql.select().column("*").from(table).where("vm_id", .equal, literal(instanceID)).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(map)
    }

    @discardableResult
    public static func transition(_ sql: any SQLDatabase, id: Int64, from expected: VMSnapshotState, to state: VMSnapshotState) async throws -> Bool {
        let rows = try await sql.update(table).set("state", to: SQLBind(state.rawValue)).set("update_count", to: SQLRaw(#""update_count" + 1"#))
            .where("id", .equal, literal(id)).where("state", .equal, SQLBind(expected.rawValue)).where("removed", .is, SQLLiteral.null).returning("id").all()
        return !rows.isEmpty
    }

    /// Makes `id` the instance's current snapshot (and no other).
    public static func setCurrent(_ sql: any SQLDatabase, instanceID: Int64, id: Int64?) async throws {
        try await sql.update(table).set("is_current", to: SQLBind(false)).where("vm_id", .equal, literal(instanceID)).run()
        if let id { try await sql.update(table).set("is_current", to: SQLBind(true)).where("id", .equal, literal(id)).run() }
    }

    /// Children of a removed snapshot move to its parent.
    public static func reparent(_ sql: any SQLDatabase, from id: Int64, to parent: Int64?) async throws {
        try await sql.update(table).set("parent_id", to: parent.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null).where("parent_id", .equal, literal(id)).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("state", to: SQLBind(VMSnapshotState.removed.rawValue)).set("is_current", to: SQLBind(false))
            .set("removed", to: SQLBind(date.storedMillis)).where("id", .equal, literal(id)).run()
    }

    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var ids: [Int64]?
        public var instanceID: Int64?
        public var name: String?
        public var state: VMSnapshotState?
        public var keyword: String?
        public var tags: [TagPair] = []

        public init() {}
    }

    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int = 0, limit: Int? = nil) async throws -> Listing<VMSnapshotListItem> {
        func join(_ b: SQLSelectBuilder, _ name: String, _ alias: String, _ on: String) -> SQLSelectBuilder {
            b.join(SQLAlias(SQLIdentifier(name), as: SQLIdentifier(alias)), method: SQLJoinMethod.left, on: SQLColumn("id", table: alias), .equal, SQLColumn(on, table: "s"))
        }
        func filtered(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(SQLAlias(SQLIdentifier(table), as: SQLIdentifier("s")))
            b = join(b, "vm_instances", "vm", "vm_id"); b = join(b, "zones", "z", "zone_id"); b = join(b, "vm_snapshots", "ps", "parent_id")
            b = join(b, "accounts", "a", "account_id"); b = join(b, "domains", "d", "domain_id")
            b = b.where(SQLColumn("removed", table: "s"), .is, SQLLiteral.null)
            b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLColumn("account_id", table: "s"), domainColumn: SQLColumn("domain_id", table: "s"))
            if let ids = f.ids { b = b.where(SQLColumn("id", table: "s"), .in, SQLRaw("(" + (ids.isEmpty ? "NULL" : ids.map(String.init).joined(separator: ",")) + ")")) }
            if let v = f.instanceID { b = b.where(SQLColumn("vm_id", table: "s"), .equal, literal(v)) }
            if let n = f.name { b = b.where(SQLColumn("display_name", table: "s"), .equal, SQLBind(n)) }
            if let s = f.state { b = b.where(SQLColumn("state", table: "s"), .equal, SQLBind(s.rawValue)) }
            if let k = f.keyword { b = b.where(SQLFunction("lower", args: SQLColumn("display_name", table: "s")), .like, SQLBind("%\(k.lowercased())%")) }
            if !f.tags.isEmpty { b = b.where(TagRepository.matching(type: .vmSnapshot, tags: f.tags, idColumn: SQLColumn("id", table: "s"))) }
            return b
        }
        let columns = #""s".*, "vm"."uuid" AS "vm_uuid", "vm"."name" AS "vm_name", "vm"."hypervisor_type" AS "vm_hypervisor", "z"."uuid" AS "zone_uuid", "z"."name" AS "zone_name", "ps"."uuid" AS "parent_uuid", "ps"."display_name" AS "parent_name", "a"."name" AS "account_name", "d"."uuid" AS "domain_uuid", "d"."name" AS "domain_name", "d"."path" AS "domain_path""#
        return try await fetchListing(sql, columns: SQLRaw(columns), filtered: filtered, order: { $0.orderBy(SQLColumn("id", table: "s")) },
                                      offset: offset, limit: limit) { row in
            VMSnapshotListItem(snapshot: try map(row), instanceUUID: try row.optionalUUID("vm_uuid"), instanceName: try row.optionalString("vm_name"),
                               hypervisor: try row.optionalString("vm_hypervisor"), zoneUUID: try row.optionalUUID("zone_uuid"),
                               zoneName: try row.optionalString("zone_name"), parentUUID: try row.optionalUUID("parent_uuid"),
                               parentName: try row.optionalString("parent_name"), accountName: try row.optionalString("account_name") ?? "",
                               domainUUID: try row.uuid("domain_uuid"), domainName: try row.string("domain_name"), domainPath: try row.string("domain_path"))
        }
    }
}
