import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// A VPC with what a response shows: offering, zone, owner, tiers.
public struct VPCView: Sendable {
    public var vpc: VPC
    public var offering: VPCOffering?
    public var zone: Zone?
    public var account: Account?
    public var domain: Domain?
    public var tiers: [NetworkView]
}

/// What `createVPC` asks for.
public struct CreateVPCRequest: Sendable {
    public var name: String
    public var cidr: String
    public var zoneID: UUID
    public var vpcOfferingID: UUID
    public var displayText: String?
    public var networkDomain: String?
    public var accountName: String?
    public var domainID: UUID?
    public var display: Bool?
    public var start = true
    public var publicMTU: Int?
    public var dns1: String?
    public var dns2: String?
    public var ip6DNS1: String?
    public var ip6DNS2: String?
    public var sourceNATAddress: String?

    public init(name: String, cidr: String, zoneID: UUID, vpcOfferingID: UUID) {
        self.name = name; self.cidr = cidr; self.zoneID = zoneID; self.vpcOfferingID = vpcOfferingID
    }
}

/// VPCs (`createVPC`, `updateVPC`, `restartVPC`, `deleteVPC`, `listVPCs`), their network ACL
/// lists and items, private gateways and static routes. Tiers are guest networks created
/// by ``GuestNetworkService`` with a VPC; the VPC's routers and their documents are made by
/// ``GuestNetworkService/implementVPC(_:vpc:hostID:versions:)`` and ``RouterDocumentBuilder``.
public final class VPCService: Sendable {
    let db: Database
    let config: ConfigService
    let events: EventService
    let limits: ResourceLimitService
    let networks: GuestNetworkService
    let routers: RouterService
    let logger: Logger

    init(db: Database, config: ConfigService, events: EventService, limits: ResourceLimitService, networks: GuestNetworkService, routers: RouterService,
         logger: Logger) {
        self.db = db; self.config = config; self.events = events; self.limits = limits; self.networks = networks; self.routers = routers; self.logger = logger
    }

    static func notFound(_ id: UUID) -> CloudError {
        CloudError.invalidParameter("Unable to find VPC with id \(id.uuidString.lowercased())")
    }

    static func resource(_ v: VPC) -> EventResource {
        EventResource(type: "Vpc", uuid: v.uuid.uuidString.lowercased(), name: v.name)
    }

