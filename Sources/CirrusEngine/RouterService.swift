import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// A router with the names a response shows beside it.
public struct RouterView: Sendable {
    public var router: Router
    public var network: Network?
    /// The VPC a VPC router routes.
    public var vpc: VPC?
    public var zone: Zone?
    public var host: CirrusModel.Host?
    public var account: Account?
    public var domain: Domain?
    public var serviceOffering: ServiceOffering?
    public var nics: [NicView]
    /// Whether its template is older than the version routers must run.
    public var requiresUpgrade: Bool
    public var healthChecks: [RouterHealthCheck]
}

/// One health-check result of a router (`getRouterHealthCheckResults`).
public struct RouterHealthCheck: Sendable, Codable, Equatable {
    public var checkName: String
    public var checkType: String
    public var success: Bool
    public var lastUpdated: Date
    public var details: String
}

/// Virtual routers as managed resources: listing, start, stop, reboot, destroy, a new system
/// offering, template upgrade, live patching and health checks (CloudStack's
/// VirtualNetworkApplianceService).
public final class RouterService: Sendable {
    let db: any Database
    let config: ConfigService
    let events: EventService
    let agents: AgentManager
    let logger: Logger

    init(db: any Database, config: ConfigService, events: EventService, agents: AgentManager, logger: Logger) {
        self.db = db
        self.config = config
        self.events = events
        self.agents = agents
        self.logger = logger
    }

    static func notFound(_ id: UUID) -> CloudError {
        CloudError.invalidParameter("Unable to find router by id \(id.uuidString.lowercased())")
    }

    /// The router with `id`, if the caller (an admin) administers its owner.
    public func find(caller: Caller, id: UUID) async throws -> Router {
        try await db.read { sql in
            guard let r = try await RouterRepository.find(sql, uuid: id) else { throw Self.notFound(id) }
            try await Ownership.checkAccess(sql, caller: caller, accountID: r.accountID, domainID: r.domainID, resource: "router \(r.name)")
            return r
        }
    }

