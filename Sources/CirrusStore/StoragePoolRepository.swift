import CirrusModel
import Foundation
import SQLKit

/// Primary storage pool rows and their tags (`storage_pool_tags`).
public enum StoragePoolRepository {
    static let table = "storage_pools"
    static let tagTable = "storage_pool_tags"

    /// Optional predicates of ``list(_:_:offset:limit:)``.
    public struct Filter: Sendable {
        public var id: Int64?
        public var zoneID: Int64?
        public var podID: Int64?
        public var clusterID: Int64?
        public var hostID: Int64?
        public var name: String?
        public var keyword: String?
        public var scope: StoragePoolScope?
        public var status: StoragePoolStatus?
        /// Matches `path` or `url`.
        public var path: String?
        public var hostAddress: String?
        public init(id: Int64? = nil, zoneID: Int64? = nil, podID: Int64? = nil, clusterID: Int64? = nil, hostID: Int64? = nil, name: String? = nil,
                    keyword: String? = nil, scope: StoragePoolScope? = nil, status: StoragePoolStatus? = nil, path: String? = nil, hostAddress: String? = nil) {
            self.id = id; self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID; self.hostID = hostID; self.name = name
            self.keyword = keyword; self.scope = scope; self.status = status; self.path = path; self.hostAddress = hostAddress
        }
    }