    /// A VPC the caller administers (its owner, or an admin over the owner's domain).
    static func administered(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> VPC {
        guard let v = try await VPCRepository.find(sql, uuid: id) else { throw notFound(id) }
        try await Ownership.checkAccess(sql, caller: caller, accountID: v.accountID, domainID: v.domainID, resource: "VPC \(v.name)")
        return v
    }

    public func administered(caller: Caller, id: UUID) async throws -> VPC {
        try await db.read { try await Self.administered($0, caller: caller, id: id) }
    }

    // MARK: - Create

    /// `createVPC`: validates everything, then writes the VPC, its count and event; with
    /// `start` (the default) its source NAT address and router are made in the same
    /// transaction, so a failure leaves nothing behind.
    public func create(caller: Caller, _ r: CreateVPCRequest) async throws -> VPCView {
        let versions = try await networks.routerVersions()
        let suffix = try await config.value(Settings.guestDomainSuffix)
        let vpc = try await db.transaction { sql -> VPC in
            let name = r.name.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 255 else { throw CloudError.invalidParameter("A VPC name of 1 to 255 characters is required") }
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: r.accountName, domainID: r.domainID)
            guard let ownerDomain = try await DomainRepository.find(sql, id: owner.domainID) else { throw CloudError.internalError() }
            let zone = try await Lookup.zone(sql, r.zoneID)
            if zone.allocationState == .disabled && !caller.isRootAdmin {
                throw CloudError.permissionDenied("Cannot perform this operation, Zone is currently disabled: \(zone.uuid.uuidString.lowercased())")
            }
            guard zone.networkType == .advanced, !zone.securityGroupEnabled else {
                throw CloudError.invalidParameter("Can't create a VPC in zone \(zone.name): VPCs need an Advanced zone without security groups")
            }
            guard let offering = try await VPCOfferingRepository.find(sql, uuid: r.vpcOfferingID) else {
                throw CloudError.invalidParameter("Unable to find VPC offering by id \(r.vpcOfferingID.uuidString.lowercased())")
            }
            guard offering.state == .enabled else {
                throw CloudError.invalidParameter("VPC offering \(offering.name) is not in Enabled state; can't create a VPC with it")
            }
            let cidr = try VPCAddressing.vpcCIDR(r.cidr)
            let networkDomain: String
            if let nd = r.networkDomain {
                try GuestNetworkService.validateDomain(nd)
                networkDomain = nd
            } else {
                networkDomain = zone.networkDomain ?? ownerDomain.networkDomain ?? "cs\(String(owner.id, radix: 16)).\(suffix)"
            }
            for dns in [r.dns1, r.dns2].compactMap({ $0 }) where IPv4Address(dns) == nil {
                throw CloudError.invalidParameter("Invalid DNS address \(dns): an IPv4 address is expected")
            }
            if r.display != nil && !caller.isAdmin { throw CloudError.permissionDenied("Only admins may set fordisplay") }
            var vpc = VPC(name: name, displayText: r.displayText.flatMap { $0.isEmpty ? nil : $0 } ?? name, cidr: cidr.description, zoneID: zone.id,
                          vpcOfferingID: offering.id, accountID: owner.id, domainID: owner.domainID, networkDomain: networkDomain,
                          redundant: offering.capabilities.contains { $0.name == "RedundantRouter" && $0.value.lowercased() == "true" },
                          display: r.display ?? true, dns1: r.dns1, dns2: r.dns2, ip6DNS1: r.ip6DNS1, ip6DNS2: r.ip6DNS2,
                          publicMTU: try GuestNetworkService.mtu(r.publicMTU, name: "publicmtu"))
            try await self.limits.reserve(sql, accountID: owner.id, [.vpc: 1])
            vpc = try await VPCRepository.insert(sql, vpc)
            if let wanted = r.sourceNATAddress {
                guard IPv4Address(wanted) != nil else { throw CloudError.invalidParameter("Invalid sourcenatipaddress \(wanted): an IPv4 address is expected") }
                _ = try await self.networks.acquirePublicIP(sql, PublicIPRepository.Acquisition(zoneID: zone.id, accountID: owner.id, domainID: owner.domainID,
                                                                                               vpcID: vpc.id, sourceNAT: true, address: wanted))
            }
            if r.start { try await self.networks.implementVPC(sql, vpc: vpc, hostID: nil, versions: versions) }
            try await self.events.record(sql, type: EventType.vpcCreate, state: .completed, description: "Created VPC \(vpc.name)", userID: caller.user.id,
                                         accountID: vpc.accountID, domainID: vpc.domainID, resource: Self.resource(vpc))
            return vpc
        }
        await pushVPC(vpc.id)
        return try await view(caller: caller, vpc)
    }

    /// Sends the VPC's routers their documents now (failures are left to the sweep).
    func pushVPC(_ vpcID: Int64) async {
        await routers.pushVPC(vpcID: vpcID)
    }

    // MARK: - Update, restart, delete

