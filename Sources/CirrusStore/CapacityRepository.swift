import CirrusModel
import Foundation
import SQLKit

/// Raw capacity figures read from the infrastructure tables, and the stored capacity rows.
/// Overprovisioning and thresholds are applied by the engine's capacity service.
public enum CapacityRepository {
    static let table = "capacity"

    /// CPU and memory of one live routing host.
    public struct HostFigures: Sendable {
        public var hostID: Int64, zoneID: Int64, podID: Int64?, clusterID: Int64?
        public var cpus: Int64, cpuSpeed: Int64, totalMemory: Int64, dom0Memory: Int64
    }

    /// Size and use of one live primary storage pool.
    public struct PoolFigures: Sendable {
        public var poolID: Int64, zoneID: Int64, podID: Int64?, clusterID: Int64?
        public var isLocal: Bool, capacityBytes: Int64, usedBytes: Int64
    }

    /// A count of items and of those in use, for one zone or pod.
    public struct Counted: Sendable {
        public var ownerID: Int64, zoneID: Int64, podID: Int64?, total: Int64, used: Int64
    }

    public static func hosts(_ sql: any SQLDatabase) async throws -> [HostFigures] {
        try await sql.select().columns("id", "zone_id", "pod_id", "cluster_id", "cpus", "cpu_speed", "total_memory", "dom0_memory").from("hosts")
            .where("removed", .is, SQLLiteral.null).where("host_type", .equal, HostType.routing.rawValue).orderBy("id").all().map { row in
                HostFigures(hostID: try row.int64("id"), zoneID: try row.int64("zone_id"), podID: try row.optionalInt64("pod_id"),
                            clusterID: try row.optionalInt64("cluster_id"), cpus: try row.int64("cpus"), cpuSpeed: try row.int64("cpu_speed"),
                            totalMemory: try row.int64("total_memory"), dom0Memory: try row.int64("dom0_memory"))
            }
    }

    public static func pools(_ sql: any SQLDatabase) async throws -> [PoolFigures] {
        try await sql.select().columns("id", "zone_id", "pod_id", "cluster_id", "scope", "capacity_bytes", "used_bytes").from("storage_pools")
            .where("removed", .is, SQLLiteral.null).orderBy("id").all().map { row in
                PoolFigures(poolID: try row.int64("id"), zoneID: try row.int64("zone_id"), podID: try row.optionalInt64("pod_id"),
                            clusterID: try row.optionalInt64("cluster_id"), isLocal: try row.string("scope") == StoragePoolScope.host.rawValue,
                            capacityBytes: try row.int64("capacity_bytes"), usedBytes: try row.int64("used_bytes"))
            }
    }

    /// Public addresses per zone, split by range type: `VirtualNetwork` ranges count as public
    /// IPs, `DirectAttached` ones as direct-attached IPs. An address is used unless Free.
    public static func publicAddresses(_ sql: any SQLDatabase, vlanType: String) async throws -> [Counted] {
        let rows = try await sql.raw("""
            SELECT a.zone_id AS zone_id, COUNT(*) AS total, SUM(CASE WHEN a.state = 'Free' THEN 0 ELSE 1 END) AS used
            FROM public_ip_addresses a JOIN vlan_ip_ranges v ON v.id = a.vlan_id
            WHERE a.removed IS NULL AND v.removed IS NULL AND v.vlan_type = \(bind: vlanType)
            GROUP BY a.zone_id ORDER BY a.zone_id
            """).all()
        return try rows.map { row in
            let zone = try row.int64("zone_id")
            return Counted(ownerID: zone, zoneID: zone, podID: nil, total: try row.int64("total"), used: try row.decode(column: "used", as: Int64?.self) ?? 0)
        }
    }

    /// Pod management addresses per pod.
    public static func podAddresses(_ sql: any SQLDatabase) async throws -> [Counted] {
        let rows = try await sql.raw("""
            SELECT pod_id, zone_id, COUNT(*) AS total, SUM(CASE WHEN taken IS NULL THEN 0 ELSE 1 END) AS used
            FROM pod_ip_addresses GROUP BY pod_id, zone_id ORDER BY pod_id
            """).all()
        return try rows.map { row in
            let pod = try row.int64("pod_id")
            return Counted(ownerID: pod, zoneID: try row.int64("zone_id"), podID: pod, total: try row.int64("total"), used: try row.decode(column: "used", as: Int64?.self) ?? 0)
        }
    }

