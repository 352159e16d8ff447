import CirrusModel
import CirrusStore
import Foundation

/// A mock with the UUIDs of its scope, for the API.
public struct SimulatorMockView: Sendable {
    public var mock: SimulatorMock
    public var zoneUUID: UUID?
    public var podUUID: UUID?
    public var clusterUUID: UUID?
    public var hostUUID: UUID?
}

/// The Simulator's fault injection: `configureSimulator`, `querySimulatorMock`,
/// `cleanupSimulatorMock`. Mocks are applied by ``AgentManager`` when it sends a command to a
/// simulated host.
public struct SimulatorService: Sendable {
    let db: any Database

    public init(db: any Database) {
        self.db = db
    }

    /// Stores a mock for the narrowest scope given (all nil: every simulated host).
    public func configure(zoneID: UUID?, podID: UUID?, clusterID: UUID?, hostID: UUID?, name: String, value: String, count: Int?, jsonResponse: String?) async throws -> SimulatorMockView {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CloudError.invalidParameter("The command name of a simulator mock cannot be empty") }
        if let count, count < 0 { throw CloudError.invalidParameter("count must not be negative") }
        return try await db.transaction { sql in
            var zone: Int64?, pod: Int64?, cluster: Int64?, host: Int64?
            if let zoneID {
                let z = try await Lookup.zone(sql, zoneID)
                zone = z.id
            }
            if let podID {
                let p = try await Lookup.pod(sql, podID)
                pod = p.id
            }
            if let clusterID {
                let c = try await Lookup.cluster(sql, clusterID)
                cluster = c.id
            }
            if let hostID {
                let h = try await Lookup.host(sql, hostID)
                host = h.id
            }
            let mock = try await SimulatorMockRepository.insert(sql, SimulatorMock(zoneID: zone, podID: pod, clusterID: cluster, hostID: host, name: name,
                                                                                  value: value, remaining: count, jsonResponse: jsonResponse))
            return SimulatorMockView(mock: mock, zoneUUID: zoneID, podUUID: podID, clusterUUID: clusterID, hostUUID: hostID)
        }
    }

    public func query(id: Int64) async throws -> SimulatorMockView {
        try await db.read { sql in
            guard let mock = try await SimulatorMockRepository.find(sql, id: id) else { throw CloudError.invalidParameter("Unable to find simulator mock by id \(id)") }
            return SimulatorMockView(mock: mock, zoneUUID: try await mock.zoneID.asyncMap { try await ZoneRepository.find(sql, id: $0)?.uuid } ?? nil,
                                     podUUID: try await mock.podID.asyncMap { try await PodRepository.find(sql, id: $0)?.uuid } ?? nil,
                                     clusterUUID: try await mock.clusterID.asyncMap { try await ClusterRepository.find(sql, id: $0)?.uuid } ?? nil,
                                     hostUUID: try await mock.hostID.asyncMap { try await HostRepository.find(sql, id: $0)?.uuid } ?? nil)
        }
    }

    public func cleanup(id: Int64) async throws {
        try await db.transaction { sql in
            guard try await SimulatorMockRepository.find(sql, id: id) != nil else { throw CloudError.invalidParameter("Unable to find simulator mock by id \(id)") }
            try await SimulatorMockRepository.markRemoved(sql, id: id, at: Date())
        }
    }
}