    static func map(_ row: any SQLRow) throws -> StoragePool {
        let hypervisor = try row.optionalString("hypervisor_type")
        return StoragePool(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), zoneID: try row.int64("zone_id"),
                           podID: try row.optionalInt64("pod_id"), clusterID: try row.optionalInt64("cluster_id"), hostID: try row.optionalInt64("host_id"),
                           scope: try row.enumValue("scope", as: StoragePoolScope.self), type: try row.enumValue("pool_type", as: StoragePoolType.self),
                           url: try row.optionalString("url"), hostAddress: try row.optionalString("host_address"), path: try row.string("path"),
                           hypervisorType: hypervisor.flatMap(HypervisorType.init(rawValue:)), provider: try row.string("provider"),
                           capacityBytes: try row.int64("capacity_bytes"), usedBytes: try row.int64("used_bytes"),
                           capacityIOPS: try row.optionalInt64("capacity_iops"), status: try row.enumValue("status", as: StoragePoolStatus.self),
                           managed: try row.bool("managed"), tags: [], created: try row.date("created"))
    }

    static func fields(_ p: StoragePool) -> [ColumnValue] {
        [("name", SQLBind(p.name)), ("zone_id", SQLBind(p.zoneID)), ("pod_id", SQLBind(p.podID)), ("cluster_id", SQLBind(p.clusterID)),
         ("host_id", SQLBind(p.hostID)), ("scope", SQLBind(p.scope.rawValue)), ("pool_type", SQLBind(p.type.rawValue)), ("url", SQLBind(p.url)),
         ("host_address", SQLBind(p.hostAddress)), ("path", SQLBind(p.path)), ("hypervisor_type", SQLBind(p.hypervisorType?.rawValue)),
         ("provider", SQLBind(p.provider)), ("capacity_bytes", SQLBind(p.capacityBytes)), ("used_bytes", SQLBind(p.usedBytes)),
         ("capacity_iops", SQLBind(p.capacityIOPS)), ("status", SQLBind(p.status.rawValue)), ("managed", SQLBind(p.managed))]
    }

    /// Inserts a pool with its tags (its `id` is ignored) and returns it with its new id. Used by
    /// `createStoragePool` and by the agent code for a host's local (HOST-scope) pools.
    public static func insert(_ sql: any SQLDatabase, _ pool: StoragePool) async throws -> StoragePool {
        var p = pool
        p.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(pool.uuid.stored))] + fields(pool) + [("created", SQLBind(pool.created.storedMillis))])
        p.tags = normalized(pool.tags)
        try await writeTags(sql, poolID: p.id, p.tags)
        return p
    }

    /// Writes every mutable column of `pool` and replaces its tags (stored trimmed, unique and sorted).
    public static func update(_ sql: any SQLDatabase, _ pool: StoragePool) async throws {
        try await updateColumns(sql, table: table, id: pool.id, fields(pool))
        try await sql.delete(from: tagTable).where("pool_id", .equal, pool.id).run()
        try await writeTags(sql, poolID: pool.id, normalized(pool.tags))
    }

    /// Records measured capacity and usage.
    public static func updateCapacity(_ sql: any SQLDatabase, id: Int64, capacityBytes: Int64, usedBytes: Int64) async throws {
        try await sql.update(table).set("capacity_bytes", to: capacityBytes).set("used_bytes", to: usedBytes).where("id", .equal, id).run()
    }

    /// Sets a pool's status.
    public static func setStatus(_ sql: any SQLDatabase, id: Int64, _ status: StoragePoolStatus) async throws {
        try await sql.update(table).set("status", to: status.rawValue).where("id", .equal, id).run()
    }

    static func normalized(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted }.sorted()
    }

    static func writeTags(_ sql: any SQLDatabase, poolID: Int64, _ tags: [String]) async throws {
        guard !tags.isEmpty else { return }
        var b = sql.insert(into: tagTable).columns("pool_id", "tag")
        for tag in tags { b = b.values(SQLBind(poolID), SQLBind(tag)) }
        try await b.run()
    }

    static func withTags(_ sql: any SQLDatabase, _ pools: [StoragePool]) async throws -> [StoragePool] {
        guard !pools.isEmpty else { return pools }
        var tags: [Int64: [String]] = [:]
        for row in try await sql.select().column("pool_id").column("tag").from(tagTable).where("pool_id", .in, pools.map(\.id)).orderBy("tag").all() {
            tags[try row.int64("pool_id"), default: []].append(try row.string("tag"))
        }
        return pools.map { var p = $0; p.tags = tags[p.id] ?? []; return p }
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> StoragePool? {
        guard let p = try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map) else { return nil }
        return try await withTags(sql, [p]).first
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> StoragePool? {
        guard let p = try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map) else { return nil }
        return try await withTags(sql, [p]).first
    }

    /// The live local (HOST-scope) pools of a host, ordered by id.
    public static func list(_ sql: any SQLDatabase, hostID: Int64) async throws -> [StoragePool] {
        try await withTags(sql, try await sql.select().column("*").from(table).where("host_id", .equal, hostID)
            .where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map))
    }

    /// The live pools a host of `clusterID` can use: its cluster's pools and its zone's ZONE-scope pools.
    public static func list(_ sql: any SQLDatabase, sharedWithCluster clusterID: Int64, zoneID: Int64) async throws -> [StoragePool] {
        let rows = try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null)
            .where(SQLGroupExpression(SQLBinaryExpression(
                SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("scope"), .equal, SQLBind("CLUSTER")), .and,
                                    SQLBinaryExpression(SQLIdentifier("cluster_id"), .equal, SQLBind(clusterID))), .or,
                SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("scope"), .equal, SQLBind("ZONE")), .and,
                                    SQLBinaryExpression(SQLIdentifier("zone_id"), .equal, SQLBind(zoneID))))))
            .orderBy("id").all()
        return try await withTags(sql, try rows.map(map))
    }

    /// Live pools matching `filter`, ordered by id, with their tags.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter = Filter(), offset: Int = 0, limit: Int? = nil) async throws -> Listing<StoragePool> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let z = filter.zoneID { b = b.where("zone_id", .equal, z) }
            if let p = filter.podID { b = b.where("pod_id", .equal, p) }
            if let c = filter.clusterID { b = b.where("cluster_id", .equal, c) }
            if let h = filter.hostID { b = b.where("host_id", .equal, h) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let keyword = filter.keyword { b = b.where(keywordPredicate("name", keyword)) }
            if let s = filter.scope { b = b.where("scope", .equal, s.rawValue) }
            if let s = filter.status { b = b.where("status", .equal, s.rawValue) }
            if let a = filter.hostAddress { b = b.where("host_address", .equal, a) }
            if let path = filter.path {
                b = b.where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("path"), .equal, SQLBind(path)), .or,
                                                                   SQLBinaryExpression(SQLIdentifier("url"), .equal, SQLBind(path)))))
            }
            return b
        }
        var listing = try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
        listing.items = try await withTags(sql, listing.items)
        return listing
    }

    /// Soft-deletes a pool and drops its tags.
    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.delete(from: tagTable).where("pool_id", .equal, id).run()
        try await sql.update(table).set("removed", to: date.storedMillis).set("status", to: StoragePoolStatus.removed.rawValue).where("id", .equal, id).run()
    }

    /// The internal id of the live host with `uuid`, for `listStoragePools hostid=`.
    public static func hostID(_ sql: any SQLDatabase, uuid: UUID) async throws -> Int64? {
        try await sql.select().column("id").from("hosts").where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map { try $0.int64("id") }
    }

    /// Live volumes on a pool, for `deleteStoragePool`'s refusal.
    public static func volumeCount(_ sql: any SQLDatabase, poolID: Int64) async throws -> Int {
        try await VolumeRepository.count(sql, poolID: poolID)
    }
}