    /// `updateVPC`: names, display, public MTU (the routers get a new document).
    public func update(caller: Caller, id: UUID, name: String?, displayText: String?, display: Bool?, publicMTU: Int?) async throws -> VPCView {
        if display != nil && !caller.isAdmin { throw CloudError.permissionDenied("Only admins may set fordisplay") }
        let vpc = try await db.transaction { sql -> VPC in
            var v = try await Self.administered(sql, caller: caller, id: id)
            if let name {
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, trimmed.count <= 255 else { throw CloudError.invalidParameter("A VPC name of 1 to 255 characters is required") }
                v.name = trimmed
            }
            if let displayText { v.displayText = displayText }
            if let display { v.display = display }
            if let publicMTU {
                v.publicMTU = try GuestNetworkService.mtu(publicMTU, name: "publicmtu")
                for var tier in try await VPCRepository.tiers(sql, vpcID: v.id) {
                    tier.publicMTU = v.publicMTU
                    try await NetworkRepository.update(sql, tier)
                }
                try await RouterRepository.bumpGeneration(sql, vpcID: v.id)
            }
            try await VPCRepository.update(sql, v)
            try await self.events.record(sql, type: EventType.vpcUpdate, state: .completed, description: "Updated VPC \(v.name)", userID: caller.user.id,
                                         accountID: v.accountID, domainID: v.domainID, resource: Self.resource(v))
            return v
        }
        return try await view(caller: caller, vpc)
    }

    /// `restartVPC`: without `cleanup` the routers re-apply their whole document; with it
    /// they are replaced (new routers, new NICs on the tiers, same addresses). `livepatch`
    /// brings their software to the current version first.
    public func restart(caller: Caller, id: UUID, cleanup: Bool, livePatch: Bool) async throws -> VPCView {
        let versions = try await networks.routerVersions()
        let vpc = try await db.transaction { sql -> VPC in
            var v = try await Self.administered(sql, caller: caller, id: id)
            guard v.state == .enabled else { throw CloudError.invalidParameter("VPC \(v.name) is being deleted") }
            let routers = try await RouterRepository.of(sql, vpcID: v.id)
            if cleanup {
                for r in routers {
                    try await GuestNetworkService.releaseNics(sql, instanceID: r.id, ownerType: .domainRouter)
                    try await RouterRepository.markRemoved(sql, id: r.id, at: Date())
                }
                try await self.networks.implementVPC(sql, vpc: v, hostID: routers.first?.hostID, versions: versions)
            } else {
                for var r in routers {
                    if livePatch { r.softwareVersion = versions.software }
                    r.documentGeneration += 1
                    try await RouterRepository.update(sql, r)
                }
            }
            v.restartRequired = false
            try await VPCRepository.update(sql, v)
            return v
        }
        await pushVPC(vpc.id)
        return try await view(caller: caller, vpc)
    }

    /// Checks a `deleteVPC` before its job: the caller administers it and it has no tiers.
    public func checkDelete(caller: Caller, id: UUID) async throws -> VPC {
        try await db.read { sql in
            let v = try await Self.administered(sql, caller: caller, id: id)
            let tiers = try await VPCRepository.tiers(sql, vpcID: v.id)
            guard tiers.isEmpty else {
                throw CloudError.resourceInUse("Can't delete VPC \(v.name): it has \(tiers.count) tier(s) (\(tiers.map(\.name).joined(separator: ", "))); delete them first")
            }
            return v
        }
    }

    /// `deleteVPC`: releases the routers, the addresses (with their rules), VPN gateway,
    /// connections and remote access, static routes, private gateways and ACL lists, and the
    /// VPC's count, in one transaction.
    public func delete(caller: Caller, id: UUID) async throws {
        _ = try await checkDelete(caller: caller, id: id)
        try await db.transaction { sql in
            let v = try await Self.administered(sql, caller: caller, id: id)
            try await VPCRepository.lock(sql, id: v.id)
            guard try await VPCRepository.tiers(sql, vpcID: v.id).isEmpty else {
                throw CloudError.resourceInUse("Can't delete VPC \(v.name): a tier was added meanwhile")
            }
            try await VPNService.removeAll(sql, vpcID: v.id)
            for route in try await PrivateGatewayRepository.routes(sql, vpcID: v.id) { try await PrivateGatewayRepository.deleteRoute(sql, id: route.id) }
            for g in try await PrivateGatewayRepository.of(sql, vpcID: v.id) { try await PrivateGatewayRepository.markRemoved(sql, id: g.id, at: Date()) }
            for ip in try await PublicIPRepository.of(sql, vpcID: v.id) {
                try await PublicIPService.removeRules(sql, ipAddressID: ip.id)
                try await self.networks.releasePublicIP(sql, ip)
            }
            for r in try await RouterRepository.of(sql, vpcID: v.id) {
                try await GuestNetworkService.releaseNics(sql, instanceID: r.id, ownerType: .domainRouter)
                try await RouterRepository.markRemoved(sql, id: r.id, at: Date())
            }
            for list in try await NetworkACLRepository.of(sql, vpcID: v.id) { try await NetworkACLRepository.remove(sql, id: list.id, at: Date()) }
            try await VPCRepository.markRemoved(sql, id: v.id, at: Date())
            try await self.limits.release(sql, accountID: v.accountID, [.vpc: 1])
            try await self.events.record(sql, type: EventType.vpcDelete, state: .completed, description: "Deleted VPC \(v.name)", userID: caller.user.id,
                                         accountID: v.accountID, domainID: v.domainID, resource: Self.resource(v))
        }
    }

