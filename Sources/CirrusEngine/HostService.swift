import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Logging
import SQLKit

/// The parameters of `addHost`.
public struct AddHostRequest: Sendable {
    public var zoneID: UUID
    public var podID: UUID
    public var clusterID: UUID?
    public var clusterName: String?
    public var hypervisor: String
    public var url: String
    public var allocationState: String?
    public var hostTags: [String]?

    public init(zoneID: UUID, podID: UUID, clusterID: UUID?, clusterName: String?, hypervisor: String, url: String, allocationState: String?, hostTags: [String]?) {
        self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID; self.clusterName = clusterName; self.hypervisor = hypervisor
        self.url = url; self.allocationState = allocationState; self.hostTags = hostTags
    }
}

/// The query of `listHosts`, with UUIDs as the API gives them.
public struct HostQuery: Sendable {
    public var id: UUID?
    public var name: String?
    public var state: String?
    public var type: String?
    public var zoneID: UUID?
    public var podID: UUID?
    public var clusterID: UUID?
    public var resourceState: String?
    public var hypervisor: String?
    public var keyword: String?

    public init(id: UUID? = nil, name: String? = nil, state: String? = nil, type: String? = nil, zoneID: UUID? = nil, podID: UUID? = nil, clusterID: UUID? = nil,
                resourceState: String? = nil, hypervisor: String? = nil, keyword: String? = nil) {
        self.id = id; self.name = name; self.state = state; self.type = type; self.zoneID = zoneID; self.podID = podID
        self.clusterID = clusterID; self.resourceState = resourceState; self.hypervisor = hypervisor; self.keyword = keyword
    }
}

/// Hosts: adding (Simulator in-process, or KVM by waiting for its agent), updating,
/// deleting, listing, reconnecting and maintenance.
public struct HostService: Sendable {
    let db: any Database
    let agents: AgentManager
    let config: ConfigService
    let logger: Logger

    public init(db: any Database, agents: AgentManager, config: ConfigService, logger: Logger) {
        self.db = db
        self.agents = agents
        self.config = config
        self.logger = logger
    }


    // MARK: add

