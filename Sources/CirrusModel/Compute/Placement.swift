import Foundation

/// `vm.allocation.algorithm`: how hosts within a cluster (and pools) are ordered.
public enum AllocationAlgorithm: String, Sendable, CaseIterable, CaseInsensitiveEnum {
    case random
    case firstFit = "firstfit"
    case userDispersing = "userdispersing"
    case userConcentratedPodRandom = "userconcentratedpod_random"
    case userConcentratedPodFirstFit = "userconcentratedpod_firstfit"
    case firstFitLeastConsumed = "firstfitleastconsumed"
}

/// A host as the planner sees it: identity, place, state and capacity after overprovisioning.
public struct PlacementHost: Sendable, Equatable {
    public var id: Int64
    public var zoneID: Int64
    public var podID: Int64
    public var clusterID: Int64
    public var hypervisor: HypervisorType
    /// Up and Enabled: may take new instances.
    public var isAvailable: Bool
    public var tags: Set<String>
    public var cores: Int
    /// MHz per core.
    public var coreSpeed: Int64
    /// Cores × speed × the cluster's CPU overprovisioning factor.
    public var cpuTotal: Int64
    /// Usable memory (total − dom0) × the memory overprovisioning factor.
    public var memoryTotal: Int64
    /// Used plus reserved.
    public var cpuAllocated: Int64
    public var memoryAllocated: Int64

    public init(id: Int64, zoneID: Int64, podID: Int64, clusterID: Int64, hypervisor: HypervisorType, isAvailable: Bool, tags: Set<String> = [],
                cores: Int, coreSpeed: Int64, cpuTotal: Int64, memoryTotal: Int64, cpuAllocated: Int64 = 0, memoryAllocated: Int64 = 0) {
        self.id = id; self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID; self.hypervisor = hypervisor
        self.isAvailable = isAvailable; self.tags = tags; self.cores = cores; self.coreSpeed = coreSpeed; self.cpuTotal = cpuTotal
        self.memoryTotal = memoryTotal; self.cpuAllocated = cpuAllocated; self.memoryAllocated = memoryAllocated
    }

    public var cpuFree: Int64 { cpuTotal - cpuAllocated }
    public var memoryFree: Int64 { memoryTotal - memoryAllocated }

    /// Whether the host can run `request` now: core count, core speed, then free CPU and memory.
    public func fits(_ request: PlacementRequest) -> Bool {
        cores >= request.cpuCores && coreSpeed >= request.cpuSpeed
            && cpuAllocated + request.cpuDemand <= cpuTotal && memoryAllocated + request.memoryBytes <= memoryTotal
    }
}

/// A cluster as the planner sees it.
public struct PlacementCluster: Sendable, Equatable {
    public var id: Int64
    public var podID: Int64
    public var zoneID: Int64
    public var hypervisor: HypervisorType
    /// The cluster and its pod are Enabled.
    public var isEnabled: Bool
    /// `cluster.cpu.allocated.capacity.disablethreshold` and the memory one (0…1).
    public var cpuDisableThreshold: Double
    public var memoryDisableThreshold: Double

    public init(id: Int64, podID: Int64, zoneID: Int64, hypervisor: HypervisorType, isEnabled: Bool = true, cpuDisableThreshold: Double = 0.85,
                memoryDisableThreshold: Double = 0.85) {
        self.id = id; self.podID = podID; self.zoneID = zoneID; self.hypervisor = hypervisor; self.isEnabled = isEnabled
        self.cpuDisableThreshold = cpuDisableThreshold; self.memoryDisableThreshold = memoryDisableThreshold
    }
}

/// A primary storage pool as the planner sees it.
public struct PlacementPool: Sendable, Equatable {
    public var id: Int64
    public var zoneID: Int64
    public var clusterID: Int64?
    /// Set for host-local pools.
    public var hostID: Int64?
    public var isAvailable: Bool
    public var tags: Set<String>
    /// Capacity × overprovisioning × `pool.storage.allocated.capacity.disablethreshold`.
    public var allocationLimit: Int64
    public var allocated: Int64

    public init(id: Int64, zoneID: Int64, clusterID: Int64?, hostID: Int64?, isAvailable: Bool = true, tags: Set<String> = [], allocationLimit: Int64, allocated: Int64 = 0) {
        self.id = id; self.zoneID = zoneID; self.clusterID = clusterID; self.hostID = hostID; self.isAvailable = isAvailable
        self.tags = tags; self.allocationLimit = allocationLimit; self.allocated = allocated
    }

