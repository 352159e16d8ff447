import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit
import Synchronization

/// A network with the names and offering a response shows.
public struct NetworkView: Sendable {
    public var network: Network
    public var offering: NetworkOffering?
    public var zone: Zone?
    public var account: Account?
    public var domain: Domain?
    public var physicalNetworkUUID: UUID?
    /// Whether the caller's account may deploy into it.
    public var canUseForDeploy: Bool
    public var isDefault: Bool?
    /// A tier's VPC and network ACL list.
    public var vpc: VPC?
    public var acl: NetworkACLList?
    /// A dual-stack network's /64 via its router's public IPv6 address.
    public var ip6Routes: [IPv6Route] = []
}

/// What `createNetwork` asks for.
public struct CreateNetworkRequest: Sendable {
    public var name: String
    public var displayText: String?
    public var networkOfferingID: UUID
    public var zoneID: UUID?
    public var physicalNetworkID: UUID?
    public var gateway: String?
    public var netmask: String?
    public var startIP: String?
    public var endIP: String?
    public var networkDomain: String?
    public var aclType: String?
    public var accountName: String?
    public var domainID: UUID?
    public var subdomainAccess: Bool?
    public var vpcID: UUID?
    /// A tier's network ACL list.
    public var aclID: UUID?
    public var externalID: String?
    public var displayNetwork: Bool?
    public var publicMTU: Int?
    public var privateMTU: Int?
    public var dns1: String?
    public var dns2: String?
    public var ip6DNS1: String?
    public var ip6DNS2: String?

    public init(name: String, networkOfferingID: UUID) {
        self.name = name
        self.networkOfferingID = networkOfferingID
    }
}

/// What `updateNetwork` changes.
public struct UpdateNetworkRequest: Sendable {
    public var name: String?
    public var displayText: String?
    public var networkDomain: String?
    public var networkOfferingID: UUID?
    public var guestVMCIDR: String?
    public var displayNetwork: Bool?
    public var publicMTU: Int?
    public var privateMTU: Int?
    public var dns1: String?
    public var dns2: String?

    public init() {}
}

/// Guest networks: creation and validation, listing with CloudStack's visibility (owned,
/// domain-wide shared, granted), update, restart and deletion, the default network deploy
/// makes, NICs and their addresses, and implementation on first use (VNI, source NAT address,
/// virtual router).
public final class GuestNetworkService: Sendable {
    let db: any Database
    let config: ConfigService
    let events: EventService
    let limits: ResourceLimitService
    let usage: UsageService
    let logger: Logger
    /// Networks the GC found idle, and since when (on the server running the GC).
    let idleSince = Mutex<[Int64: Date]>([:])
    /// Pushes the routers of a network right after it changed (set by Engine to RouterService.pushNetwork; the sweep covers failures).
    let routerPusher = Mutex<(@Sendable (Int64) async -> Void)?>(nil)

    init(db: any Database, config: ConfigService, events: EventService, limits: ResourceLimitService, usage: UsageService, logger: Logger) {
        self.db = db
        self.config = config
        self.events = events
        self.limits = limits
        self.usage = usage
        self.logger = logger
    }

    static func resource(_ n: Network) -> EventResource {
        EventResource(type: "Network", uuid: n.uuid.uuidString.lowercased(), name: n.name)
    }

    static func notFound(_ id: UUID) -> CloudError {
        CloudError.invalidParameter("Unable to find network with specified id \(id.uuidString.lowercased())")
    }

    // MARK: - Access

    /// The network with `id`, if the caller may administer it (owner, or an admin over the
    /// owner's domain).
    public func administered(caller: Caller, id: UUID) async throws -> Network {
        try await db.read { sql in
            guard let n = try await NetworkRepository.find(sql, uuid: id) else { throw Self.notFound(id) }
            try await Ownership.checkAccess(sql, caller: caller, accountID: n.accountID, domainID: n.domainID, resource: "network \(n.name)")
            return n
        }
    }

    /// Whether `account` may put NICs on `network`: its own, a domain-wide network of its
    /// domain (or of a domain above it with subdomain access), or one it was granted (4.17).
    static func mayUse(_ sql: any SQLDatabase, network n: Network, account: Account) async throws -> Bool {
        if n.accountID == account.id { return true }
        if n.aclType == .domain {
            if n.domainID == account.domainID { return true }
            if n.subdomainAccess == true, let mine = try await DomainRepository.find(sql, id: account.domainID),
               let theirs = try await DomainRepository.find(sql, id: n.domainID), mine.path.hasPrefix(theirs.path) { return true }
        }
        return try await NetworkPermissionRepository.isGranted(sql, networkID: n.id, accountID: account.id)
    }

    /// Refuses with CloudStack's text unless `account` may use `network`.
    static func checkUse(_ sql: any SQLDatabase, network n: Network, account: Account) async throws {
        guard try await mayUse(sql, network: n, account: account) else {
            throw CloudError.permissionDenied("Unable to use network with id= \(n.uuid.uuidString.lowercased()), permission denied")
        }
    }

    // MARK: - Views

