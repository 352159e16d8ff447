import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit
import Synchronization

/// Chooses hosts and pools for instances. The planner works on an in-memory snapshot of
/// hosts, clusters, pools and their allocations (rebuilt when it grows stale or something
/// changes), so that a decision over 10,000 hosts takes well under a millisecond; the
/// database stays the authority: a reservation is a conditional update that fails when the
/// snapshot was behind, and the caller then plans again.
public final class PlacementService: Sendable {
    let db: any Database
    let config: ConfigService
    let logger: Logger
    /// How old a snapshot may be before the next plan rebuilds it.
    let maxAge: TimeInterval

    struct State {
        var snapshot: PlacementSnapshot?
        var loadedAt = Date.distantPast
        var generation: UInt64 = 0
    }
    private let state = Mutex(State())
    /// One rebuild at a time; others wait for it rather than start their own.
    private let rebuilds = SingleFlight()

    public init(db: any Database, config: ConfigService, maxAge: TimeInterval = 5, logger: Logger) {
        self.db = db
        self.config = config
        self.maxAge = maxAge
        self.logger = logger
    }

    /// Forgets the snapshot: the next plan rebuilds it (after hosts, clusters or pools change).
    public func invalidate() {
        state.withLock { $0.snapshot = nil; $0.generation &+= 1 }
    }

    /// The current snapshot, rebuilt first when missing or stale.
    public func snapshot() async throws -> PlacementSnapshot {
        if let fresh = state.withLock({ s in s.snapshot.flatMap { Date().timeIntervalSince(s.loadedAt) < maxAge ? $0 : nil } }) { return fresh }
        return try await rebuilds.run {
            let generation = self.state.withLock { $0.generation }
            let built = try await self.build()
            self.state.withLock { s in
                // Keep it only if nothing invalidated it while it was being read.
                if s.generation == generation { s.snapshot = built; s.loadedAt = Date() }
            }
            return built
        }
    }

    /// Reads everything the planner needs and applies overprovisioning and thresholds.
    func build() async throws -> PlacementSnapshot {
        let (hosts, clusters, pools, hostAllocations, poolAllocations) = try await db.read { sql in
            (try await PlacementRepository.hosts(sql), try await PlacementRepository.clusters(sql), try await PlacementRepository.pools(sql),
             try await AllocationRepository.hosts(sql), try await AllocationRepository.pools(sql))
        }
        var factors: [Int64: (cpu: Double, memory: Double, cpuThreshold: Double, memoryThreshold: Double)] = [:]
        for c in clusters {
            let chain = CapacityService.clusterChain(clusterID: c.id, zoneID: c.zoneID)
            factors[c.id] = (try await config.double(Settings.cpuOverprovisioning, in: chain), try await config.double(Settings.memoryOverprovisioning, in: chain),
                             try await config.double(Settings.cpuDisableThreshold, in: chain), try await config.double(Settings.memoryDisableThreshold, in: chain))
        }
        let placementHosts = hosts.map { h -> PlacementHost in
            let f = factors[h.clusterID] ?? (1, 1, 0.85, 0.85)
            let a = hostAllocations[h.id]
            return PlacementHost(id: h.id, zoneID: h.zoneID, podID: h.podID, clusterID: h.clusterID, hypervisor: h.hypervisor,
                                 isAvailable: h.status == .up && h.resourceState == .enabled, tags: h.tags, cores: h.cpus, coreSpeed: h.cpuSpeed,
                                 cpuTotal: Int64((Double(Int64(h.cpus) * h.cpuSpeed) * f.cpu).rounded(.down)),
                                 memoryTotal: Int64((Double(max(0, h.totalMemory - h.dom0Memory)) * f.memory).rounded(.down)),
                                 cpuAllocated: (a?.cpuUsed ?? 0) + (a?.cpuReserved ?? 0), memoryAllocated: (a?.memoryUsed ?? 0) + (a?.memoryReserved ?? 0))
        }
        let placementClusters = clusters.map { c in
            let f = factors[c.id] ?? (1, 1, 0.85, 0.85)
            return PlacementCluster(id: c.id, podID: c.podID, zoneID: c.zoneID, hypervisor: c.hypervisor, isEnabled: c.enabled,
                                    cpuDisableThreshold: f.cpuThreshold, memoryDisableThreshold: f.memoryThreshold)
        }
        var placementPools: [PlacementPool] = []
        for p in pools {
            let chain = ScopeChain([(.storagePool, p.id), (.zone, p.zoneID)])
            let overprovision = try await config.double(Settings.storageOverprovisioning, in: chain)
            let allocatedThreshold = try await config.double(Settings.poolAllocatedDisableThreshold, in: chain)
            let usedThreshold = try await config.double(Settings.poolUsedDisableThreshold, in: chain)
            let usedFraction = p.capacityBytes > 0 ? Double(p.usedBytes) / Double(p.capacityBytes) : 1
            // Local pools are not overprovisioned in CloudStack's sense (Filesystem); shared ones are.
            let factor = p.hostID == nil ? overprovision : 1
            placementPools.append(PlacementPool(id: p.id, zoneID: p.zoneID, clusterID: p.clusterID, hostID: p.hostID,
                                                isAvailable: p.up && usedFraction <= usedThreshold, tags: p.tags,
                                                allocationLimit: Int64((Double(p.capacityBytes) * factor * allocatedThreshold).rounded(.down)),
                                                allocated: poolAllocations[p.id] ?? 0))
        }
        return PlacementSnapshot(hosts: placementHosts, clusters: placementClusters, pools: placementPools)
    }

