import CirrusModel
import Foundation
import SQLKit

/// A copy of a snapshot on one zone's image store (`snapshot_store_refs`).
public struct SnapshotStoreRef: Sendable, Equatable {
    public var id: Int64
    public var snapshotID: Int64
    public var zoneID: Int64
    public var storeID: Int64?
    /// `Ready` once the copy is there (CloudStack's object-in-store state), `Creating` before.
    public var state: String
    public var installPath: String?
    public var size: Int64
    public var created: Date

    public init(id: Int64 = 0, snapshotID: Int64, zoneID: Int64, storeID: Int64?, state: String, installPath: String?, size: Int64, created: Date) {
        self.id = id; self.snapshotID = snapshotID; self.zoneID = zoneID; self.storeID = storeID; self.state = state; self.installPath = installPath
        self.size = size; self.created = created
    }
}

/// One row of `listSnapshots`: a snapshot as seen in one zone, with the names the API shows.
public struct SnapshotListItem: Sendable {
    public var snapshot: Snapshot
    public var zoneUUID: UUID?
    public var zoneName: String?
    public var storeUUID: UUID?
    public var storeName: String?
    public var storeState: String?
    public var accountName: String
    public var domainUUID: UUID
    public var domainName: String
    public var domainPath: String
    public var volumeUUID: UUID?
    public var volumeName: String?
    public var volumeType: String?
    /// Whether the volume is still there to revert.
    public var volumeExists: Bool
    public var tags: [ResourceTag] = []
}

/// Volume snapshots (`snapshots`) and their zone copies (`snapshot_store_refs`).
public enum SnapshotRepository {
    static let table = "snapshots"
    static let refs = "snapshot_store_refs"

    static let columns = ["id", "uuid", "name", "account_id", "domain_id", "zone_id", "volume_id", "disk_offering_id", "snapshot_type", "state", "size",
                          "physical_size", "hypervisor_type", "location_type", "policy_id", "created", "removed"]
    static let qualified = columns.map { #""s"."\#($0)""# }.joined(separator: ", ")

    static func map(_ row: any SQLRow) throws -> Snapshot {
        Snapshot(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), accountID: try row.int64("account_id"),
                 domainID: try row.int64("domain_id"), zoneID: try row.int64("zone_id"), volumeID: try row.int64("volume_id"),
                 diskOfferingID: try row.optionalInt64("disk_offering_id"), type: try row.enumValue("snapshot_type", as: SnapshotType.self),
                 state: try row.enumValue("state", as: SnapshotState.self), size: try row.int64("size"), physicalSize: try row.int64("physical_size"),
                 hypervisorType: try row.optionalString("hypervisor_type").flatMap(HypervisorType.init(rawValue:)),
                 locationType: try row.optionalString("location_type").flatMap(SnapshotLocationType.init(rawValue:)), policyID: try row.optionalInt64("policy_id"),
                 created: try row.date("created"), removed: try row.optionalDate("removed"))
    }

    public static func insert(_ sql: any SQLDatabase, _ s: Snapshot) async throws -> Snapshot {
        let id = try await insertReturningID(sql, into: table, [
            ("uuid", SQLBind(s.uuid.stored)), ("name", SQLBind(s.name)), ("account_id", SQLBind(s.accountID)), ("domain_id", SQLBind(s.domainID)),
            ("zone_id", SQLBind(s.zoneID)), ("volume_id", SQLBind(s.volumeID)), ("disk_offering_id", SQLBind(s.diskOfferingID)),
            ("snapshot_type", SQLBind(s.type.rawValue)), ("state", SQLBind(s.state.rawValue)), ("size", SQLBind(s.size)),
            ("physical_size", SQLBind(s.physicalSize)), ("hypervisor_type", SQLBind(s.hypervisorType?.rawValue)),
            ("location_type", SQLBind(s.locationType?.rawValue)), ("policy_id", SQLBind(s.policyID)), ("update_count", SQLBind(Int64(0))),
            ("created", SQLBind(s.created.storedMillis)), ("removed", SQLBind(s.removed?.storedMillis)),
        ])
        var out = s
        out.id = id
        return out
    }

