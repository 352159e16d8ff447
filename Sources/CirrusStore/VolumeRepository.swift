import CirrusModel
import Foundation
import SQLKit

/// A volume with the names the API shows beside it.
public struct VolumeListItem: Sendable {
    public var volume: Volume
    public var accountName: String
    public var domainUUID: UUID
    public var domainName: String
    public var domainPath: String
    public var zoneUUID: UUID?
    public var zoneName: String?
    public var poolUUID: UUID?
    public var poolName: String?
    public var poolType: String?
    public var instanceUUID: UUID?
    public var instanceName: String?
    public var instanceDisplayName: String?
    public var instanceState: String?
    public var diskOfferingUUID: UUID?
    public var diskOfferingName: String?
    public var diskOfferingDisplayText: String?
    public var templateUUID: UUID?
    public var templateName: String?
    public var tags: [ResourceTag] = []
}

/// Volume rows (`volumes`), with conditional state changes like instances.
public enum VolumeRepository {
    static let table = "volumes"

    static let columns = ["id", "uuid", "name", "volume_type", "state", "account_id", "domain_id", "zone_id", "pod_id", "pool_id", "last_pool_id",
                          "instance_id", "device_id", "disk_offering_id", "template_id", "size", "min_iops", "max_iops", "provisioning_type", "format",
                          "path", "display_volume", "hypervisor_type", "update_count", "attached", "created", "destroyed", "removed"]
    static let qualifiedColumns = columns.map { #""volumes"."\#($0)""# }.joined(separator: ", ")

    static func map(_ row: any SQLRow) throws -> Volume {
        Volume(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), type: try row.enumValue("volume_type", as: VolumeType.self),
               state: try row.enumValue("state", as: VolumeState.self), accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"),
               zoneID: try row.int64("zone_id"), podID: try row.optionalInt64("pod_id"), poolID: try row.optionalInt64("pool_id"),
               lastPoolID: try row.optionalInt64("last_pool_id"), instanceID: try row.optionalInt64("instance_id"),
               deviceID: try row.optionalInt64("device_id").map(Int.init), diskOfferingID: try row.optionalInt64("disk_offering_id"),
               templateID: try row.optionalInt64("template_id"), size: try row.int64("size"), minIOPS: try row.optionalInt64("min_iops"),
               maxIOPS: try row.optionalInt64("max_iops"), provisioningType: try row.enumValue("provisioning_type", as: ProvisioningType.self),
               format: try row.optionalString("format"), path: try row.optionalString("path"), displayVolume: try row.bool("display_volume"),
               hypervisorType: try row.optionalString("hypervisor_type").flatMap(HypervisorType.init(rawValue:)),
               updateCount: try row.int64("update_count"), attached: try row.optionalDate("attached"), created: try row.date("created"),
               destroyed: try row.optionalDate("destroyed"), removed: try row.optionalDate("removed"))
    }