    /// Plans over the current snapshot.
    public func plan(_ request: PlacementRequest, avoid: AvoidSet) async throws -> Placement? {
        let snapshot = try await snapshot()
        var rng = SystemRandomNumberGenerator()
        return snapshot.plan(request, avoid: avoid, random: &rng)
    }

    /// Takes CPU and memory on the placement's host and space on its pools, in the caller's
    /// transaction, against the limits the plan carries (nothing is read here: a read inside a
    /// transaction would need a second pooled connection). Returns false when the database
    /// says it no longer fits; the caller's transaction then takes nothing.
    public func reserve(_ sql: any SQLDatabase, _ placement: Placement, request: PlacementRequest, volumeSizes: [Int64]) async throws -> Bool {
        guard try await AllocationRepository.reserveHost(sql, hostID: placement.hostID, cpu: request.cpuDemand, memory: request.memoryBytes,
                                                         cpuLimit: placement.cpuLimit, memoryLimit: placement.memoryLimit) else { return false }
        for (i, (poolID, size)) in zip(placement.poolIDs, volumeSizes).enumerated() where size > 0 {
            let limit = i < placement.poolLimits.count ? placement.poolLimits[i] : 0
            guard try await AllocationRepository.reservePool(sql, poolID: poolID, bytes: size, limit: limit) else { return false }
        }
        return true
    }

    /// A host's CPU and memory totals after overprovisioning, from the snapshot (read before a
    /// transaction that resizes what an instance holds there).
    public func hostLimits(_ hostID: Int64) async throws -> (cpu: Int64, memory: Int64)? {
        try await snapshot().host(hostID).map { ($0.cpuTotal, $0.memoryTotal) }
    }

    /// Grows (or, with negative figures, shrinks) what an instance holds on its host, within
    /// `limits` (see ``hostLimits(_:)``); in the caller's transaction. Returns whether it fitted.
    public func resizeOnHost(_ sql: any SQLDatabase, hostID: Int64, cpu: Int64, memory: Int64,
                             limits: (cpu: Int64, memory: Int64) = (.max, .max)) async throws -> Bool {
        try await AllocationRepository.resizeOnHost(sql, hostID: hostID, cpu: cpu, memory: memory, cpuLimit: limits.cpu, memoryLimit: limits.memory)
    }

    /// Mirrors a committed reservation (positive) or release (negative) in the snapshot.
    public func recordHost(_ hostID: Int64, cpu: Int64, memory: Int64) {
        state.withLock { $0.snapshot?.allocate(hostID: hostID, cpu: cpu, memory: memory) }
    }

    public func recordPool(_ poolID: Int64, bytes: Int64) {
        state.withLock { $0.snapshot?.allocate(poolID: poolID, bytes: bytes) }
    }

    /// After a lost race: reads what the database holds for a host.
    public func refreshHost(_ hostID: Int64) async throws {
        let a = try await db.read { try await AllocationRepository.host($0, id: hostID) }
        state.withLock { $0.snapshot?.setAllocation(hostID: hostID, cpu: a.cpuUsed + a.cpuReserved, memory: a.memoryUsed + a.memoryReserved) }
    }
}

/// Runs one rebuild at a time: callers arriving while one runs share its result.
actor SingleFlight {
    private var running: Task<PlacementSnapshot, any Error>?

    func run(_ work: @escaping @Sendable () async throws -> PlacementSnapshot) async throws -> PlacementSnapshot {
        if let running { return try await running.value }
        let task = Task { try await work() }
        running = task
        defer { running = nil }
        return try await task.value
    }
}
