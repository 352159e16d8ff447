import CirrusModel
import CirrusStore
import Foundation

extension ConfigService {
    /// The internal id of the zone, cluster or storage pool a scoped setting names by UUID;
    /// a 431 naming the scope when there is no such live resource.
    public nonisolated func infrastructureScopeID(_ scope: ConfigScope, uuid: UUID) async throws -> Int64 {
        let found: Int64? = try await db.read { sql in
            switch scope {
            case .zone: try await ZoneRepository.find(sql, uuid: uuid)?.id
            case .cluster: try await ClusterRepository.find(sql, uuid: uuid)?.id
            case .storagePool: try await StoragePoolRepository.find(sql, uuid: uuid)?.id
            case .global, .domain, .account: nil
            }
        }
        guard let found else {
            let noun = scope == .storagePool ? "storage pool" : scope.rawValue
            throw CloudError.invalidParameter("Unable to find \(noun) by id \(uuid.uuidString.lowercased())")
        }
        return found
    }
}
