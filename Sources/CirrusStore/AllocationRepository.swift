import CirrusModel
import Foundation
import SQLKit

/// CPU, memory and storage held on hosts and pools (`host_allocations`, `pool_allocations`).
/// Reservations are single conditional updates: the row changes only if the new total still
/// fits, so two deploys racing for the last slot cannot both win, on either engine.
public enum AllocationRepository {
    /// What one host has given out: CPU in MHz, memory in bytes.
    public struct HostAllocation: Sendable, Equatable {
        public var hostID: Int64
        public var cpuUsed: Int64
        public var memoryUsed: Int64
        public var cpuReserved: Int64
        public var memoryReserved: Int64
        public var instances: Int

        public init(hostID: Int64, cpuUsed: Int64 = 0, memoryUsed: Int64 = 0, cpuReserved: Int64 = 0, memoryReserved: Int64 = 0, instances: Int = 0) {
            self.hostID = hostID; self.cpuUsed = cpuUsed; self.memoryUsed = memoryUsed
            self.cpuReserved = cpuReserved; self.memoryReserved = memoryReserved; self.instances = instances
        }
    }

    /// Takes `cpu` MHz and `memory` bytes on a host if `used + reserved + request` stays within
    /// the given limits (the host's totals after overprovisioning). Returns whether it fitted.
    public static func reserveHost(_ sql: any SQLDatabase, hostID: Int64, cpu: Int64, memory: Int64, cpuLimit: Int64, memoryLimit: Int64) async throws -> Bool {
        try await ensureHost(sql, hostID: hostID)
        let rows = try await sql.raw("""
            UPDATE host_allocations SET cpu_used = cpu_used + \(bind: cpu), memory_used = memory_used + \(bind: memory), instances = instances + 1
            WHERE host_id = \(unsafeRaw: String(hostID)) AND cpu_used + cpu_reserved + \(bind: cpu) <= \(bind: cpuLimit)
              AND memory_used + memory_reserved + \(bind: memory) <= \(bind: memoryLimit)
            RETURNING host_id
            """).all()
        return !rows.isEmpty
    }

    /// Gives back what ``reserveHost`` took (never below zero).
    public static func releaseHost(_ sql: any SQLDatabase, hostID: Int64, cpu: Int64, memory: Int64) async throws {
        try await sql.raw("""
            UPDATE host_allocations SET cpu_used = CASE WHEN cpu_used > \(bind: cpu) THEN cpu_used - \(bind: cpu) ELSE 0 END,
              memory_used = CASE WHEN memory_used > \(bind: memory) THEN memory_used - \(bind: memory) ELSE 0 END,
              instances = CASE WHEN instances > 0 THEN instances - 1 ELSE 0 END
            WHERE host_id = \(unsafeRaw: String(hostID))
            """).run()
    }

    /// Changes what an instance already on a host holds there by `cpu` MHz and `memory` bytes
    /// (scaling in place; either sign). Growth is taken only if it fits within the limits;
    /// shrinking never goes below zero. Returns whether the change was made.
    public static func resizeOnHost(_ sql: any SQLDatabase, hostID: Int64, cpu: Int64, memory: Int64, cpuLimit: Int64, memoryLimit: Int64) async throws -> Bool {
        try await ensureHost(sql, hostID: hostID)
        let rows = try await sql.raw("""
            UPDATE host_allocations SET cpu_used = CASE WHEN cpu_used + \(bind: cpu) > 0 THEN cpu_used + \(bind: cpu) ELSE 0 END,
              memory_used = CASE WHEN memory_used + \(bind: memory) > 0 THEN memory_used + \(bind: memory) ELSE 0 END
            WHERE host_id = \(unsafeRaw: String(hostID))
              AND (\(bind: cpu) <= 0 OR cpu_used + cpu_reserved + \(bind: cpu) <= \(bind: cpuLimit))
              AND (\(bind: memory) <= 0 OR memory_used + memory_reserved + \(bind: memory) <= \(bind: memoryLimit))
            RETURNING host_id
            """).all()
        return !rows.isEmpty
    }

    /// Takes `bytes` on a pool if the allocated total stays within `limit`.
    public static func reservePool(_ sql: any SQLDatabase, poolID: Int64, bytes: Int64, limit: Int64) async throws -> Bool {
        try await ensurePool(sql, poolID: poolID)
        let rows = try await sql.raw("""
            UPDATE pool_allocations SET allocated = allocated + \(bind: bytes), volumes = volumes + 1
            WHERE pool_id = \(unsafeRaw: String(poolID)) AND allocated + \(bind: bytes) <= \(bind: limit)
            RETURNING pool_id
            """).all()
        return !rows.isEmpty
    }