    func views(_ sql: any SQLDatabase, _ routers: [Router]) async throws -> [RouterView] {
        let minimum = try await config.value(Settings.routerTemplateVersion)
        let nics = try await NicRepository.of(sql, ownerType: .domainRouter, instanceIDs: routers.map(\.id))
        let networks = try await NetworkRepository.find(sql, ids: Set(routers.compactMap(\.networkID)).union(nics.values.flatMap { $0.map(\.networkID) }))
        let vpcs = try await VPCRepository.find(sql, ids: Set(routers.compactMap(\.vpcID)))
        let zones = try await ZoneRepository.find(sql, ids: Set(routers.map(\.zoneID)))
        let hosts = try await HostRepository.find(sql, ids: Set(routers.compactMap(\.hostID)))
        let accounts = try await AccountRepository.find(sql, ids: Set(routers.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(routers.map(\.domainID)))
        var offerings: [Int64: ServiceOffering] = [:]
        for id in Set(routers.compactMap(\.serviceOfferingID)) { offerings[id] = try await ServiceOfferingRepository.find(sql, id: id) }
        return routers.map { r in
            let checks = (r.healthChecks?.data(using: .utf8)).flatMap { try? Self.decoder.decode([RouterHealthCheck].self, from: $0) } ?? []
            return RouterView(router: r, network: r.networkID.flatMap { networks[$0] }, vpc: r.vpcID.flatMap { vpcs[$0] }, zone: zones[r.zoneID], host: r.hostID.flatMap { hosts[$0] },
                              account: accounts[r.accountID], domain: domains[r.domainID], serviceOffering: r.serviceOfferingID.flatMap { offerings[$0] },
                              nics: (nics[r.id] ?? []).map { NicView(nic: $0, network: networks[$0.networkID], instanceUUID: r.uuid, secondaryIPs: []) },
                              requiresUpgrade: Self.older(r.templateVersion, than: minimum), healthChecks: checks)
        }
    }

    static let decoder: JSONDecoder = { let d = JSONDecoder(); d.dateDecodingStrategy = .millisecondsSince1970; return d }()
    static let encoder: JSONEncoder = { let e = JSONEncoder(); e.dateEncodingStrategy = .millisecondsSince1970; e.outputFormatting = .sortedKeys; return e }()

    /// Whether dotted version `a` is older than `b` (4.18.1 < 4.19.0).
    static func older(_ a: String, than b: String) -> Bool {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(x.count, y.count) {
            let l = i < x.count ? x[i] : 0, r = i < y.count ? y[i] : 0
            if l != r { return l < r }
        }
        return false
    }

    public func view(_ r: Router) async throws -> RouterView {
        try await db.read { try await self.views($0, [r])[0] }
    }

    /// What `listRouters` filters on.
    public struct Query: Sendable {
        public var id: UUID?
        public var name: String?
        public var state: String?
        public var zoneID: UUID?
        public var podID: UUID?
        public var hostID: UUID?
        public var networkID: UUID?
        public var vpcID: UUID?
        public var forVPC: Bool?
        public var version: String?
        public var healthChecksFailed: Bool?
        public var keyword: String?
        public init() {}
    }

    public func list(scope: ListScope, _ q: Query, page: (offset: Int, limit: Int?)) async throws -> Listing<RouterView> {
        try await db.read { sql in
            var f = RouterRepository.Filter()
            f.scope = scope
            if let id = q.id {
                guard let r = try await RouterRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = r.id
            }
            f.name = q.name; f.keyword = q.keyword; f.forVPC = q.forVPC; f.templateVersion = q.version
            if let s = q.state {
                guard let state = RouterState(caseInsensitive: s) else { throw CloudError.invalidParameter("Invalid router state \(s)") }
                f.state = state
            }
            if let z = q.zoneID { f.zoneID = try await Lookup.zone(sql, z).id }
            if let p = q.podID { f.podID = try await Lookup.pod(sql, p).id }
            if let h = q.hostID { f.hostID = try await Lookup.host(sql, h).id }
            if let n = q.networkID {
                guard let network = try await NetworkRepository.find(sql, uuid: n) else { return Listing(items: [], total: 0) }
                f.networkID = network.id
            }
            if let v = q.vpcID {
                guard let vpc = try await VPCRepository.find(sql, uuid: v) else { return Listing(items: [], total: 0) }
                f.vpcID = vpc.id
            }
            if let failed = q.healthChecksFailed {
                let all = try await self.views(sql, try await RouterRepository.list(sql, f, offset: 0, limit: nil).items)
                    .filter { $0.healthChecks.contains { !$0.success } == failed }
                return Listing(items: Array(all.dropFirst(page.offset).prefix(page.limit ?? Int.max)), total: all.count)
            }
            let listing = try await RouterRepository.list(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.views(sql, listing.items), total: listing.total)
        }
    }

    /// Moves a router between states with CloudStack's refusals.
    func transition(_ id: UUID, caller: Caller, allowed: Set<RouterState>, verb: String, change: @escaping @Sendable (inout Router, any SQLDatabase) async throws -> Void) async throws -> Router {
        let r = try await find(caller: caller, id: id)
        guard allowed.contains(r.state) else {
            throw CloudError.invalidParameter("Unable to \(verb) router \(r.name): it is \(r.state.rawValue)")
        }
        return try await db.transaction { sql in
            guard var current = try await RouterRepository.find(sql, id: r.id), allowed.contains(current.state) else {
                throw CloudError(.resourceInUse, "Router \(r.name) is being changed by another operation; try again", csCode: .concurrentOperation)
            }
            try await change(&current, sql)
            try await RouterRepository.update(sql, current)
            return current
        }
    }

    /// `startRouter`: Stopped → Running on its last host (or any Up host of its zone), with a
    /// new document generation so its configuration is applied in full.
    public func start(caller: Caller, id: UUID) async throws -> Router {
        await pushing(try await transition(id, caller: caller, allowed: [.stopped], verb: "start") { r, sql in
            var host = r.lastHostID
            if host == nil {
                host = try await HostRepository.list(sql, HostRepository.Filter(status: .up, type: .routing, zoneID: r.zoneID), offset: 0, limit: 1).items.first?.host.id
            }
            guard let host else {
                throw CloudError(.insufficientCapacity, "Unable to start router \(r.name): no host is Up in its zone", csCode: .insufficientCapacity)
            }
            r.hostID = host
            r.state = .running
            r.documentGeneration += 1
        })
    }

    /// `stopRouter`: Running → Stopped; the host is kept as its last host.
    public func stop(caller: Caller, id: UUID, forced: Bool) async throws -> Router {
        try await transition(id, caller: caller, allowed: forced ? [.running, .starting, .stopping, .error] : [.running], verb: "stop") { r, _ in
            r.lastHostID = r.hostID ?? r.lastHostID
            r.hostID = nil
            r.state = .stopped
        }
    }

    /// `rebootRouter`: a Running router reapplies its whole configuration.
    public func reboot(caller: Caller, id: UUID) async throws -> Router {
        await pushing(try await transition(id, caller: caller, allowed: [.running], verb: "reboot") { r, _ in
            r.documentGeneration += 1
        })
    }

    /// `destroyRouter`: the router and its NICs go; its network (or VPC) needs a restart to get a new one.
    public func destroy(caller: Caller, id: UUID) async throws -> Router {
        let r = try await find(caller: caller, id: id)
        return try await db.transaction { sql in
            try await GuestNetworkService.releaseNics(sql, instanceID: r.id, ownerType: .domainRouter)
            try await RouterRepository.markRemoved(sql, id: r.id, at: Date())
            if let nid = r.networkID, var n = try await NetworkRepository.find(sql, id: nid) {
                n.restartRequired = true
                try await NetworkRepository.update(sql, n)
            }
            if let vid = r.vpcID, var v = try await VPCRepository.find(sql, id: vid) {
                v.restartRequired = true
                try await VPCRepository.update(sql, v)
            }
            var out = r
            out.state = .destroyed
            return out
        }
    }

    /// `changeServiceForRouter`: a Stopped router gets another system offering for routers.
    public func changeService(caller: Caller, id: UUID, offeringID: UUID) async throws -> Router {
        let offering = try await db.read { try await ServiceOfferingRepository.find($0, uuid: offeringID) }
        guard let offering else { throw CloudError.invalidParameter("Unable to find service offering with id \(offeringID.uuidString.lowercased())") }
        guard offering.isSystem, offering.systemVMType == .domainRouter else {
            throw CloudError.invalidParameter("Service offering \(offering.name) is not a system offering for virtual routers")
        }
        let r = try await find(caller: caller, id: id)
        guard r.state == .stopped else {
            throw CloudError.invalidParameter("Unable to upgrade router \(r.name) in state \(r.state.rawValue); make sure the router is stopped")
        }
        return try await transition(id, caller: caller, allowed: [.stopped], verb: "change the offering of") { r, _ in
            r.serviceOfferingID = offering.id
        }
    }

    /// `upgradeRouterTemplate`: routers (by id, or every one of a zone, pod, cluster or
    /// account) move to the current router template version. Returns the routers changed.
    public func upgradeTemplate(caller: Caller, id: UUID?, zoneID: UUID?, podID: UUID?, clusterID: UUID?, accountName: String?, domainID: UUID?) async throws -> [Router] {
        let given = [id != nil, zoneID != nil, podID != nil, clusterID != nil, accountName != nil || domainID != nil].filter { $0 }.count
        guard given == 1 else {
            throw CloudError.invalidParameter("Exactly one of id, zoneid, podid, clusterid or account (with domainid) must be given")
        }
        let version = try await config.value(Settings.routerTemplateVersion)
        return try await db.transaction { sql in
            var f = RouterRepository.Filter()
            if let id {
                guard let r = try await RouterRepository.find(sql, uuid: id) else { throw Self.notFound(id) }
                f.id = r.id
            }
            if let z = zoneID { f.zoneID = try await Lookup.zone(sql, z).id }
            if let p = podID { f.podID = try await Lookup.pod(sql, p).id }
            var routers = try await RouterRepository.list(sql, f, offset: 0, limit: nil).items
            if let c = clusterID {
                let cluster = try await Lookup.cluster(sql, c)
                let hosts = Set(try await HostRepository.list(sql, HostRepository.Filter(clusterID: cluster.id), offset: 0, limit: nil).items.map(\.host.id))
                routers = routers.filter { ($0.hostID ?? $0.lastHostID).map(hosts.contains) ?? false }
            }
            if accountName != nil || domainID != nil {
                let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
                routers = routers.filter { $0.accountID == owner.id }
            }
            var changed: [Router] = []
            for var r in routers where Self.older(r.templateVersion, than: version) {
                try await Ownership.checkAccess(sql, caller: caller, accountID: r.accountID, domainID: r.domainID, resource: "router \(r.name)")
                r.templateVersion = version
                r.softwareVersion = version
                r.documentGeneration += 1
                try await RouterRepository.update(sql, r)
                changed.append(r)
            }
            return changed
        }
    }

    /// `patchSystemVm` for a router (4.17 live patching): its scripts move to the current
    /// software version without recreating it; refused when already current unless `forced`.
    public func patch(caller: Caller, id: UUID, forced: Bool) async throws -> Router {
        let version = try await config.value(Settings.routerSoftwareVersion)
        let r = try await find(caller: caller, id: id)
        if !forced && !Self.older(r.softwareVersion, than: version) {
            throw CloudError.invalidParameter("Router \(r.name) already runs software version \(r.softwareVersion); use forced=true to patch it again")
        }
        return await pushing(try await transition(id, caller: caller, allowed: [.running], verb: "patch") { r, _ in
            r.softwareVersion = version
            r.documentGeneration += 1
        })
    }

    /// `getRouterHealthCheckResults`: the last results, or fresh ones. The checks compare what
    /// the router should have with what it was last confirmed to have.
    public func healthChecks(caller: Caller, id: UUID, fresh: Bool) async throws -> [RouterHealthCheck] {
        let r = try await find(caller: caller, id: id)
        guard r.state == .running else {
            throw CloudError.invalidParameter("Router \(r.name) is \(r.state.rawValue); health checks run on Running routers only")
        }
        let existing = try await view(r).healthChecks
        if !fresh && !existing.isEmpty { return existing }
        let minimum = try await config.value(Settings.routerTemplateVersion)
        let software = try await config.value(Settings.routerSoftwareVersion)
        let now = Date()
        let checks = [
            RouterHealthCheck(checkName: "router_version_check", checkType: "basic", success: !Self.older(r.templateVersion, than: minimum), lastUpdated: now,
                              details: "template \(r.templateVersion), required \(minimum)"),
            RouterHealthCheck(checkName: "scripts_version_check", checkType: "basic", success: !Self.older(r.softwareVersion, than: software), lastUpdated: now,
                              details: "scripts \(r.softwareVersion), current \(software)"),
            RouterHealthCheck(checkName: "configuration_applied_check", checkType: "advanced", success: r.appliedGeneration >= r.documentGeneration,
                              lastUpdated: now, details: "document generation \(r.documentGeneration), applied \(r.appliedGeneration)"),
        ]
        let text = String(decoding: try Self.encoder.encode(checks), as: UTF8.self)
        try await db.transaction { sql in
            guard var current = try await RouterRepository.find(sql, id: r.id) else { return }
            current.healthChecks = text
            current.healthChecked = now
            try await RouterRepository.update(sql, current)
        }
        return checks
    }
}
