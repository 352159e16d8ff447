import CirrusModel
import Foundation
import SQLKit

/// Cluster rows.
public enum ClusterRepository {
    static let table = "clusters"

    /// Optional predicates of ``list(_:_:offset:limit:)``.
    public struct Filter: Sendable {
        public var id: Int64?
        public var zoneID: Int64?
        public var podID: Int64?
        public var name: String?
        public var keyword: String?
        public var hypervisorType: HypervisorType?
        public var clusterType: String?
        public var allocationState: AllocationState?
        public var managedState: String?
        public var arch: String?
        public init(id: Int64? = nil, zoneID: Int64? = nil, podID: Int64? = nil, name: String? = nil, keyword: String? = nil,
                    hypervisorType: HypervisorType? = nil, clusterType: String? = nil, allocationState: AllocationState? = nil,
                    managedState: String? = nil, arch: String? = nil) {
            self.id = id; self.zoneID = zoneID; self.podID = podID; self.name = name; self.keyword = keyword
            self.hypervisorType = hypervisorType; self.clusterType = clusterType; self.allocationState = allocationState
            self.managedState = managedState; self.arch = arch
        }
    }

    static func map(_ row: any SQLRow) throws -> Cluster {
        Cluster(id: try row.int64("id"), uuid: try row.uuid("uuid"), zoneID: try row.int64("zone_id"), podID: try row.int64("pod_id"),
                name: try row.string("name"), hypervisorType: try row.enumValue("hypervisor_type", as: HypervisorType.self),
                clusterType: try row.string("cluster_type"), allocationState: try row.enumValue("allocation_state", as: AllocationState.self),
                managedState: try row.string("managed_state"), arch: try row.string("arch"), created: try row.date("created"))
    }

    static func fields(_ c: Cluster) -> [ColumnValue] {
        [("name", SQLBind(c.name)), ("hypervisor_type", SQLBind(c.hypervisorType.rawValue)), ("cluster_type", SQLBind(c.clusterType)),
         ("allocation_state", SQLBind(c.allocationState.rawValue)), ("managed_state", SQLBind(c.managedState)), ("arch", SQLBind(c.arch))]
    }

    /// Inserts a cluster (its `id` is ignored) and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ cluster: Cluster) async throws -> Cluster {
        var c = cluster
        c.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(cluster.uuid.stored)), ("zone_id", SQLBind(cluster.zoneID)),
                                                              ("pod_id", SQLBind(cluster.podID))] + fields(cluster)
                                           + [("created", SQLBind(cluster.created.storedMillis))])
        return c
    }

    /// Writes the mutable columns of `cluster`.
    public static func update(_ sql: any SQLDatabase, _ cluster: Cluster) async throws {
        try await updateColumns(sql, table: table, id: cluster.id, fields(cluster))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Cluster? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Cluster? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: Cluster] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: Cluster] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all() {
            let c = try map(row); out[c.id] = c
        }
        return out
    }

    /// Live clusters matching `filter`, ordered by id.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter = Filter(), offset: Int = 0, limit: Int? = nil) async throws -> Listing<Cluster> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let z = filter.zoneID { b = b.where("zone_id", .equal, z) }
            if let p = filter.podID { b = b.where("pod_id", .equal, p) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let keyword = filter.keyword { b = b.where(keywordPredicate("name", keyword)) }
            if let h = filter.hypervisorType { b = b.where("hypervisor_type", .equal, h.rawValue) }
            if let t = filter.clusterType { b = b.where("cluster_type", .equal, t) }
            if let s = filter.allocationState { b = b.where("allocation_state", .equal, s.rawValue) }
            if let m = filter.managedState { b = b.where("managed_state", .equal, m) }
            if let a = filter.arch { b = b.where("arch", .equal, a) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    /// Live hosts of a cluster, for `deleteCluster`'s refusal.
    public static func hostCount(_ sql: any SQLDatabase, clusterID: Int64) async throws -> Int {
        try await countRows(sql, table: "hosts") { $0.where("cluster_id", .equal, clusterID).where("removed", .is, SQLLiteral.null) }
    }

    /// Live CLUSTER-scope storage pools of a cluster.
    public static func storagePoolCount(_ sql: any SQLDatabase, clusterID: Int64) async throws -> Int {
        try await countRows(sql, table: "storage_pools") { $0.where("cluster_id", .equal, clusterID).where("scope", .equal, "CLUSTER").where("removed", .is, SQLLiteral.null) }
    }
}