    func views(_ sql: any SQLDatabase, _ networks: [Network], caller: Caller? = nil) async throws -> [NetworkView] {
        let offerings = try await NetworkOfferingRepository.find(sql, ids: Set(networks.map(\.networkOfferingID)))
        var zones: [Int64: Zone] = [:]
        for z in Set(networks.map(\.zoneID)) { zones[z] = try await ZoneRepository.find(sql, id: z) }
        let accounts = try await AccountRepository.find(sql, ids: Set(networks.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(networks.map(\.domainID)))
        let physical = try await PhysicalNetworkRepository.find(sql, ids: Set(networks.compactMap(\.physicalNetworkID)))
        let vpcs = try await VPCRepository.find(sql, ids: Set(networks.compactMap(\.vpcID)))
        let acls = try await NetworkACLRepository.find(sql, ids: Set(networks.compactMap(\.networkACLID)))
        var out: [NetworkView] = []
        for n in networks {
            var canUse = true
            if let caller { canUse = try await Self.mayUse(sql, network: n, account: caller.account) }
            let routes = try await Self.ip6Routes(sql, network: n)
            out.append(NetworkView(network: n, offering: offerings[n.networkOfferingID], zone: zones[n.zoneID], account: accounts[n.accountID],
                                   domain: domains[n.domainID], physicalNetworkUUID: n.physicalNetworkID.flatMap { physical[$0]?.uuid },
                                   canUseForDeploy: canUse && n.state != .destroy, vpc: n.vpcID.flatMap { vpcs[$0] },
                                   acl: n.networkACLID.flatMap { acls[$0] }, ip6Routes: routes))
        }
        return out
    }

    /// One network as the caller sees it.
    public func view(caller: Caller, _ n: Network) async throws -> NetworkView {
        try await db.read { sql in try await self.views(sql, [n], caller: caller)[0] }
    }

    // MARK: - Listing

    /// What `listNetworks` filters on.
    public struct Query: Sendable {
        public var id: UUID?
        public var zoneID: UUID?
        public var type: String?
        public var aclType: String?
        public var trafficType: String?
        public var physicalNetworkID: UUID?
        public var vpcID: UUID?
        public var forVPC: Bool?
        public var networkOfferingID: UUID?
        public var restartRequired: Bool?
        public var canUseForDeploy: Bool?
        public var displayNetwork: Bool?
        public var isSystem: Bool?
        public var keyword: String?
        public var ids: [Int64]?
        public init() {}
    }

    /// `listNetworks`: owned networks in `scope`, plus (for callers listing their own) the
    /// shared networks they may use.
    public func list(caller: Caller, scope: ListScope, ownOnly: Bool, _ q: Query, page: (offset: Int, limit: Int?)) async throws -> Listing<NetworkView> {
        try await db.read { sql in
            var f = NetworkRepository.Filter()
            f.scope = scope
            if !ownOnly {
                let ancestors = try await self.ancestorDomainIDs(sql, of: caller.domain)
                f.sharedWith = (caller.account.id, caller.account.domainID, ancestors)
            }
            f.ids = q.ids
            if let id = q.id {
                guard let n = try await NetworkRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = n.id
            }
            if let z = q.zoneID { f.zoneID = try await Lookup.zone(sql, z).id }
            if let t = q.type {
                guard let g = GuestIPType.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(t) == .orderedSame }) else {
                    throw CloudError.invalidParameter("Invalid network type \(t): use Isolated, Shared or L2")
                }
                f.guestType = g
            }
            if let a = q.aclType {
                guard let acl = NetworkACLType(caseInsensitive: a) else { throw CloudError.invalidParameter("Invalid acltype \(a): use Account or Domain") }
                f.aclType = acl
            }
            if let t = q.trafficType {
                guard let traffic = TrafficType(caseInsensitive: t) else { throw CloudError.invalidParameter("Invalid traffic type \(t)") }
                f.trafficType = traffic
            }
            if let p = q.physicalNetworkID { f.physicalNetworkID = try await Lookup.physicalNetwork(sql, p).id }
            if let v = q.vpcID {
                guard let vpc = try await VPCRepository.find(sql, uuid: v) else { return Listing(items: [], total: 0) }
                f.vpcID = vpc.id
            }
            f.forVPC = q.forVPC
            if let o = q.networkOfferingID {
                guard let offering = try await NetworkOfferingRepository.find(sql, uuid: o) else {
                    throw CloudError.invalidParameter("Unable to find network offering by id \(o.uuidString.lowercased())")
                }
                f.networkOfferingID = offering.id
            }
            f.restartRequired = q.restartRequired
            f.displayNetwork = caller.isAdmin ? q.displayNetwork : true
            f.keyword = q.keyword
            // System networks are not rows here; asking for them lists nothing.
            if q.isSystem == true { return Listing(items: [], total: 0) }
            if q.canUseForDeploy != nil {
                // Filtered in memory: the rule needs the owner's domains and grants.
                let all = try await NetworkRepository.list(sql, f, offset: 0, limit: nil)
                let views = try await self.views(sql, all.items, caller: caller).filter { $0.canUseForDeploy == q.canUseForDeploy }
                let window = Array(views.dropFirst(page.offset).prefix(page.limit ?? Int.max))
                return Listing(items: window, total: views.count)
            }
            let listing = try await NetworkRepository.list(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.views(sql, listing.items, caller: caller), total: listing.total)
        }
    }

    /// The ids of the domains above `domain` (its parent up to ROOT).
    func ancestorDomainIDs(_ sql: any SQLDatabase, of domain: Domain) async throws -> [Int64] {
        var out: [Int64] = []
        var parent = domain.parentID
        while let p = parent, let d = try await DomainRepository.find(sql, id: p) {
            out.append(d.id)
            parent = d.parentID
        }
        return out
    }
}