    /// addHost: validates everything first, then creates the host through the agent link.
    public func add(caller: Caller, _ r: AddHostRequest) async throws -> HostListItem {
        guard let hypervisor = HypervisorType(caseInsensitive: r.hypervisor) else {
            throw CloudError.invalidParameter("Unknown hypervisor type \(r.hypervisor): Cirrus supports KVM and Simulator")
        }
        guard let url = URLComponents(string: r.url), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let authority = url.host, !authority.isEmpty else {
            throw CloudError.invalidParameter("The host URL \(r.url) is not valid: expected http://<address>/...")
        }
        var resourceState = ResourceState.enabled
        if let raw = r.allocationState {
            switch raw.lowercased() {
            case "enabled", "enable": resourceState = .enabled
            case "disabled", "disable": resourceState = .disabled
            default: throw CloudError.invalidParameter("Invalid allocation state \(raw): use Enabled or Disabled")
            }
        }
        let (zone, pod, cluster) = try await db.read { sql -> (Zone, Pod, Cluster?) in
            let zone = try await Lookup.zone(sql, r.zoneID)
            let pod = try await Lookup.pod(sql, r.podID)
            guard pod.zoneID == zone.id else {
                throw CloudError.invalidParameter("Pod \(pod.name) does not belong to zone \(zone.name)")
            }
            var cluster: Cluster?
            if let id = r.clusterID {
                let c = try await Lookup.cluster(sql, id)
                cluster = c
            } else if let name = r.clusterName {
                guard let c = try await ClusterRepository.list(sql, ClusterRepository.Filter(podID: pod.id, name: name)).items.first else {
                    throw CloudError.invalidParameter("Unable to find cluster \(name) in pod \(pod.name)")
                }
                cluster = c
            }
            if let c = cluster {
                guard c.podID == pod.id else { throw CloudError.invalidParameter("Cluster \(c.name) does not belong to pod \(pod.name)") }
                guard c.hypervisorType == hypervisor else {
                    throw CloudError.invalidParameter("Cannot add a \(hypervisor.rawValue) host to cluster \(c.name) of hypervisor type \(c.hypervisorType.rawValue)")
                }
            }
            return (zone, pod, cluster)
        }
        let hostID: Int64
        switch hypervisor {
        case .simulator:
            guard authority.lowercased().hasPrefix("sim"), scheme == "http" else {
                throw CloudError.invalidParameter("The URL \(r.url) is not a Simulator host URL: use http://sim/<name>")
            }
            guard let cluster else { throw CloudError.invalidParameter("A cluster (clusterid or clustername) is required to add a Simulator host") }
            let capacity: SimulatorCapacity
            switch SimulatorCapacity.parse(url: r.url) {
            case .success(let c): capacity = c
            case .failure(let e): throw CloudError.invalidParameter(e.message)
            }
            guard let factory = agents.simulatorFactory else {
                throw CloudError(.resourceUnavailable, "The in-process Simulator is not available on this management server", csCode: .resourceUnavailable)
            }
            let guid = UUID().uuidString.lowercased()
            let spec = SimulatedHostSpec(guid: guid, name: "SimulatedAgent.\(guid)", url: r.url, zoneUUID: zone.uuid.uuidString.lowercased(),
                                         podUUID: pod.uuid.uuidString.lowercased(), clusterUUID: cluster.uuid.uuidString.lowercased(),
                                         capacity: capacity, privateIP: Self.simulatedAddress(podCIDR: pod.cidr), privateMAC: Self.simulatedMAC())
            let answer = try await agents.attachInProcess(factory(spec))
            guard let id = answer.hostID else { throw CloudError.invalidParameter(answer.details ?? "The simulated host was refused") }
            hostID = id
            let wait = (try? await config.int(Settings.addHostWait)) ?? 30
            guard await agents.waitUntilUp(hostID: id, timeout: .seconds(wait)) else {
                await agents.disconnect(hostID: id, reason: "addHost gave up", stopDriver: true)
                try await db.transaction { sql in
                    for p in try await StoragePoolRepository.list(sql, hostID: id) { try await StoragePoolRepository.markRemoved(sql, id: p.id, at: Date()) }
                    try await HostRepository.markRemoved(sql, id: id, at: Date())
                }
                throw CloudError(.resourceUnavailable, "The simulated host did not come Up within \(wait) s", csCode: .resourceUnavailable)
            }
        case .kvm:
            hostID = try await waitForAgent(address: authority, url: r.url, zone: zone, pod: pod, cluster: cluster)
        }
        let initialState = resourceState
        try await db.transaction { sql in
            guard var host = try await HostRepository.find(sql, id: hostID) else {
                throw CloudError.invalidParameter("The host registered for \(r.url) was removed before addHost finished")
            }
            if let tags = r.hostTags { host.tags = tags }
            if host.url == nil || hypervisor == .kvm { host.url = r.url }
            host.resourceState = initialState
            try await HostRepository.update(sql, host)
        }
        return try await item(id: hostID)
    }