    public var isLocal: Bool { hostID != nil }
    public var isZoneWide: Bool { hostID == nil && clusterID == nil }
}

/// One volume to place.
public struct VolumeDemand: Sendable, Equatable {
    public var size: Int64
    public var tags: Set<String>
    /// The disk offering asks for local storage.
    public var local: Bool
    /// Already on this pool (a Ready volume that stays where it is); it must be reachable.
    public var existingPoolID: Int64?

    public init(size: Int64, tags: Set<String> = [], local: Bool = false, existingPoolID: Int64? = nil) {
        self.size = size; self.tags = tags; self.local = local; self.existingPoolID = existingPoolID
    }
}

/// Hosts, clusters, pods and pools excluded from a placement (CloudStack's `ExcludeList`).
public struct AvoidSet: Sendable, Equatable {
    public var hosts: Set<Int64> = []
    public var clusters: Set<Int64> = []
    public var pods: Set<Int64> = []
    public var pools: Set<Int64> = []

    public init(hosts: Set<Int64> = [], clusters: Set<Int64> = [], pods: Set<Int64> = [], pools: Set<Int64> = []) {
        self.hosts = hosts; self.clusters = clusters; self.pods = pods; self.pools = pools
    }
}

/// What the affinity groups of an instance ask of placement.
public struct AffinityConstraints: Sendable, Equatable {
    /// Strict host affinity: the one host the group's running members use.
    public var requiredHost: Int64?
    /// Strict anti-affinity: hosts of the group's other members.
    public var avoidHosts: Set<Int64> = []
    /// Non-strict affinity: tried first.
    public var preferredHosts: Set<Int64> = []
    /// Non-strict anti-affinity: tried last.
    public var discouragedHosts: Set<Int64> = []

    public init(requiredHost: Int64? = nil, avoidHosts: Set<Int64> = [], preferredHosts: Set<Int64> = [], discouragedHosts: Set<Int64> = []) {
        self.requiredHost = requiredHost; self.avoidHosts = avoidHosts; self.preferredHosts = preferredHosts; self.discouragedHosts = discouragedHosts
    }
}

/// What an instance needs from placement.
public struct PlacementRequest: Sendable, Equatable {
    public var zoneID: Int64
    public var podID: Int64?
    public var clusterID: Int64?
    /// An admin's explicit `hostid`: that host or nothing.
    public var hostID: Int64?
    /// Tried first when it still fits (CloudStack's last-host preference).
    public var lastHostID: Int64?
    public var hypervisor: HypervisorType?
    public var cpuCores: Int
    public var cpuSpeed: Int64
    public var memoryBytes: Int64
    /// Tags every candidate host must carry (offering host tags and the template tag).
    public var hostTags: Set<String>
    public var volumes: [VolumeDemand]
    public var planner: DeploymentPlannerName
    public var algorithm: AllocationAlgorithm
    public var affinity: AffinityConstraints
    /// Root admins may deploy into disabled clusters and pods.
    public var includeDisabled: Bool
    /// Whether the cluster disable thresholds apply.
    public var applyClusterThresholds: Bool
    /// The account's instances per host and per pod (dispersing and concentrating planners).
    public var accountInstancesPerHost: [Int64: Int]
    public var accountInstancesPerPod: [Int64: Int]

    public init(zoneID: Int64, podID: Int64? = nil, clusterID: Int64? = nil, hostID: Int64? = nil, lastHostID: Int64? = nil, hypervisor: HypervisorType? = nil,
                cpuCores: Int, cpuSpeed: Int64, memoryBytes: Int64, hostTags: Set<String> = [], volumes: [VolumeDemand] = [],
                planner: DeploymentPlannerName = .firstFit, algorithm: AllocationAlgorithm = .firstFit, affinity: AffinityConstraints = AffinityConstraints(),
                includeDisabled: Bool = false, applyClusterThresholds: Bool = true, accountInstancesPerHost: [Int64: Int] = [:],
                accountInstancesPerPod: [Int64: Int] = [:]) {
        self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID; self.hostID = hostID; self.lastHostID = lastHostID
        self.hypervisor = hypervisor; self.cpuCores = cpuCores; self.cpuSpeed = cpuSpeed; self.memoryBytes = memoryBytes; self.hostTags = hostTags
        self.volumes = volumes; self.planner = planner; self.algorithm = algorithm; self.affinity = affinity; self.includeDisabled = includeDisabled
        self.applyClusterThresholds = applyClusterThresholds; self.accountInstancesPerHost = accountInstancesPerHost
        self.accountInstancesPerPod = accountInstancesPerPod
    }