    public static func insert(_ sql: any SQLDatabase, _ v: Volume) async throws -> Volume {
        let row = try await sql.insert(into: table).columns(Array(columns.dropFirst()))
            .values(SQLBind(v.uuid.stored), SQLBind(v.name), SQLBind(v.type.rawValue), SQLBind(v.state.rawValue), SQLBind(v.accountID), SQLBind(v.domainID),
                    SQLBind(v.zoneID), SQLBind(v.podID), SQLBind(v.poolID), SQLBind(v.lastPoolID), SQLBind(v.instanceID), SQLBind(v.deviceID),
                    SQLBind(v.diskOfferingID), SQLBind(v.templateID), SQLBind(v.size), SQLBind(v.minIOPS), SQLBind(v.maxIOPS),
                    SQLBind(v.provisioningType.rawValue), SQLBind(v.format), SQLBind(v.path), SQLBind(v.displayVolume), SQLBind(v.hypervisorType?.rawValue),
                    SQLBind(v.updateCount), SQLBind(v.attached?.storedMillis), SQLBind(v.created.storedMillis), SQLBind(v.destroyed?.storedMillis),
                    SQLBind(v.removed?.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting volume \(v.name) returned no id") }
        var out = v
        out.id = id
        return out
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Volume? {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("id", .equal, literal(id)).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Volume? {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("uuid", .equal, SQLBind(uuid.stored)).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live volumes of an instance, ROOT first, then by device id.
    public static func of(_ sql: any SQLDatabase, instanceID: Int64) async throws -> [Volume] {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("instance_id", .equal, literal(instanceID))
            .where("removed", .is, SQLLiteral.null).orderBy("device_id").orderBy("id").all().map(map)
    }

    /// The volumes of several instances at once (for listings), keyed by instance id.
    public static func of(_ sql: any SQLDatabase, instanceIDs: [Int64]) async throws -> [Int64: [Volume]] {
        guard !instanceIDs.isEmpty else { return [:] }
        let rows = try await sql.select().column(SQLRaw(qualifiedColumns)).from(table)
            .where("instance_id", .in, SQLRaw("(" + instanceIDs.map(String.init).joined(separator: ",") + ")"))
            .where("removed", .is, SQLLiteral.null).orderBy("device_id").all().map(map)
        return Dictionary(grouping: rows, by: { $0.instanceID ?? 0 })
    }

    /// Moves a volume from `expected` to `state` only if it is still there.
    @discardableResult
    public static func transition(_ sql: any SQLDatabase, id: Int64, from expected: VolumeState, to state: VolumeState,
                                  _ changes: VolumeChanges = VolumeChanges()) async throws -> Bool {
        let columns = changes.columns
        var update = sql.update(table).set("state", to: state.rawValue).set("update_count", to: SQLRaw(#""update_count" + 1"#))
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: value) }
        let changed = try await update.where("id", .equal, literal(id)).where("state", .equal, SQLBind(expected.rawValue))
            .where("removed", .is, SQLLiteral.null).returning("id").all()
        return !changed.isEmpty
    }

    public static func update(_ sql: any SQLDatabase, id: Int64, _ changes: VolumeChanges) async throws {
        let columns = changes.columns
        guard !columns.isEmpty else { return }
        var update = sql.update(table)
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: value) }
        try await update.where("id", .equal, literal(id)).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).set("state", to: VolumeState.expunged.rawValue).where("id", .equal, literal(id)).run()
    }

    /// Live volumes on a pool (for `deleteStoragePool` and pool maintenance).
    public static func count(_ sql: any SQLDatabase, poolID: Int64) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(table).where("pool_id", .equal, literal(poolID))
            .where("removed", .is, SQLLiteral.null).first().map { try $0.int("n") } ?? 0
    }

    /// Volumes in `Destroy` since before `cutoff`, for the expunger.
    public static func expungeCandidates(_ sql: any SQLDatabase, destroyedBefore cutoff: Date, limit: Int) async throws -> [Volume] {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("removed", .is, SQLLiteral.null)
            .where("state", .equal, SQLBind(VolumeState.destroy.rawValue)).where("destroyed", .lessThan, SQLBind(cutoff.storedMillis))
            .orderBy("id").limit(limit).all().map(map)
    }

    // MARK: listing

    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var ids: [Int64]?
        public var name: String?
        public var type: VolumeType?
        public var state: VolumeState?
        public var zoneID: Int64?
        public var podID: Int64?
        public var poolID: Int64?
        public var instanceID: Int64?
        public var diskOfferingID: Int64?
        public var keyword: String?
        public var displayVolume: Bool?
        /// Shows volumes in Destroy/Expunging too (admins with `listall` or by id).
        public var includeDestroyed = false
        /// Volumes carrying any of these tags.
        public var tags: [TagPair] = []

        public init() {}
    }

