import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// Measures CPU, memory, storage, addresses and VLANs per host, pool, pod and zone;
/// applies the overprovisioning factors; stores the figures; and raises capacity alerts
/// when a notification threshold is crossed. `listCapacity` reads the stored figures
/// (or measures afresh with `fetchlatest`).
public struct CapacityService: Sendable {
    let db: any Database
    let config: ConfigService
    let alerts: AlertService
    let logger: Logger

    public init(db: any Database, config: ConfigService, alerts: AlertService, logger: Logger) {
        self.db = db
        self.config = config
        self.alerts = alerts
        self.logger = logger
    }

    /// Measures everything, stores it, and raises alerts. Returns the records written.
    @discardableResult
    public func check(now: Date = Date()) async throws -> [CapacityRecord] {
        let raw = try await db.read { sql in
            (hosts: try await CapacityRepository.hosts(sql), pools: try await CapacityRepository.pools(sql),
             publicIPs: try await CapacityRepository.publicAddresses(sql, vlanType: "VirtualNetwork"),
             directIPs: try await CapacityRepository.publicAddresses(sql, vlanType: "DirectAttached"),
             podIPs: try await CapacityRepository.podAddresses(sql), vnets: try await CapacityRepository.guestVnets(sql),
             stores: try await CapacityRepository.imageStores(sql),
             allocations: try await AllocationRepository.hosts(sql), cores: try await AllocationRepository.coresByHost(sql))
        }
        var records: [CapacityRecord] = []
        for h in raw.hosts {
            let chain = Self.clusterChain(clusterID: h.clusterID, zoneID: h.zoneID)
            let cpuFactor = try await config.double(Settings.cpuOverprovisioning, in: chain)
            let memFactor = try await config.double(Settings.memoryOverprovisioning, in: chain)
            let cpuTotal = Int64((Double(h.cpus * h.cpuSpeed) * cpuFactor).rounded(.down))
            let memTotal = Int64((Double(max(0, h.totalMemory - h.dom0Memory)) * memFactor).rounded(.down))
            // What instances hold on the host (Starting, Running, Stopping, Migrating), as placement reserves it.
            let a = raw.allocations[h.hostID]
            let cpuUsed = (a?.cpuUsed ?? 0) + (a?.cpuReserved ?? 0), memoryUsed = (a?.memoryUsed ?? 0) + (a?.memoryReserved ?? 0)
            records.append(CapacityRecord(type: .cpu, owner: .host, ownerID: h.hostID, zoneID: h.zoneID, podID: h.podID, clusterID: h.clusterID, used: cpuUsed, total: cpuTotal))
            records.append(CapacityRecord(type: .memory, owner: .host, ownerID: h.hostID, zoneID: h.zoneID, podID: h.podID, clusterID: h.clusterID, used: memoryUsed, total: memTotal))
            records.append(CapacityRecord(type: .cpuCore, owner: .host, ownerID: h.hostID, zoneID: h.zoneID, podID: h.podID, clusterID: h.clusterID,
                                          used: raw.cores[h.hostID] ?? 0, total: h.cpus))
        }
        for p in raw.pools {
            let factor = try await config.double(Settings.storageOverprovisioning, in: ScopeChain([(.storagePool, p.poolID), (.zone, p.zoneID)]))
            records.append(CapacityRecord(type: p.isLocal ? .localStorage : .storage, owner: .storagePool, ownerID: p.poolID, zoneID: p.zoneID,
                                          podID: p.podID, clusterID: p.clusterID, used: p.usedBytes, total: p.capacityBytes))
            records.append(CapacityRecord(type: .storageAllocated, owner: .storagePool, ownerID: p.poolID, zoneID: p.zoneID, podID: p.podID,
                                          clusterID: p.clusterID, used: 0, total: Int64((Double(p.capacityBytes) * factor).rounded(.down))))
        }
        for c in raw.publicIPs { records.append(CapacityRecord(type: .publicIP, owner: .zone, ownerID: c.ownerID, zoneID: c.zoneID, podID: nil, clusterID: nil, used: c.used, total: c.total)) }
        for c in raw.directIPs { records.append(CapacityRecord(type: .directAttachedPublicIP, owner: .zone, ownerID: c.ownerID, zoneID: c.zoneID, podID: nil, clusterID: nil, used: c.used, total: c.total)) }
        for c in raw.podIPs { records.append(CapacityRecord(type: .privateIP, owner: .pod, ownerID: c.ownerID, zoneID: c.zoneID, podID: c.podID, clusterID: nil, used: c.used, total: c.total)) }
        for c in raw.vnets { records.append(CapacityRecord(type: .vlan, owner: .zone, ownerID: c.ownerID, zoneID: c.zoneID, podID: nil, clusterID: nil, used: c.used, total: c.total)) }
        for c in raw.stores { records.append(CapacityRecord(type: .secondaryStorage, owner: .imageStore, ownerID: c.ownerID, zoneID: c.zoneID, podID: nil, clusterID: nil, used: c.used, total: c.total)) }

        let crossings = try await thresholdCrossings(records)
        let measured = records
        try await db.transaction { sql in
            try await CapacityRepository.replaceAll(sql, measured, at: now)
            for crossing in crossings {
                try await alerts.raise(sql, type: crossing.alert, subject: crossing.subject, zoneID: crossing.summary.zoneID,
                                       podID: crossing.summary.podID, clusterID: crossing.summary.clusterID, now: now)
            }
        }
        return records
    }