    /// MHz over all cores.
    public var cpuDemand: Int64 { Int64(cpuCores) * cpuSpeed }
}

/// Where an instance goes: a host, and a pool for each volume (same order as the request).
public struct Placement: Sendable, Equatable {
    public var hostID: Int64
    public var clusterID: Int64
    public var podID: Int64
    public var poolIDs: [Int64]
    /// The host's CPU (MHz) and memory (bytes) totals after overprovisioning, and each pool's
    /// allocation limit, as the plan saw them: the reservation's conditional updates check
    /// against these, so it needs no snapshot (and no database read) inside its transaction.
    public var cpuLimit: Int64
    public var memoryLimit: Int64
    public var poolLimits: [Int64]

    public init(hostID: Int64, clusterID: Int64, podID: Int64, poolIDs: [Int64], cpuLimit: Int64 = .max, memoryLimit: Int64 = .max, poolLimits: [Int64] = []) {
        self.hostID = hostID; self.clusterID = clusterID; self.podID = podID; self.poolIDs = poolIDs
        self.cpuLimit = cpuLimit; self.memoryLimit = memoryLimit; self.poolLimits = poolLimits
    }
}

/// Everything placement looks at, indexed for speed: 10,000 hosts are planned over in
/// well under a millisecond. The engine keeps one and updates the allocations it reserves.
public struct PlacementSnapshot: Sendable {
    public private(set) var hosts: [PlacementHost]
    public private(set) var clusters: [Int64: PlacementCluster]
    public private(set) var pools: [PlacementPool]
    private var hostIndex: [Int64: Int] = [:]
    private var poolIndex: [Int64: Int] = [:]
    /// Host positions per cluster, in id order.
    private var hostsByCluster: [Int64: [Int]] = [:]
    /// Pool positions by what reaches them: a host (local), a cluster, or a whole zone.
    private var poolsByHost: [Int64: [Int]] = [:]
    private var poolsByCluster: [Int64: [Int]] = [:]
    private var poolsByZone: [Int64: [Int]] = [:]

