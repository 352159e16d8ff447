import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// Finds a live row by its API UUID inside the caller's transaction, or fails with
/// CloudStack's 431 "Unable to find <kind> by id <uuid>". Every service resolves zone, pod,
/// cluster, host, domain and physical-network ids through these, so the texts stay one.
enum Lookup {
    static func zone(_ sql: any SQLDatabase, _ uuid: UUID) async throws -> Zone {
        guard let z = try await ZoneRepository.find(sql, uuid: uuid) else { throw notFound("zone", uuid) }
        return z
    }

    static func pod(_ sql: any SQLDatabase, _ uuid: UUID) async throws -> Pod {
        guard let p = try await PodRepository.find(sql, uuid: uuid) else { throw notFound("pod", uuid) }
        return p
    }

    static func cluster(_ sql: any SQLDatabase, _ uuid: UUID) async throws -> Cluster {
        guard let c = try await ClusterRepository.find(sql, uuid: uuid) else { throw notFound("cluster", uuid) }
        return c
    }

    static func host(_ sql: any SQLDatabase, _ uuid: UUID) async throws -> CirrusModel.Host {
        guard let h = try await HostRepository.find(sql, uuid: uuid) else { throw notFound("host", uuid) }
        return h
    }

    static func domain(_ sql: any SQLDatabase, _ uuid: UUID) async throws -> Domain {
        guard let d = try await DomainRepository.find(sql, uuid: uuid) else { throw notFound("domain", uuid) }
        return d
    }

    static func physicalNetwork(_ sql: any SQLDatabase, _ uuid: UUID) async throws -> PhysicalNetwork {
        guard let n = try await PhysicalNetworkRepository.find(sql, uuid: uuid) else {
            throw CloudError.invalidParameter("Physical Network id=\(uuid.uuidString.lowercased()) doesn't exist in the system")
        }
        return n
    }

    /// The 431 for a UUID that names no live `kind`.
    static func notFound(_ kind: String, _ uuid: UUID) -> CloudError {
        CloudError.invalidParameter("Unable to find \(kind) by id \(uuid.uuidString.lowercased())")
    }
}