    static func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLRaw(qualified)).from(SQLAlias(SQLIdentifier(table), as: SQLIdentifier("s")))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Snapshot? {
        try await select(sql).where(SQLColumn("id", table: "s"), .equal, literal(id)).where(SQLColumn("removed", table: "s"), .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Snapshot? {
        try await select(sql).where(SQLColumn("uuid", table: "s"), .equal, SQLBind(uuid.stored)).where(SQLColumn("removed", table: "s"), .is, SQLLiteral.null)
            .first().map(map)
    }

    /// Live snapshots of a volume, oldest first (optionally those of one policy).
    public static func of(_ sql: any SQLDatabase, volumeID: Int64, policyID: Int64? = nil) async throws -> [Snapshot] {
        var b = select(sql).where(SQLColumn("volume_id", table: "s"), .equal, literal(volumeID)).where(SQLColumn("removed", table: "s"), .is, SQLLiteral.null)
        if let policyID { b = b.where(SQLColumn("policy_id", table: "s"), .equal, literal(policyID)) }
        return try await b.orderBy(SQLColumn("created", table: "s")).orderBy(SQLColumn("id", table: "s")).all().map(map)
    }

    /// Moves a snapshot from `expected` to `state` only if it is still there.
    @discardableResult
    public static func transition(_ sql: any SQLDatabase, id: Int64, from expected: SnapshotState, to state: SnapshotState,
                                  locationType: SnapshotLocationType? = nil) async throws -> Bool {
        var b = sql.update(table).set("state", to: SQLBind(state.rawValue)).set("update_count", to: SQLRaw(#""update_count" + 1"#))
        if let locationType { b = b.set("location_type", to: SQLBind(locationType.rawValue)) }
        let changed = try await b.where("id", .equal, literal(id)).where("state", .equal, SQLBind(expected.rawValue)).where("removed", .is, SQLLiteral.null)
            .returning("id").all()
        return !changed.isEmpty
    }

    /// Removes a snapshot row in `state` (Destroyed or Error) and its zone copies.
    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, state: SnapshotState, at date: Date) async throws {
        try await sql.update(table).set("state", to: SQLBind(state.rawValue)).set("removed", to: SQLBind(date.storedMillis)).where("id", .equal, literal(id)).run()
        try await sql.update(refs).set("removed", to: SQLBind(date.storedMillis)).where("snapshot_id", .equal, literal(id)).where("removed", .is, SQLLiteral.null).run()
    }

    // MARK: zone copies

    public static func insertRef(_ sql: any SQLDatabase, _ r: SnapshotStoreRef) async throws -> SnapshotStoreRef {
        let id = try await insertReturningID(sql, into: refs, [
            ("snapshot_id", SQLBind(r.snapshotID)), ("zone_id", SQLBind(r.zoneID)), ("store_id", SQLBind(r.storeID)), ("state", SQLBind(r.state)),
            ("install_path", SQLBind(r.installPath)), ("size", SQLBind(r.size)), ("created", SQLBind(r.created.storedMillis)),
        ])
        var out = r
        out.id = id
        return out
    }

    public static func refs(_ sql: any SQLDatabase, snapshotID: Int64) async throws -> [SnapshotStoreRef] {
        try await sql.select().column("*").from(refs).where("snapshot_id", .equal, literal(snapshotID)).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map { row in
                SnapshotStoreRef(id: try row.int64("id"), snapshotID: try row.int64("snapshot_id"), zoneID: try row.int64("zone_id"),
                                 storeID: try row.optionalInt64("store_id"), state: try row.string("state"), installPath: try row.optionalString("install_path"),
                                 size: try row.int64("size"), created: try row.date("created"))
            }
    }

    /// Removes one zone's copy of a snapshot.
    public static func removeRef(_ sql: any SQLDatabase, snapshotID: Int64, zoneID: Int64, at date: Date) async throws {
        try await sql.update(refs).set("removed", to: SQLBind(date.storedMillis)).where("snapshot_id", .equal, literal(snapshotID))
            .where("zone_id", .equal, literal(zoneID)).where("removed", .is, SQLLiteral.null).run()
    }

    // MARK: listing

    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var ids: [Int64]?
        public var name: String?
        public var volumeID: Int64?
        public var zoneID: Int64?
        public var type: SnapshotType?
        public var interval: SnapshotIntervalType?
        public var locationType: SnapshotLocationType?
        public var keyword: String?
        /// One row per snapshot (its own zone) instead of one per zone copy.
        public var unique = false
        public var tags: [TagPair] = []

        public init() {}
    }

    static func apply<B: SQLPredicateBuilder>(_ f: Filter, to builder: B) -> B {
        var b = builder.where(SQLColumn("removed", table: "s"), .is, SQLLiteral.null)
        b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLColumn("account_id", table: "s"), domainColumn: SQLColumn("domain_id", table: "s"))
        if let ids = f.ids { b = b.where(SQLColumn("id", table: "s"), .in, SQLRaw("(" + (ids.isEmpty ? "NULL" : ids.map(String.init).joined(separator: ",")) + ")")) }
        if let n = f.name { b = b.where(SQLColumn("name", table: "s"), .equal, SQLBind(n)) }
        if let v = f.volumeID { b = b.where(SQLColumn("volume_id", table: "s"), .equal, literal(v)) }
        if let z = f.zoneID { b = b.where(zoneExpression(f), .equal, literal(z)) }
        if let t = f.type { b = b.where(SQLColumn("snapshot_type", table: "s"), .equal, SQLBind(t.rawValue)) }
        if let i = f.interval { b = b.where(SQLColumn("snapshot_type", table: "s"), .equal, SQLBind(SnapshotType(i).rawValue)) }
        if let l = f.locationType { b = b.where(SQLColumn("location_type", table: "s"), .equal, SQLBind(l.rawValue)) }
        if let k = f.keyword { b = b.where(SQLFunction("lower", args: SQLColumn("name", table: "s")), .like, SQLBind("%\(k.lowercased())%")) }
        if !f.tags.isEmpty { b = b.where(TagRepository.matching(type: .snapshot, tags: f.tags, idColumn: SQLColumn("id", table: "s"))) }
        return b
    }

    static func zoneExpression(_ f: Filter) -> any SQLExpression {
        f.unique ? SQLColumn("zone_id", table: "s") : SQLFunction("coalesce", args: SQLColumn("zone_id", table: "r"), SQLColumn("zone_id", table: "s"))
    }

    static func from(_ b: SQLSelectBuilder, _ f: Filter) -> SQLSelectBuilder {
        var b = b.from(SQLAlias(SQLIdentifier(table), as: SQLIdentifier("s")))
        if !f.unique {
            b = b.join(SQLAlias(SQLIdentifier(refs), as: SQLIdentifier("r")), method: SQLJoinMethod.left,
                       on: SQLRaw(#""r"."snapshot_id" = "s"."id" AND "r"."removed" IS NULL"#))
        }
        return b
    }

    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int = 0, limit: Int? = nil) async throws -> Listing<SnapshotListItem> {
        let refColumns = f.unique
            ? #", NULL AS "ref_zone_id", NULL AS "ref_store_id", NULL AS "ref_state""#
            : #", "r"."zone_id" AS "ref_zone_id", "r"."store_id" AS "ref_store_id", "r"."state" AS "ref_state""#
        let listing = try await fetchListing(sql, columns: SQLRaw(qualified + refColumns), filtered: { apply(f, to: from($0, f)) },
                                             order: { $0.orderBy(SQLColumn("created", table: "s"), SQLDirection.descending).orderBy(SQLColumn("id", table: "s"), SQLDirection.descending) },
                                             offset: offset, limit: limit) { row in
            (try map(row), try row.optionalInt64("ref_zone_id"), try row.optionalInt64("ref_store_id"), try row.optionalString("ref_state"))
        }
        guard !listing.items.isEmpty else { return Listing(items: [], total: listing.total) }
        // Names for the page, one query per table.
        let accounts = try await names(sql, "accounts", ids: listing.items.map(\.0.accountID))
        let domains = try await names(sql, "domains", ids: listing.items.map(\.0.domainID), extra: ["path"])
        let zones = try await names(sql, "zones", ids: listing.items.map { $0.1 ?? $0.0.zoneID })
        let stores = try await names(sql, "image_stores", ids: listing.items.compactMap(\.2))
        let volumes = try await names(sql, "volumes", ids: listing.items.map(\.0.volumeID), extra: ["volume_type"], live: true)
        let items = listing.items.map { (s, refZone, refStore, refState) in
            let zone = zones[refZone ?? s.zoneID]
            let store = refStore.flatMap { stores[$0] }
            let volume = volumes[s.volumeID]
            let domain = domains[s.domainID]
            return SnapshotListItem(snapshot: s, zoneUUID: zone?.uuid, zoneName: zone?.name, storeUUID: store?.uuid, storeName: store?.name, storeState: refState,
                                    accountName: accounts[s.accountID]?.name ?? "", domainUUID: domain?.uuid ?? UUID(), domainName: domain?.name ?? "",
                                    domainPath: domain?.extra["path"] ?? "/", volumeUUID: volume?.uuid, volumeName: volume?.name,
                                    volumeType: volume?.extra["volume_type"], volumeExists: volume?.live ?? false)
        }
        return Listing(items: items, total: listing.total)
    }

    struct Named {
        var uuid: UUID
        var name: String
        var extra: [String: String]
        var live: Bool
    }

    /// `uuid`, `name` (and `extra` text columns) of rows by id, removed ones included.
    static func names(_ sql: any SQLDatabase, _ table: String, ids: [Int64], extra: [String] = [], live: Bool = false) async throws -> [Int64: Named] {
        let unique = Set(ids)
        guard !unique.isEmpty else { return [:] }
        var b = sql.select().column("id").column("uuid").column("name")
        for e in extra { b = b.column(SQLIdentifier(e)) }
        if live { b = b.column("removed") }
        let rows = try await b.from(table).where("id", .in, SQLRaw("(" + unique.map(String.init).joined(separator: ",") + ")")).all()
        var out: [Int64: Named] = [:]
        for row in rows {
            var values: [String: String] = [:]
            for e in extra { values[e] = try row.optionalString(e) }
            out[try row.int64("id")] = Named(uuid: try row.uuid("uuid"), name: try row.string("name"), extra: values,
                                             live: live ? try row.optionalInt64("removed") == nil : true)
        }
        return out
    }
}