    /// Guest VLANs/VNIs per zone.
    public static func guestVnets(_ sql: any SQLDatabase) async throws -> [Counted] {
        let rows = try await sql.raw("""
            SELECT zone_id, COUNT(*) AS total, SUM(CASE WHEN taken IS NULL THEN 0 ELSE 1 END) AS used
            FROM guest_vnets GROUP BY zone_id ORDER BY zone_id
            """).all()
        return try rows.map { row in
            let zone = try row.int64("zone_id")
            return Counted(ownerID: zone, zoneID: zone, podID: nil, total: try row.int64("total"), used: try row.decode(column: "used", as: Int64?.self) ?? 0)
        }
    }

    /// Zone image stores: size and use.
    public static func imageStores(_ sql: any SQLDatabase) async throws -> [Counted] {
        try await sql.select().columns("id", "zone_id", "total_bytes", "used_bytes").from("image_stores")
            .where("removed", .is, SQLLiteral.null).where("zone_id", .isNot, SQLLiteral.null).orderBy("id").all().map { row in
                Counted(ownerID: try row.int64("id"), zoneID: try row.int64("zone_id"), podID: nil, total: try row.int64("total_bytes"), used: try row.int64("used_bytes"))
            }
    }

    // MARK: stored rows

    /// Replaces every stored capacity row with `records` (one capacity check).
    public static func replaceAll(_ sql: any SQLDatabase, _ records: [CapacityRecord], at date: Date) async throws {
        try await sql.delete(from: table).run()
        for chunk in stride(from: 0, to: records.count, by: 200).map({ Array(records[$0..<min($0 + 200, records.count)]) }) {
            var insert = sql.insert(into: table).columns("owner", "owner_id", "capacity_type", "zone_id", "pod_id", "cluster_id", "used", "reserved", "total", "tag", "updated")
            for r in chunk {
                insert = insert.values(SQLBind(r.owner.rawValue), SQLBind(r.ownerID), SQLBind(r.type.rawValue), SQLBind(r.zoneID), SQLBind(r.podID),
                                       SQLBind(r.clusterID), SQLBind(r.used), SQLBind(r.reserved), SQLBind(r.total), SQLBind(r.tag), SQLBind(date.storedMillis))
            }
            try await insert.run()
        }
    }

    /// Stored rows, optionally narrowed to a zone, pod, cluster and type.
    public static func list(_ sql: any SQLDatabase, zoneID: Int64?, podID: Int64?, clusterID: Int64?, type: CapacityType?) async throws -> [CapacityRecord] {
        var q = sql.select().column("*").from(table)
        if let zoneID { q = q.where("zone_id", .equal, zoneID) }
        if let podID { q = q.where("pod_id", .equal, podID) }
        if let clusterID { q = q.where("cluster_id", .equal, clusterID) }
        if let type { q = q.where("capacity_type", .equal, type.rawValue) }
        return try await q.orderBy("zone_id").orderBy("capacity_type").orderBy("owner_id").all().map { row in
            guard let type = CapacityType(rawValue: try row.int("capacity_type")), let owner = CapacityOwner(rawValue: try row.string("owner")) else {
                throw StoreError("Unknown capacity row")
            }
            return CapacityRecord(type: type, owner: owner, ownerID: try row.int64("owner_id"), zoneID: try row.int64("zone_id"),
                                  podID: try row.optionalInt64("pod_id"), clusterID: try row.optionalInt64("cluster_id"),
                                  used: try row.int64("used"), reserved: try row.int64("reserved"), total: try row.int64("total"), tag: try row.optionalString("tag"))
        }
    }

    /// When the stored rows were last written, if ever.
    public static func lastUpdated(_ sql: any SQLDatabase) async throws -> Date? {
        let row = try await sql.select().column(SQLFunction("max", args: SQLIdentifier("updated")), as: "m").from(table).first()
        return try row?.decode(column: "m", as: Int64?.self).map(Date.init(storedMillis:))
    }
}