    static func apply<B: SQLPredicateBuilder>(_ f: Filter, to builder: B) -> B {
        var b = builder.where(SQLColumn("removed", table: table), .is, SQLLiteral.null)
        b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLColumn("account_id", table: table), domainColumn: SQLColumn("domain_id", table: table))
        if let ids = f.ids { b = b.where(SQLColumn("id", table: table), .in, SQLRaw("(" + (ids.isEmpty ? "NULL" : ids.map(String.init).joined(separator: ",")) + ")")) }
        if let n = f.name { b = b.where(SQLColumn("name", table: table), .equal, SQLBind(n)) }
        if let t = f.type { b = b.where(SQLColumn("volume_type", table: table), .equal, SQLBind(t.rawValue)) }
        if let s = f.state { b = b.where(SQLColumn("state", table: table), .equal, SQLBind(s.rawValue)) }
        if let z = f.zoneID { b = b.where(SQLColumn("zone_id", table: table), .equal, literal(z)) }
        if let p = f.podID { b = b.where(SQLColumn("pod_id", table: table), .equal, literal(p)) }
        if let p = f.poolID { b = b.where(SQLColumn("pool_id", table: table), .equal, literal(p)) }
        if let i = f.instanceID { b = b.where(SQLColumn("instance_id", table: table), .equal, literal(i)) }
        if let d = f.diskOfferingID { b = b.where(SQLColumn("disk_offering_id", table: table), .equal, literal(d)) }
        if let d = f.displayVolume { b = b.where(SQLColumn("display_volume", table: table), .equal, SQLBind(d)) }
        if !f.includeDestroyed {
            b = b.where(SQLColumn("state", table: table), .notIn, SQLRaw("('Expunging', 'Expunged')"))
        }
        if let k = f.keyword { b = b.where(SQLFunction("lower", args: SQLColumn("name", table: table)), .like, SQLBind("%\(k.lowercased())%")) }
        if !f.tags.isEmpty { b = b.where(TagRepository.matching(type: .volume, tags: f.tags, idColumn: SQLColumn("id", table: table))) }
        return b
    }

    static let joinedColumns = qualifiedColumns + #", "a"."name" AS "account_name", "d"."uuid" AS "domain_uuid", "d"."name" AS "domain_name", "d"."path" AS "domain_path", "z"."uuid" AS "zone_uuid", "z"."name" AS "zone_name", "sp"."uuid" AS "pool_uuid", "sp"."name" AS "pool_name", "sp"."pool_type" AS "pool_type", "vm"."uuid" AS "vm_uuid", "vm"."name" AS "vm_name", "vm"."display_name" AS "vm_display_name", "vm"."state" AS "vm_state", "dof"."uuid" AS "disk_offering_uuid", "dof"."name" AS "disk_offering_name", "dof"."display_text" AS "disk_offering_display_text", "t"."uuid" AS "template_uuid", "t"."name" AS "template_name""#

    public static func list(_ sql: any SQLDatabase, _ filter: Filter, offset: Int = 0, limit: Int? = nil) async throws -> Listing<VolumeListItem> {
        let joins = [ListingJoin(table: "accounts", alias: "a", column: "account_id"), ListingJoin(table: "domains", alias: "d", column: "domain_id"),
                     ListingJoin(table: "zones", alias: "z", column: "zone_id"), ListingJoin(table: "storage_pools", alias: "sp", column: "pool_id"),
                     ListingJoin(table: "vm_instances", alias: "vm", column: "instance_id"), ListingJoin(table: "disk_offerings", alias: "dof", column: "disk_offering_id"),
                     ListingJoin(table: "templates", alias: "t", column: "template_id")]
        return try await fetchWindowedListing(sql, table: table, columns: joinedColumns, joins: joins, count: { apply(filter, to: $0) },
                                              window: { apply(filter, to: $0) }, offset: offset, limit: limit) { row in
            VolumeListItem(volume: try map(row), accountName: try row.optionalString("account_name") ?? "", domainUUID: try row.uuid("domain_uuid"),
                           domainName: try row.string("domain_name"), domainPath: try row.string("domain_path"),
                           zoneUUID: try row.optionalString("zone_uuid").flatMap(UUID.init(uuidString:)), zoneName: try row.optionalString("zone_name"),
                           poolUUID: try row.optionalString("pool_uuid").flatMap(UUID.init(uuidString:)), poolName: try row.optionalString("pool_name"),
                           poolType: try row.optionalString("pool_type"),
                           instanceUUID: try row.optionalString("vm_uuid").flatMap(UUID.init(uuidString:)), instanceName: try row.optionalString("vm_name"),
                           instanceDisplayName: try row.optionalString("vm_display_name"), instanceState: try row.optionalString("vm_state"),
                           diskOfferingUUID: try row.optionalString("disk_offering_uuid").flatMap(UUID.init(uuidString:)),
                           diskOfferingName: try row.optionalString("disk_offering_name"),
                           diskOfferingDisplayText: try row.optionalString("disk_offering_display_text"),
                           templateUUID: try row.optionalString("template_uuid").flatMap(UUID.init(uuidString:)), templateName: try row.optionalString("template_name"))
        }
    }
}