    /// Waits (bounded by `host.add.wait`) for a KVM agent at `address` to register in the
    /// given placement. Nothing is created when none does.
    func waitForAgent(address: String, url: String, zone: Zone, pod: Pod, cluster: Cluster?) async throws -> Int64 {
        let wait = (try? await config.int(Settings.addHostWait)) ?? 30
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .seconds(wait))
        repeat {
            if let host = try await db.read({ sql in try await HostRepository.find(sql, privateIP: address) }) {
                guard host.hypervisorType == .kvm else { throw CloudError.invalidParameter("The host at \(address) is a \(host.hypervisorType.rawValue) host, not KVM") }
                guard host.zoneID == zone.id, host.podID == pod.id, cluster == nil || host.clusterID == cluster?.id else {
                    throw CloudError.invalidParameter("The agent at \(address) registered in another zone, pod or cluster")
                }
                return host.id
            }
            try await Task.sleep(for: .milliseconds(200))
        } while clock.now < end
        throw CloudError.invalidParameter("Cannot find the server resources at \(url): no agent answered from \(address) within \(wait) s; start `cirrus agent` on the host with this management server's address and agent key")
    }

    static func simulatedAddress(podCIDR: String) -> String {
        let parts = podCIDR.split(separator: "/")
        let octets = parts.first.map { $0.split(separator: ".").compactMap { UInt32($0) } } ?? []
        let prefix = parts.count > 1 ? Int(parts[1]) ?? 24 : 24
        guard octets.count == 4 else { return "172.16.\(Int.random(in: 0...255)).\(Int.random(in: 2...254))" }
        let base = (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]
        let size = prefix >= 31 ? UInt32(2) : UInt32(1) << UInt32(32 - max(prefix, 8))
        let address = (base & ~(size &- 1)) &+ UInt32.random(in: 2..<max(3, size - 1))
        return "\(address >> 24).\((address >> 16) & 255).\((address >> 8) & 255).\(address & 255)"
    }

    static func simulatedMAC() -> String {
        "06:" + (0..<5).map { _ in String(format: "%02x", Int.random(in: 0...255)) }.joined(separator: ":")
    }

    // MARK: read

    public func item(id: Int64) async throws -> HostListItem {
        guard let item = try await db.read({ sql in try await HostRepository.list(sql, HostRepository.Filter(id: id), offset: 0, limit: 1).items.first }) else {
            throw CloudError.invalidParameter("Unable to find host \(id)")
        }
        return item
    }

    public func find(uuid: UUID) async throws -> CirrusModel.Host {
        let host = try await db.read { sql in try await Lookup.host(sql, uuid) }
        return host
    }

    /// listHosts: one count, one page query with the zone, pod and cluster names joined, and
    /// one tag query for the page.
    public func list(_ q: HostQuery, page: (offset: Int, limit: Int?)) async throws -> Listing<HostListItem> {
        var filter = HostRepository.Filter(name: q.name, keyword: q.keyword)
        if let raw = q.state {
            guard let s = HostStatus(caseInsensitive: raw) else { throw CloudError.invalidParameter("Invalid host state \(raw)") }
            filter.status = s
        }
        if let raw = q.type {
            guard let t = HostType(caseInsensitive: raw) else { throw CloudError.invalidParameter("Invalid host type \(raw)") }
            filter.type = t
        }
        if let raw = q.resourceState {
            guard let r = ResourceState(caseInsensitive: raw) else { throw CloudError.invalidParameter("Invalid resource state \(raw)") }
            filter.resourceState = r
        }
        if let raw = q.hypervisor {
            guard let h = HypervisorType(caseInsensitive: raw) else { throw CloudError.invalidParameter("Unknown hypervisor type \(raw)") }
            filter.hypervisorType = h
        }
        let f = filter
        return try await db.read { sql in
            var f = f
            if let id = q.id {
                let h = try await Lookup.host(sql, id)
                f.id = h.id
            }
            if let id = q.zoneID {
                let z = try await Lookup.zone(sql, id)
                f.zoneID = z.id
            }
            if let id = q.podID {
                let p = try await Lookup.pod(sql, id)
                f.podID = p.id
            }
            if let id = q.clusterID {
                let c = try await Lookup.cluster(sql, id)
                f.clusterID = c.id
            }
            return try await HostRepository.list(sql, f, offset: page.offset, limit: page.limit)
        }
    }

    // MARK: update and delete

    /// updateHost: tags, allocation state (Enable/Disable), name, url.
    public func update(caller: Caller, id: UUID, name: String?, allocationState: String?, hostTags: [String]?, url: String?) async throws -> HostListItem {
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty { throw CloudError.invalidParameter("The host name cannot be empty") }
        var event: ResourceStateMachine.Event?
        if let raw = allocationState {
            switch raw.lowercased() {
            case "enable", "enabled": event = .enable
            case "disable", "disabled": event = .disable
            default: throw CloudError.invalidParameter("Invalid allocation state \(raw): use Enable or Disable")
            }
        }
        let stateEvent = event
        let hostID = try await db.transaction { sql -> Int64 in
            var host = try await Lookup.host(sql, id)
            if let event = stateEvent {
                guard let next = ResourceStateMachine.next(host.resourceState, on: event) else {
                    throw CloudError.invalidParameter("Cannot \(event == .enable ? "enable" : "disable") host \(host.name) while its resource state is \(host.resourceState.rawValue)")
                }
                host.resourceState = next
            }
            if let name { host.name = name }
            if let hostTags { host.tags = hostTags }
            if let url { host.url = url }
            try await HostRepository.update(sql, host)
            return host.id
        }
        return try await item(id: hostID)
    }

    /// deleteHost: the host must be in Maintenance, or Disconnected, Down or Alert, unless
    /// `forced`. Its local pools go with it.
    public func delete(caller: Caller, id: UUID, forced: Bool) async throws {
        let host = try await find(uuid: id)
        let gone: Set<HostStatus> = [.disconnected, .down, .alert]
        guard forced || host.resourceState == .maintenance || gone.contains(host.status) else {
            throw CloudError.invalidParameter("Host \(host.name) cannot be deleted as it is not in maintenance mode. Either put the host into maintenance or perform a forced deletion.")
        }
        await agents.disconnect(hostID: host.id, reason: "host deleted", stopDriver: true)
        try await db.transaction { sql in
            let now = Date()
            for p in try await StoragePoolRepository.list(sql, hostID: host.id) { try await StoragePoolRepository.markRemoved(sql, id: p.id, at: now) }
            try await HostRepository.markRemoved(sql, id: host.id, at: now)
        }
    }

    // MARK: reconnect and maintenance

    /// Checks a reconnect can be attempted (the API's synchronous part).
    public func checkReconnect(id: UUID) async throws -> CirrusModel.Host {
        let host = try await find(uuid: id)
        if host.resourceState == .maintenance {
            throw CloudError.invalidParameter("Host \(host.name) is in Maintenance; cancel maintenance before reconnecting it")
        }
        return host
    }

    /// reconnectHost: drops the agent link and waits for the host to register again.
    public func reconnect(caller: Caller, id: UUID) async throws -> HostListItem {
        let host = try await checkReconnect(id: id)
        guard agents.hasLink(host.id) || agents.drivesInProcess(host.id) else {
            throw CloudError(.resourceUnavailable, "Host \(host.name) is \(host.status.rawValue) and has no agent connected to this management server; it cannot be reconnected", csCode: .agentUnavailable)
        }
        let wait = (try? await config.int(Settings.addHostWait)) ?? 30
        guard try await agents.reconnect(hostID: host.id, timeout: .seconds(wait)) else {
            throw CloudError(.resourceUnavailable, "Host \(host.name) did not come back Up within \(wait) s after the reconnect", csCode: .agentUnavailable)
        }
        return try await item(id: host.id)
    }

    /// Checks a host can enter maintenance (the API's synchronous part).
    public func checkPrepareMaintenance(id: UUID) async throws -> CirrusModel.Host {
        let host = try await find(uuid: id)
        guard ResourceStateMachine.next(host.resourceState, on: .adminAskMaintenance) != nil else {
            throw CloudError.invalidParameter("Host \(host.name) cannot enter maintenance while its resource state is \(host.resourceState.rawValue)")
        }
        return host
    }

    /// prepareHostForMaintenance: PrepareForMaintenance, MaintainCommand to the agent, then
    /// Maintenance once the host is empty (``AgentManager/maintenanceHook``).
    public func prepareMaintenance(caller: Caller, id: UUID) async throws -> HostListItem {
        let host = try await checkPrepareMaintenance(id: id)
        try await setResourceState(host.id, .adminAskMaintenance)
        if agents.hasLink(host.id) {
            let answer = try? await agents.send(.maintain, to: host.id, timeout: .seconds(60))
            if let answer, !answer.result { logger.warning("MaintainCommand failed", metadata: ["host": "\(host.name)", "details": "\(answer.details)"]) }
        }
        let empty = try await agents.maintenanceHook()(host)
        try await setResourceState(host.id, empty ? .internalEnterMaintenance : .unableToMaintain)
        return try await item(id: host.id)
    }

    public func checkCancelMaintenance(id: UUID) async throws -> CirrusModel.Host {
        let host = try await find(uuid: id)
        guard ResourceStateMachine.next(host.resourceState, on: .adminCancelMaintenance) != nil else {
            throw CloudError.invalidParameter("Cannot cancel maintenance of host \(host.name): its resource state is \(host.resourceState.rawValue)")
        }
        return host
    }

    public func cancelMaintenance(caller: Caller, id: UUID) async throws -> HostListItem {
        let host = try await checkCancelMaintenance(id: id)
        try await setResourceState(host.id, .adminCancelMaintenance)
        return try await item(id: host.id)
    }

    func setResourceState(_ hostID: Int64, _ event: ResourceStateMachine.Event) async throws {
        try await db.transaction { sql in
            guard var host = try await HostRepository.find(sql, id: hostID) else { throw CloudError.invalidParameter("Unable to find host \(hostID)") }
            guard let next = ResourceStateMachine.next(host.resourceState, on: event) else {
                throw CloudError.invalidParameter("Host \(host.name) cannot go from \(host.resourceState.rawValue) on \(event.rawValue)")
            }
            host.resourceState = next
            try await HostRepository.update(sql, host)
        }
    }
}