    public init(hosts: [PlacementHost], clusters: [PlacementCluster], pools: [PlacementPool]) {
        self.hosts = hosts.sorted { $0.id < $1.id }
        self.clusters = Dictionary(clusters.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.pools = pools.sorted { $0.id < $1.id }
        for (i, h) in self.hosts.enumerated() {
            hostIndex[h.id] = i
            hostsByCluster[h.clusterID, default: []].append(i)
        }
        for (i, p) in self.pools.enumerated() {
            poolIndex[p.id] = i
            if let h = p.hostID { poolsByHost[h, default: []].append(i) } else if let c = p.clusterID { poolsByCluster[c, default: []].append(i) } else {
                poolsByZone[p.zoneID, default: []].append(i)
            }
        }
    }

    public func host(_ id: Int64) -> PlacementHost? { hostIndex[id].map { hosts[$0] } }
    public func pool(_ id: Int64) -> PlacementPool? { poolIndex[id].map { pools[$0] } }

    /// Records CPU and memory taken (positive) or given back (negative) on a host.
    public mutating func allocate(hostID: Int64, cpu: Int64, memory: Int64) {
        guard let i = hostIndex[hostID] else { return }
        hosts[i].cpuAllocated = max(0, hosts[i].cpuAllocated + cpu)
        hosts[i].memoryAllocated = max(0, hosts[i].memoryAllocated + memory)
    }

    /// Records bytes taken or given back on a pool.
    public mutating func allocate(poolID: Int64, bytes: Int64) {
        guard let i = poolIndex[poolID] else { return }
        pools[i].allocated = max(0, pools[i].allocated + bytes)
    }

    /// Sets a host's allocation to what the database says (after a lost race).
    public mutating func setAllocation(hostID: Int64, cpu: Int64, memory: Int64) {
        guard let i = hostIndex[hostID] else { return }
        hosts[i].cpuAllocated = cpu
        hosts[i].memoryAllocated = memory
    }

    // MARK: planning

    /// Plans a placement, or nil when nothing fits. `random` orders hosts and pools for the
    /// `random` algorithm; pass a seeded generator for repeatable results.
    public func plan<R: RandomNumberGenerator>(_ request: PlacementRequest, avoid: AvoidSet = AvoidSet(), random: inout R) -> Placement? {
        var avoid = avoid
        avoid.hosts.formUnion(request.affinity.avoidHosts)
        if let required = request.affinity.requiredHost {
            // Strict affinity: the group's host or nothing (an explicit hostid must agree).
            if let explicit = request.hostID, explicit != required { return nil }
            return planOnHost(required, request, avoid: avoid)
        }
        if let explicit = request.hostID { return planOnHost(explicit, request, avoid: avoid) }
        if let last = request.lastHostID, let placed = planOnHost(last, request, avoid: avoid, quiet: true) { return placed }
        for clusterID in orderedClusters(request, avoid: avoid) {
            guard let cluster = clusters[clusterID] else { continue }
            if let placed = planInCluster(cluster, request, avoid: &avoid, random: &random) { return placed }
        }
        return nil
    }

    /// Without a generator: the system's.
    public func plan(_ request: PlacementRequest, avoid: AvoidSet = AvoidSet()) -> Placement? {
        var rng = SystemRandomNumberGenerator()
        return plan(request, avoid: avoid, random: &rng)
    }

    func placement(_ host: PlacementHost, clusterID: Int64, pools: [Int64]) -> Placement {
        Placement(hostID: host.id, clusterID: clusterID, podID: host.podID, poolIDs: pools, cpuLimit: host.cpuTotal, memoryLimit: host.memoryTotal,
                  poolLimits: pools.map { pool($0)?.allocationLimit ?? 0 })
    }

    func planOnHost(_ hostID: Int64, _ request: PlacementRequest, avoid: AvoidSet, quiet: Bool = false) -> Placement? {
        guard let host = host(hostID), !avoid.hosts.contains(hostID), host.zoneID == request.zoneID, host.isAvailable,
              request.hypervisor == nil || request.hypervisor == host.hypervisor, request.hostTags.isSubset(of: host.tags), host.fits(request),
              let cluster = clusters[host.clusterID], cluster.isEnabled || request.includeDisabled,
              request.clusterID == nil || request.clusterID == host.clusterID, request.podID == nil || request.podID == host.podID
        else { return nil }
        var rng = SystemRandomNumberGenerator()
        guard let pools = poolsFor(host, request, avoid: avoid, random: &rng) else { return nil }
        return placement(host, clusterID: host.clusterID, pools: pools)
    }

    /// Candidate clusters in the planner's order, after the plan's scope, avoid set, state,
    /// hypervisor and disable thresholds.
    func orderedClusters(_ request: PlacementRequest, avoid: AvoidSet) -> [Int64] {
        struct Aggregate { var cpuFree: Int64 = 0; var memoryFree: Int64 = 0; var cpuTotal: Int64 = 0; var memoryTotal: Int64 = 0
            var cpuAllocated: Int64 = 0; var memoryAllocated: Int64 = 0; var anyFits = false; var accountInstances = 0 }
        var aggregates: [Int64: Aggregate] = [:]
        for (clusterID, positions) in hostsByCluster {
            guard let c = clusters[clusterID], c.zoneID == request.zoneID, !avoid.clusters.contains(clusterID), !avoid.pods.contains(c.podID),
                  c.isEnabled || request.includeDisabled, request.hypervisor == nil || request.hypervisor == c.hypervisor,
                  request.clusterID == nil || request.clusterID == clusterID, request.podID == nil || request.podID == c.podID else { continue }
            var a = Aggregate()
            for i in positions {
                let h = hosts[i]
                guard h.isAvailable else { continue }
                a.cpuTotal += h.cpuTotal; a.memoryTotal += h.memoryTotal
                a.cpuAllocated += h.cpuAllocated; a.memoryAllocated += h.memoryAllocated
                a.cpuFree += max(0, h.cpuFree); a.memoryFree += max(0, h.memoryFree)
                a.accountInstances += request.accountInstancesPerHost[h.id] ?? 0
                if !a.anyFits, !avoid.hosts.contains(h.id), request.hostTags.isSubset(of: h.tags), h.fits(request) { a.anyFits = true }
            }
            guard a.anyFits else { continue }
            if request.applyClusterThresholds, a.cpuTotal > 0, a.memoryTotal > 0 {
                let cpuAfter = Double(a.cpuAllocated + request.cpuDemand) / Double(a.cpuTotal)
                let memoryAfter = Double(a.memoryAllocated + request.memoryBytes) / Double(a.memoryTotal)
                if cpuAfter > c.cpuDisableThreshold || memoryAfter > c.memoryDisableThreshold { continue }
            }
            aggregates[clusterID] = a
        }
        let ids = Array(aggregates.keys)
        switch request.planner {
        case .firstFit:
            return ids.sorted { (aggregates[$0]!.cpuFree, -$0) > (aggregates[$1]!.cpuFree, -$1) }
        case .userDispersing:
            return ids.sorted { (aggregates[$0]!.accountInstances, -aggregates[$0]!.cpuFree, $0) < (aggregates[$1]!.accountInstances, -aggregates[$1]!.cpuFree, $1) }
        case .userConcentratedPod:
            func podCount(_ id: Int64) -> Int { clusters[id].map { request.accountInstancesPerPod[$0.podID] ?? 0 } ?? 0 }
            return ids.sorted { (podCount($0), aggregates[$0]!.cpuFree, -$0) > (podCount($1), aggregates[$1]!.cpuFree, -$1) }
        }
    }

    func planInCluster<R: RandomNumberGenerator>(_ cluster: PlacementCluster, _ request: PlacementRequest, avoid: inout AvoidSet, random: inout R) -> Placement? {
        var candidates: [PlacementHost] = []
        for i in hostsByCluster[cluster.id] ?? [] {
            let h = hosts[i]
            guard h.isAvailable, !avoid.hosts.contains(h.id), request.hostTags.isSubset(of: h.tags) else { continue }
            candidates.append(h)
        }
        switch request.algorithm {
        case .random, .userConcentratedPodRandom: candidates.shuffle(using: &random)
        case .firstFit, .userConcentratedPodFirstFit: break
        case .userDispersing:
            candidates.sort { (request.accountInstancesPerHost[$0.id] ?? 0, $0.id) < (request.accountInstancesPerHost[$1.id] ?? 0, $1.id) }
        case .firstFitLeastConsumed:
            candidates.sort { ($0.cpuFree, -$0.id) > ($1.cpuFree, -$1.id) }
        }
        if !request.affinity.preferredHosts.isEmpty || !request.affinity.discouragedHosts.isEmpty {
            func rank(_ h: PlacementHost) -> Int {
                request.affinity.preferredHosts.contains(h.id) ? 0 : request.affinity.discouragedHosts.contains(h.id) ? 2 : 1
            }
            candidates = candidates.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        }
        for host in candidates {
            guard host.fits(request) else { avoid.hosts.insert(host.id); continue }
            if let pools = poolsFor(host, request, avoid: avoid, random: &random) {
                return placement(host, clusterID: cluster.id, pools: pools)
            }
        }
        avoid.clusters.insert(cluster.id)
        return nil
    }

    /// A pool for each volume that the host reaches, largest volume first, counting what this
    /// pass already placed on each pool. Nil when a volume finds none.
    func poolsFor<R: RandomNumberGenerator>(_ host: PlacementHost, _ request: PlacementRequest, avoid: AvoidSet, random: inout R) -> [Int64]? {
        var chosen = [Int64](repeating: 0, count: request.volumes.count)
        var placedBytes: [Int64: Int64] = [:]
        let order = request.volumes.indices.sorted { request.volumes[$0].size > request.volumes[$1].size }
        for index in order {
            let demand = request.volumes[index]
            if let existing = demand.existingPoolID {
                guard let pool = pool(existing), reaches(host, pool) else { return nil }
                chosen[index] = existing
                continue
            }
            let reachable = demand.local ? (poolsByHost[host.id] ?? []) : (poolsByCluster[host.clusterID] ?? []) + (poolsByZone[host.zoneID] ?? [])
            var candidates = reachable.map { pools[$0] }.filter { p in
                p.isAvailable && !avoid.pools.contains(p.id) && demand.tags.isSubset(of: p.tags)
                    && p.allocated + (placedBytes[p.id] ?? 0) + demand.size <= p.allocationLimit
            }
            if request.algorithm == .random || request.algorithm == .userConcentratedPodRandom { candidates.shuffle(using: &random) }
            guard let pool = candidates.first else { return nil }
            chosen[index] = pool.id
            placedBytes[pool.id, default: 0] += demand.size
        }
        return chosen
    }

    func reaches(_ host: PlacementHost, _ pool: PlacementPool) -> Bool {
        if let owner = pool.hostID { return owner == host.id }
        if let cluster = pool.clusterID { return cluster == host.clusterID }
        return pool.zoneID == host.zoneID
    }
}
