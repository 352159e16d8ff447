import CirrusModel
import CirrusStore
import Foundation

/// A `listCapacity` item with the names of the places it sums over.
public struct CapacityView: Sendable {
    public var summary: CapacitySummary
    public var zone: Zone?
    public var pod: Pod?
    public var cluster: Cluster?
}

extension CapacityService {
    /// `listCapacity` for the API: resolves the UUIDs (an unknown one is a 431) and names the
    /// zone, pod and cluster of each item.
    public func views(zoneUUID: UUID?, podUUID: UUID?, clusterUUID: UUID?, type: CapacityType?, tag: String?, sortByUsage: Bool, fetchLatest: Bool) async throws -> [CapacityView] {
        let (zoneID, podID, clusterID) = try await db.read { sql in
            var z: Int64?, p: Int64?, c: Int64?
            if let zoneUUID {
                let zone = try await Lookup.zone(sql, zoneUUID)
                z = zone.id
            }
            if let podUUID {
                let pod = try await Lookup.pod(sql, podUUID)
                p = pod.id
            }
            if let clusterUUID {
                let cluster = try await Lookup.cluster(sql, clusterUUID)
                c = cluster.id
            }
            return (z, p, c)
        }
        let summaries = try await list(zoneID: zoneID, podID: podID, clusterID: clusterID, type: type, tag: tag, sortByUsage: sortByUsage, fetchLatest: fetchLatest)
        return try await db.read { sql in
            let zones = try await ZoneRepository.find(sql, ids: Set(summaries.map(\.zoneID)))
            let pods = try await PodRepository.find(sql, ids: Set(summaries.compactMap(\.podID)))
            let clusters = try await ClusterRepository.find(sql, ids: Set(summaries.compactMap(\.clusterID)))
            return summaries.map { s in
                CapacityView(summary: s, zone: zones[s.zoneID], pod: s.podID.flatMap { pods[$0] }, cluster: s.clusterID.flatMap { clusters[$0] })
            }
        }
    }
}
