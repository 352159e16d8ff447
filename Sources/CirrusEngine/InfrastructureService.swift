import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// Zones, physical networks, pods, clusters, primary storage, image stores and public IP
/// ranges: the admin-built infrastructure tree (hosts live in the agent work).
///
/// Every mutating call validates first and then writes in one transaction, with its event,
/// so bad input never leaves a half-created resource.
public struct InfrastructureService: Sendable {
    let db: any Database
    let events: EventService
    let config: ConfigService
    /// The management server's data directory; image stores without a local path keep their
    /// files under `<dataDirectory>/imagestores/<uuid>`. Nil falls back to the temporary directory.
    let dataDirectory: String?

    public init(db: any Database, events: EventService, config: ConfigService, dataDirectory: String? = nil) {
        self.db = db
        self.events = events
        self.config = config
        self.dataDirectory = dataDirectory
    }

    /// Records an event of `caller` in the current transaction.
    func record(_ sql: any SQLDatabase, _ caller: Caller, _ type: String, _ text: String, resourceType: String, uuid: UUID, name: String?) async throws {
        try await events.record(sql, type: type, state: .completed, description: text, userID: caller.user.id, accountID: caller.account.id,
                                domainID: caller.account.domainID, resource: EventResource(type: resourceType, uuid: uuid.uuidString.lowercased(), name: name))
    }

    /// Parses an allocation state as CloudStack does (exact enum names, case-insensitive here).
    static func allocationState(_ raw: String?) throws -> AllocationState? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let s = AllocationState(caseInsensitive: raw) else {
            throw CloudError.invalidParameter("Unable to resolve Allocation State '\(raw)' to a supported state")
        }
        return s
    }

    static func requireName(_ name: String, _ what: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CloudError.invalidParameter("The \(what) name cannot be empty") }
        return trimmed
    }
}

/// A page of infrastructure rows with the related rows their responses name.
public struct InfrastructurePage<T: Sendable>: Sendable {
    public var items: [T]
    public var total: Int
    public var names: InfrastructureNames

    public init(items: [T], total: Int, names: InfrastructureNames) {
        self.items = items; self.total = total; self.names = names
    }
}

/// The names of related rows a response shows beside ids.
public struct InfrastructureNames: Sendable {
    public var zones: [Int64: Zone] = [:]
    public var pods: [Int64: Pod] = [:]
    public var clusters: [Int64: Cluster] = [:]
    public var physicalNetworks: [Int64: PhysicalNetwork] = [:]
    public var domains: [Int64: Domain] = [:]
    public var accounts: [Int64: Account] = [:]

    public init() {}

    static func load(_ sql: any SQLDatabase, zoneIDs: Set<Int64> = [], podIDs: Set<Int64> = [], clusterIDs: Set<Int64> = [],
                     physicalNetworkIDs: Set<Int64> = [], domainIDs: Set<Int64> = [], accountIDs: Set<Int64> = []) async throws -> InfrastructureNames {
        var n = InfrastructureNames()
        n.zones = try await ZoneRepository.find(sql, ids: zoneIDs)
        n.pods = try await PodRepository.find(sql, ids: podIDs)
        n.clusters = try await ClusterRepository.find(sql, ids: clusterIDs)
        n.physicalNetworks = try await PhysicalNetworkRepository.find(sql, ids: physicalNetworkIDs)
        n.domains = try await DomainRepository.find(sql, ids: domainIDs)
        n.accounts = try await AccountRepository.find(sql, ids: accountIDs)
        return n
    }
}