    // MARK: - Listing

    /// What `listVPCs` filters on.
    public struct Query: Sendable {
        public var id: UUID?
        public var name: String?
        public var displayText: String?
        public var cidr: String?
        public var zoneID: UUID?
        public var vpcOfferingID: UUID?
        public var state: String?
        public var restartRequired: Bool?
        public var display: Bool?
        public var keyword: String?
        public var ids: [Int64]?
        public var tags: [TagPair] = []
        public init() {}
    }

    public func list(caller: Caller, scope: ListScope, _ q: Query, page: (offset: Int, limit: Int?)) async throws -> Listing<VPCView> {
        try await db.read { sql in
            var f = VPCRepository.Filter()
            f.scope = scope
            f.ids = q.ids
            f.tags = q.tags
            if let id = q.id {
                guard let v = try await VPCRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = v.id
            }
            f.name = q.name; f.displayText = q.displayText; f.cidr = q.cidr; f.restartRequired = q.restartRequired; f.keyword = q.keyword
            f.display = caller.isAdmin ? q.display : (q.display ?? true)
            if let z = q.zoneID { f.zoneID = try await Lookup.zone(sql, z).id }
            if let o = q.vpcOfferingID {
                guard let offering = try await VPCOfferingRepository.find(sql, uuid: o) else {
                    throw CloudError.invalidParameter("Unable to find VPC offering by id \(o.uuidString.lowercased())")
                }
                f.vpcOfferingID = offering.id
            }
            if let s = q.state {
                guard let state = VPCState(caseInsensitive: s) else { throw CloudError.invalidParameter("Invalid state \(s): use Enabled or Inactive") }
                f.state = state
            }
            let listing = try await VPCRepository.list(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.views(sql, listing.items, caller: caller), total: listing.total)
        }
    }

    func views(_ sql: any SQLDatabase, _ vpcs: [VPC], caller: Caller) async throws -> [VPCView] {
        var offerings: [Int64: VPCOffering] = [:]
        for id in Set(vpcs.map(\.vpcOfferingID)) { offerings[id] = try await VPCOfferingRepository.find(sql, id: id) }
        let zones = try await ZoneRepository.find(sql, ids: Set(vpcs.map(\.zoneID)))
        let accounts = try await AccountRepository.find(sql, ids: Set(vpcs.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(vpcs.map(\.domainID)))
        var out: [VPCView] = []
        for v in vpcs {
            let tiers = try await networks.views(sql, try await VPCRepository.tiers(sql, vpcID: v.id), caller: caller)
            out.append(VPCView(vpc: v, offering: offerings[v.vpcOfferingID], zone: zones[v.zoneID], account: accounts[v.accountID],
                               domain: domains[v.domainID], tiers: tiers))
        }
        return out
    }

    public func view(caller: Caller, _ v: VPC) async throws -> VPCView {
        try await db.read { sql in
            let fresh = try await VPCRepository.find(sql, id: v.id) ?? v
            return try await self.views(sql, [fresh], caller: caller)[0]
        }
    }
}