    /// Changes a pool's allocation by `delta` bytes without a limit (resize within checks
    /// made by the caller) and its volume count by `volumes`.
    public static func adjustPool(_ sql: any SQLDatabase, poolID: Int64, bytes delta: Int64, volumes: Int) async throws {
        try await ensurePool(sql, poolID: poolID)
        try await sql.raw("""
            UPDATE pool_allocations SET allocated = CASE WHEN allocated + \(bind: delta) > 0 THEN allocated + \(bind: delta) ELSE 0 END,
              volumes = CASE WHEN volumes + \(bind: volumes) > 0 THEN volumes + \(bind: volumes) ELSE 0 END
            WHERE pool_id = \(unsafeRaw: String(poolID))
            """).run()
    }

    public static func releasePool(_ sql: any SQLDatabase, poolID: Int64, bytes: Int64) async throws {
        try await adjustPool(sql, poolID: poolID, bytes: -bytes, volumes: -1)
    }

    static func ensureHost(_ sql: any SQLDatabase, hostID: Int64) async throws {
        try await sql.raw("""
            INSERT INTO host_allocations (host_id, cpu_used, memory_used, cpu_reserved, memory_reserved, instances)
            VALUES (\(unsafeRaw: String(hostID)), 0, 0, 0, 0, 0) ON CONFLICT (host_id) DO NOTHING
            """).run()
    }

    static func ensurePool(_ sql: any SQLDatabase, poolID: Int64) async throws {
        try await sql.raw("INSERT INTO pool_allocations (pool_id, allocated, volumes) VALUES (\(unsafeRaw: String(poolID)), 0, 0) ON CONFLICT (pool_id) DO NOTHING").run()
    }

    /// Every host's allocation (hosts without a row have nothing allocated).
    public static func hosts(_ sql: any SQLDatabase) async throws -> [Int64: HostAllocation] {
        var out: [Int64: HostAllocation] = [:]
        for row in try await sql.raw("SELECT host_id, cpu_used, memory_used, cpu_reserved, memory_reserved, instances FROM host_allocations").all() {
            let a = HostAllocation(hostID: try row.int64("host_id"), cpuUsed: try row.int64("cpu_used"), memoryUsed: try row.int64("memory_used"),
                                   cpuReserved: try row.int64("cpu_reserved"), memoryReserved: try row.int64("memory_reserved"), instances: try row.int("instances"))
            out[a.hostID] = a
        }
        return out
    }

    /// Bytes allocated per pool.
    public static func pools(_ sql: any SQLDatabase) async throws -> [Int64: Int64] {
        var out: [Int64: Int64] = [:]
        for row in try await sql.raw("SELECT pool_id, allocated FROM pool_allocations").all() {
            out[try row.int64("pool_id")] = try row.int64("allocated")
        }
        return out
    }

    public static func host(_ sql: any SQLDatabase, id: Int64) async throws -> HostAllocation {
        guard let row = try await sql.raw("SELECT host_id, cpu_used, memory_used, cpu_reserved, memory_reserved, instances FROM host_allocations WHERE host_id = \(unsafeRaw: String(id))").first() else {
            return HostAllocation(hostID: id)
        }
        return HostAllocation(hostID: id, cpuUsed: try row.int64("cpu_used"), memoryUsed: try row.int64("memory_used"),
                              cpuReserved: try row.int64("cpu_reserved"), memoryReserved: try row.int64("memory_reserved"), instances: try row.int("instances"))
    }

    /// The cores of the instances that hold each host (the CPU_CORE capacity).
    public static func coresByHost(_ sql: any SQLDatabase) async throws -> [Int64: Int64] {
        let rows = try await sql.raw("""
            SELECT host_id, CAST(SUM(cpu) AS BIGINT) AS n FROM vm_instances
            WHERE removed IS NULL AND host_id IS NOT NULL AND state IN ('Starting', 'Running', 'Stopping', 'Migrating')
            GROUP BY host_id
            """).all()
        var out: [Int64: Int64] = [:]
        for row in rows { out[try row.decode(column: "host_id", as: Int64.self)] = try row.decode(column: "n", as: Int64?.self) ?? 0 }
        return out
    }

    /// Recomputes every host's and pool's allocation from the instances and volumes that hold
    /// them (repairs drift: stranded operations, and tests checking that nothing leaked).
    public static func recompute(_ sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM host_allocations").run()
        try await sql.raw("""
            INSERT INTO host_allocations (host_id, cpu_used, memory_used, cpu_reserved, memory_reserved, instances)
            SELECT host_id, SUM(cpu * cpu_speed), SUM(memory * 1048576), 0, 0, COUNT(*) FROM vm_instances
            WHERE removed IS NULL AND host_id IS NOT NULL AND state IN ('Starting', 'Running', 'Stopping', 'Migrating')
            GROUP BY host_id
            """).run()
        try await sql.raw("DELETE FROM pool_allocations").run()
        try await sql.raw("""
            INSERT INTO pool_allocations (pool_id, allocated, volumes)
            SELECT pool_id, SUM(size), COUNT(*) FROM volumes WHERE removed IS NULL AND pool_id IS NOT NULL GROUP BY pool_id
            """).run()
    }
}