    struct Crossing { let alert: (Int, String); let subject: String; let summary: CapacitySummary }

    /// The summaries at their alert level whose use is at or above their notification threshold.
    func thresholdCrossings(_ records: [CapacityRecord]) async throws -> [Crossing] {
        var out: [Crossing] = []
        let perCluster = CapacitySummary.summarise(records.filter { [.cpu, .memory, .storage, .storageAllocated, .localStorage].contains($0.type) && $0.clusterID != nil }, level: .cluster)
        let perZone = CapacitySummary.summarise(records.filter { [.publicIP, .secondaryStorage, .vlan].contains($0.type) }, level: .zone)
        let perPod = CapacitySummary.summarise(records.filter { $0.type == .privateIP }, level: .pod)
        for s in perCluster + perZone + perPod where s.total > 0 {
            guard let alert = AlertType.forCapacity(s.type), let setting = Self.threshold(for: s.type) else { continue }
            let chain: ScopeChain = s.clusterID.map { Self.clusterChain(clusterID: $0, zoneID: s.zoneID) } ?? ScopeChain([(.zone, s.zoneID)])
            let threshold = try await config.double(setting, in: chain)
            let fraction = Double(s.allocated) / Double(s.total)
            if fraction >= threshold {
                let place = s.clusterID.map { "cluster \($0)" } ?? s.podID.map { "pod \($0)" } ?? "zone \(s.zoneID)"
                let subject = "System Alert: Low Available \(s.type.name) in \(place): \(String(format: "%.2f", s.percentUsed))% used, threshold \(Int(threshold * 100))%"
                out.append(Crossing(alert: alert, subject: subject, summary: s))
            }
        }
        return out
    }

    static func threshold(for type: CapacityType) -> ConfigDefinition? {
        switch type {
        case .cpu: Settings.cpuNotificationThreshold
        case .memory: Settings.memoryNotificationThreshold
        case .storage, .localStorage: Settings.storageNotificationThreshold
        case .storageAllocated: Settings.storageAllocatedNotificationThreshold
        case .publicIP: Settings.publicIPNotificationThreshold
        case .privateIP: Settings.privateIPNotificationThreshold
        case .secondaryStorage: Settings.secondaryStorageNotificationThreshold
        case .vlan: Settings.vlanNotificationThreshold
        case .directAttachedPublicIP, .cpuCore: nil
        }
    }

    static func clusterChain(clusterID: Int64?, zoneID: Int64) -> ScopeChain {
        var links: [(scope: ConfigScope, id: Int64)] = []
        if let clusterID { links.append((.cluster, clusterID)) }
        links.append((.zone, zoneID))
        return ScopeChain(links)
    }

    /// `listCapacity`: summaries per zone, or per pod/cluster when one is named; sorted by
    /// type, or by percentage used (highest first) with `sortByUsage`.
    public func list(zoneID: Int64?, podID: Int64?, clusterID: Int64?, type: CapacityType?, tag: String?, sortByUsage: Bool, fetchLatest: Bool) async throws -> [CapacitySummary] {
        let stale = try await db.read { try await CapacityRepository.lastUpdated($0) } == nil
        if fetchLatest || stale { try await check() }
        let records = try await db.read { try await CapacityRepository.list($0, zoneID: zoneID, podID: podID, clusterID: clusterID, type: type) }
            .filter { tag == nil || $0.tag == tag }
        let level: CapacitySummary.Level = clusterID != nil ? .cluster : (podID != nil ? .pod : .zone)
        var summaries = CapacitySummary.summarise(records, level: level)
        // Zone-wide kinds have no pod or cluster: omit them from pod and cluster views.
        if level != .zone { summaries = summaries.filter { level == .pod ? $0.podID != nil : $0.clusterID != nil } }
        if sortByUsage {
            summaries.sort { ($0.percentUsed, -$0.type.rawValue) > ($1.percentUsed, -$1.type.rawValue) }
        } else {
            summaries.sort { ($0.zoneID, $0.type.rawValue, $0.podID ?? 0, $0.clusterID ?? 0) < ($1.zoneID, $1.type.rawValue, $1.podID ?? 0, $1.clusterID ?? 0) }
        }
        return summaries
    }

    /// Starts the periodic capacity check (one server at a time).
    public func startChecks(serverID: String) -> PeriodicTask {
        PeriodicTask(name: "capacity-check", db: db, serverID: serverID, singleton: true, logger: logger,
                     interval: { [config] in .milliseconds((try? await config.int(Settings.capacityCheckPeriod)) ?? 300_000) },
                     body: { try await check() })
    }
}
