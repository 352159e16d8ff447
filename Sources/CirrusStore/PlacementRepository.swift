import CirrusModel
import Foundation
import SQLKit

/// The raw rows the planner's snapshot is built from, read in a few whole-table queries.
public enum PlacementRepository {
    public struct HostRow: Sendable {
        public var id: Int64, zoneID: Int64, podID: Int64, clusterID: Int64
        public var hypervisor: HypervisorType
        public var status: HostStatus
        public var resourceState: ResourceState
        public var cpus: Int, cpuSpeed: Int64, totalMemory: Int64, dom0Memory: Int64
        public var tags: Set<String>
    }

    public struct ClusterRow: Sendable {
        public var id: Int64, podID: Int64, zoneID: Int64
        public var hypervisor: HypervisorType
        public var enabled: Bool
    }

    public struct PoolRow: Sendable {
        public var id: Int64, zoneID: Int64, clusterID: Int64?, hostID: Int64?
        public var up: Bool
        public var capacityBytes: Int64, usedBytes: Int64
        public var tags: Set<String>
    }

    /// Live routing hosts placed in a cluster, with their tags.
    public static func hosts(_ sql: any SQLDatabase) async throws -> [HostRow] {
        var tags: [Int64: Set<String>] = [:]
        for row in try await sql.raw("SELECT host_id, tag FROM host_tags").all() { tags[try row.int64("host_id"), default: []].insert(try row.string("tag")) }
        return try await sql.raw("""
            SELECT id, zone_id, pod_id, cluster_id, hypervisor_type, status, resource_state, cpus, cpu_speed, total_memory, dom0_memory
            FROM hosts WHERE removed IS NULL AND host_type = 'Routing' AND cluster_id IS NOT NULL AND pod_id IS NOT NULL
            """).all().compactMap { row in
            guard let hv = HypervisorType(rawValue: try row.string("hypervisor_type")), let status = HostStatus(rawValue: try row.string("status")),
                  let rs = ResourceState(rawValue: try row.string("resource_state")) else { return nil }
            let id = try row.int64("id")
            return HostRow(id: id, zoneID: try row.int64("zone_id"), podID: try row.int64("pod_id"), clusterID: try row.int64("cluster_id"), hypervisor: hv,
                           status: status, resourceState: rs, cpus: try row.int("cpus"), cpuSpeed: try row.int64("cpu_speed"),
                           totalMemory: try row.int64("total_memory"), dom0Memory: try row.int64("dom0_memory"), tags: tags[id] ?? [])
        }
    }

    /// Live clusters; `enabled` when the cluster, its pod and its zone are all Enabled.
    public static func clusters(_ sql: any SQLDatabase) async throws -> [ClusterRow] {
        try await sql.raw("""
            SELECT c.id, c.pod_id, c.zone_id, c.hypervisor_type,
              CASE WHEN c.allocation_state = 'Enabled' AND p.allocation_state = 'Enabled' AND z.allocation_state = 'Enabled' THEN 1 ELSE 0 END AS enabled
            FROM clusters c JOIN pods p ON p.id = c.pod_id JOIN zones z ON z.id = c.zone_id WHERE c.removed IS NULL
            """).all().compactMap { row in
            guard let hv = HypervisorType(rawValue: try row.string("hypervisor_type")) else { return nil }
            return ClusterRow(id: try row.int64("id"), podID: try row.int64("pod_id"), zoneID: try row.int64("zone_id"), hypervisor: hv,
                              enabled: try row.int64("enabled") != 0)
        }
    }

    /// Live primary storage pools with their tags.
    public static func pools(_ sql: any SQLDatabase) async throws -> [PoolRow] {
        var tags: [Int64: Set<String>] = [:]
        for row in try await sql.raw("SELECT pool_id, tag FROM storage_pool_tags").all() { tags[try row.int64("pool_id"), default: []].insert(try row.string("tag")) }
        return try await sql.raw("SELECT id, zone_id, cluster_id, host_id, status, capacity_bytes, used_bytes FROM storage_pools WHERE removed IS NULL").all().map { row in
            let id = try row.int64("id")
            return PoolRow(id: id, zoneID: try row.int64("zone_id"), clusterID: try row.optionalInt64("cluster_id"), hostID: try row.optionalInt64("host_id"),
                           up: try row.string("status") == StoragePoolStatus.up.rawValue, capacityBytes: try row.int64("capacity_bytes"),
                           usedBytes: try row.int64("used_bytes"), tags: tags[id] ?? [])
        }
    }
}
