import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// A VPN gateway with what its response shows.
public struct VPNGatewayView: Sendable {
    public var gateway: VPNGateway
    public var publicIP: String?
    public var vpc: VPC?
    public var account: Account?
    public var domain: Domain?
}

/// A customer gateway with its owner.
public struct VPNCustomerGatewayView: Sendable {
    public var gateway: VPNCustomerGateway
    public var account: Account?
    public var domain: Domain?
}

/// What `createVpnCustomerGateway` and `updateVpnCustomerGateway` ask for.
public struct VPNCustomerGatewayRequest: Sendable {
    public var name: String?
    public var gateway: String
    public var cidrList: String
    public var ipsecPSK: String
    public var ikePolicy: String
    public var espPolicy: String
    public var ikeLifetime: Int?
    public var espLifetime: Int?
    public var dpd: Bool?
    public var forceEncap: Bool?
    public var ikeVersion: String?
    public var splitConnections: Bool?
    public var accountName: String?
    public var domainID: UUID?

    public init(gateway: String, cidrList: String, ipsecPSK: String, ikePolicy: String, espPolicy: String) {
        self.gateway = gateway; self.cidrList = cidrList; self.ipsecPSK = ipsecPSK; self.ikePolicy = ikePolicy; self.espPolicy = espPolicy
    }
}

/// Site-to-site VPN (a VPC's VPN gateway on its source NAT address, customer gateways, the
/// connections between them) and remote access VPN (L2TP/IPsec on a public address of an
/// isolated network or on a VPC's source NAT address, with the owner account's VPN users).
///
/// Everything is configuration of the routers: every change raises the document generation
/// of the routers concerned in its transaction and pushes their documents after it; the
/// connections, remote access VPNs and users the routers applied then move to their applied
/// state (Connected or Disconnected, Running, Active). What no running router applied yet
/// stays Pending, Added or Add.
public final class VPNService: Sendable {
    let db: any Database
    let config: ConfigService
    let events: EventService
    let routers: RouterService
    let logger: Logger

    init(db: any Database, config: ConfigService, events: EventService, routers: RouterService, logger: Logger) {
        self.db = db; self.config = config; self.events = events; self.routers = routers; self.logger = logger
    }

    static func text(_ id: UUID) -> String { id.uuidString.lowercased() }

    func record(_ sql: any SQLDatabase, caller: Caller, type: String, description: String, accountID: Int64, domainID: Int64, resourceType: String,
                uuid: UUID, name: String?) async throws {
        _ = try await events.record(sql, type: type, state: .completed, description: description, userID: caller.user.id, accountID: accountID,
                                    domainID: domainID, resource: EventResource(type: resourceType, uuid: Self.text(uuid), name: name))
    }

    static func requireAdminForDisplay(_ caller: Caller, _ display: Bool?) throws {
        if display != nil && !caller.isAdmin { throw CloudError.permissionDenied("Only admins may set fordisplay") }
    }

    /// Refuses unless the VPC's offering provides the Vpn service.
    static func requireVPNService(_ sql: any SQLDatabase, vpc: VPC) async throws {
        guard let offering = try await VPCOfferingRepository.find(sql, id: vpc.vpcOfferingID) else { throw CloudError.internalError() }
        guard offering.services.contains(.vpn) else {
            throw CloudError.invalidParameter("Vpn service is not supported in VPC \(vpc.name) (offering \(offering.name))")
        }
    }

    // MARK: - Applying

    /// Whether every running router of a set has applied its newest document (and one runs).
    static func applied(_ routers: [Router]) -> Bool {
        let running = routers.filter { $0.state == .running }
        return !running.isEmpty && running.allSatisfy { $0.appliedGeneration >= $0.documentGeneration }
    }

    /// Pushes the documents of the routers of `networks` and `vpcs` now, then moves what
    /// their routers applied to its applied state: Pending connections to Connected (or
    /// Disconnected when passive), Added remote access VPNs to Running and their owners' users
    /// from Add to Active. Push failures are left to the sweep and leave the states as they are.
    func apply(networks: Set<Int64> = [], vpcs: Set<Int64> = []) async {
        for n in networks { await routers.pushNetwork(networkID: n) }
        for v in vpcs { await routers.pushVPC(vpcID: v) }
        do {
            try await db.transaction { sql in
                var accounts = Set<Int64>()
                for v in vpcs where Self.applied(try await RouterRepository.of(sql, vpcID: v)) {
                    if let gw = try await VPNRepository.gateway(sql, vpcID: v) {
                        for c in try await VPNRepository.connections(sql, vpnGatewayID: gw.id) where c.state == .pending {
                            try await VPNRepository.setState(sql, connectionIDs: [c.id], c.appliedState)
                        }
                    }
                    let remote = try await VPNRepository.remoteAccess(sql, vpcID: v)
                    try await VPNRepository.setState(sql, remoteAccessIDs: remote.filter { $0.state == .added }.map(\.id), .running)
                    accounts.formUnion(remote.map(\.accountID))
                }
                for n in networks where Self.applied(try await RouterRepository.of(sql, networkID: n)) {
                    let remote = try await VPNRepository.remoteAccess(sql, networkID: n)
                    try await VPNRepository.setState(sql, remoteAccessIDs: remote.filter { $0.state == .added }.map(\.id), .running)
                    accounts.formUnion(remote.map(\.accountID))
                }
                for a in accounts { try await VPNRepository.activateUsers(sql, accountID: a) }
            }
        } catch {
            logger.warning("Recording applied VPN states failed", metadata: ["error": "\(StoreError.describe(error))"])
        }
    }

    /// Raises the document generation of the routers serving a remote access VPN.
    static func bump(_ sql: any SQLDatabase, _ vpn: RemoteAccessVPN) async throws {
        if let v = vpn.vpcID { try await RouterRepository.bumpGeneration(sql, vpcID: v) }
        if let n = vpn.networkID { try await RouterRepository.bumpGeneration(sql, networkID: n) }
    }

    // MARK: - Cleanup for other services

    /// Removes a VPC's VPN gateway, its connections and the VPC's remote access VPN, in the
    /// caller's transaction (`deleteVPC`). The VPC's routers go with it, so no generation is
    /// raised.
    public static func removeAll(_ sql: any SQLDatabase, vpcID: Int64) async throws {
        let now = Date()
        if let gw = try await VPNRepository.gateway(sql, vpcID: vpcID) {
            try await VPNRepository.removeConnections(sql, ids: try await VPNRepository.connections(sql, vpnGatewayID: gw.id).map(\.id), at: now)
            try await VPNRepository.removeGateway(sql, id: gw.id, at: now)
        }
        for vpn in try await VPNRepository.remoteAccess(sql, vpcID: vpcID) { try await VPNRepository.removeRemoteAccess(sql, id: vpn.id, at: now) }
    }

    /// Removes the remote access VPN on a public address that is being released, with the
    /// ports it reserved and the firewall rules it opened, and raises the generation of the
    /// routers that served it (`disassociateIpAddress`).
    public static func removeRemoteAccess(_ sql: any SQLDatabase, ipAddressID: Int64) async throws {
        guard let vpn = try await VPNRepository.remoteAccess(sql, ipAddressID: ipAddressID) else { return }
        try await releasePorts(sql, ipAddressID: ipAddressID)
        try await VPNRepository.removeRemoteAccess(sql, id: vpn.id, at: Date())
        try await bump(sql, vpn)
    }

    /// Removes the remote access VPNs of a network that is being deleted (`deleteNetwork`).
    public static func removeRemoteAccess(_ sql: any SQLDatabase, networkID: Int64) async throws {
        for vpn in try await VPNRepository.remoteAccess(sql, networkID: networkID) {
            try await releasePorts(sql, ipAddressID: vpn.ipAddressID)
            try await VPNRepository.removeRemoteAccess(sql, id: vpn.id, at: Date())
        }
    }

    // MARK: - VPN gateways

    /// A VPN gateway the caller administers, with its VPC.
    static func administeredGateway(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> (VPNGateway, VPC) {
        guard let gw = try await VPNRepository.gateway(sql, uuid: id), let vpc = try await VPCRepository.find(sql, id: gw.vpcID) else {
            throw CloudError.invalidParameter("Unable to find VPN gateway with id \(text(id))")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: gw.accountID, domainID: gw.domainID, resource: "VPN gateway \(text(id))")
        return (gw, vpc)
    }

    /// The gateway and its VPC, for job plans.
    public func gateway(caller: Caller, id: UUID) async throws -> (VPNGateway, VPC) {
        try await db.read { try await Self.administeredGateway($0, caller: caller, id: id) }
    }

    /// `createVpnGateway`: the VPC's one VPN gateway, on its source NAT address.
    public func createGateway(caller: Caller, vpcID: UUID, display: Bool?) async throws -> VPNGatewayView {
        try Self.requireAdminForDisplay(caller, display)
        let gw = try await db.transaction { sql -> VPNGateway in
            let vpc = try await VPCService.administered(sql, caller: caller, id: vpcID)
            guard vpc.state == .enabled else { throw CloudError.invalidParameter("VPC \(vpc.name) is being deleted") }
            try await VPCRepository.lock(sql, id: vpc.id)
            try await Self.requireVPNService(sql, vpc: vpc)
            if try await VPNRepository.gateway(sql, vpcID: vpc.id) != nil {
                throw CloudError.invalidParameter("The VPN gateway of VPC \(vpc.name) already existed!")
            }
            guard let snat = try await PublicIPRepository.of(sql, vpcID: vpc.id).first(where: { $0.sourceNAT && $0.state == .allocated }) else {
                throw CloudError.invalidParameter("VPC \(vpc.name) has no source NAT IP address yet (it gets one with its router); create a tier or restart the VPC first")
            }
            let gw = try await VPNRepository.insert(sql, VPNGateway(vpcID: vpc.id, ipAddressID: snat.id, accountID: vpc.accountID, domainID: vpc.domainID,
                                                                    display: display ?? true))
            try await self.record(sql, caller: caller, type: EventType.s2sVPNGatewayCreate, description: "Created VPN gateway of VPC \(vpc.name) on \(snat.address)",
                                  accountID: gw.accountID, domainID: gw.domainID, resourceType: "VpnGateway", uuid: gw.uuid, name: nil)
            return gw
        }
        return try await db.read { try await self.gatewayViews($0, [gw])[0] }
    }

    /// `deleteVpnGateway`: refused while connections use it.
    public func deleteGateway(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let (gw, vpc) = try await Self.administeredGateway(sql, caller: caller, id: id)
            try await VPCRepository.lock(sql, id: vpc.id)
            let connections = try await VPNRepository.connections(sql, vpnGatewayID: gw.id)
            guard connections.isEmpty else {
                throw CloudError.invalidParameter("Unable to delete VPN gateway \(Self.text(id)) because there is still related VPN connections! Delete its \(connections.count) connection(s) first")
            }
            try await VPNRepository.removeGateway(sql, id: gw.id, at: Date())
            try await self.record(sql, caller: caller, type: EventType.s2sVPNGatewayDelete, description: "Deleted VPN gateway of VPC \(vpc.name)",
                                  accountID: gw.accountID, domainID: gw.domainID, resourceType: "VpnGateway", uuid: gw.uuid, name: nil)
        }
    }

    /// `updateVpnGateway`: whether the owner sees it (admins).
    public func updateGateway(caller: Caller, id: UUID, display: Bool?) async throws -> VPNGatewayView {
        try Self.requireAdminForDisplay(caller, display)
        let gw = try await db.transaction { sql -> VPNGateway in
            var (gw, vpc) = try await Self.administeredGateway(sql, caller: caller, id: id)
            if let display {
                try await VPNRepository.setDisplay(sql, gatewayID: gw.id, display: display)
                gw.display = display
            }
            try await self.record(sql, caller: caller, type: EventType.s2sVPNGatewayUpdate, description: "Updated VPN gateway of VPC \(vpc.name)",
                                  accountID: gw.accountID, domainID: gw.domainID, resourceType: "VpnGateway", uuid: gw.uuid, name: nil)
            return gw
        }
        return try await db.read { try await self.gatewayViews($0, [gw])[0] }
    }

    /// `listVpnGateways`.
    public func gateways(caller: Caller, scope: ListScope, id: UUID?, vpcID: UUID?, display: Bool?, page: (offset: Int, limit: Int?)) async throws -> Listing<VPNGatewayView> {
        try await db.read { sql in
            var f = VPNRepository.GatewayFilter()
            f.scope = scope
            f.display = caller.isAdmin ? display : (display ?? true)
            if let id {
                guard let gw = try await VPNRepository.gateway(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = gw.id
            }
            if let vpcID {
                guard let vpc = try await VPCRepository.find(sql, uuid: vpcID) else { return Listing(items: [], total: 0) }
                f.vpcID = vpc.id
            }
            let listing = try await VPNRepository.listGateways(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.gatewayViews(sql, listing.items), total: listing.total)
        }
    }

    func gatewayViews(_ sql: any SQLDatabase, _ gateways: [VPNGateway]) async throws -> [VPNGatewayView] {
        let vpcs = try await VPCRepository.find(sql, ids: Set(gateways.map(\.vpcID)))
        let accounts = try await AccountRepository.find(sql, ids: Set(gateways.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(gateways.map(\.domainID)))
        var addresses: [Int64: String] = [:]
        for id in Set(gateways.map(\.ipAddressID)) { addresses[id] = try await PublicIPRepository.find(sql, id: id)?.address }
        return gateways.map { g in
            VPNGatewayView(gateway: g, publicIP: addresses[g.ipAddressID], vpc: vpcs[g.vpcID], account: accounts[g.accountID], domain: domains[g.domainID])
        }
    }

    // MARK: - Customer gateways

    /// A customer gateway the caller administers.
    static func administeredCustomerGateway(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> VPNCustomerGateway {
        guard let gw = try await VPNRepository.customerGateway(sql, uuid: id) else {
            throw CloudError.invalidParameter("Unable to find VPN customer gateway with id \(text(id))")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: gw.accountID, domainID: gw.domainID, resource: "VPN customer gateway \(gw.name)")
        return gw
    }

    /// The customer gateway, for job plans.
    public func customerGateway(caller: Caller, id: UUID) async throws -> VPNCustomerGateway {
        try await db.read { try await Self.administeredCustomerGateway($0, caller: caller, id: id) }
    }

    /// Checks every parameter of a customer gateway (the subnets against `subnetsLimit`) and
    /// returns the gateway they describe (ids and owner left to the caller).
    static func customerGatewayValues(_ r: VPNCustomerGatewayRequest, subnetsLimit: Int) throws -> VPNCustomerGateway {
        let gateway = try VPNRules.gatewayAddress(r.gateway)
        let name = (r.name?.trimmingCharacters(in: .whitespaces)).flatMap { $0.isEmpty ? nil : $0 } ?? "VPN-\(gateway)"
        guard name.count <= 255 else { throw CloudError.invalidParameter("The customer gateway name may have at most 255 characters") }
        let cidrs = try VPNRules.customerCIDRs(r.cidrList, limit: subnetsLimit)
        return VPNCustomerGateway(name: name, gateway: gateway, cidrs: cidrs.map(\.description), ipsecPSK: try VPNRules.presharedKey(r.ipsecPSK),
                                  ikePolicy: try VPNRules.policy(r.ikePolicy, kind: .ike), espPolicy: try VPNRules.policy(r.espPolicy, kind: .esp),
                                  ikeLifetime: try VPNRules.lifetime(r.ikeLifetime, kind: .ike), espLifetime: try VPNRules.lifetime(r.espLifetime, kind: .esp),
                                  dpd: r.dpd ?? false, forceEncap: r.forceEncap ?? false, ikeVersion: try VPNRules.ikeVersion(r.ikeVersion),
                                  splitConnections: r.splitConnections ?? false, accountID: 0, domainID: 0)
    }

    static func duplicateName(_ name: String) -> CloudError {
        CloudError.invalidParameter("The customer gateway with name \(name) already existed!")
    }

    /// `createVpnCustomerGateway`: the peer's gateway, subnets and IPsec parameters, all
    /// checked first; names are unique per account.
    public func createCustomerGateway(caller: Caller, _ r: VPNCustomerGatewayRequest) async throws -> VPNCustomerGatewayView {
        let base = try Self.customerGatewayValues(r, subnetsLimit: try await config.int(Settings.site2SiteVPNSubnetsLimit))
        do {
            let gw = try await db.transaction { sql -> VPNCustomerGateway in
                var values = base
                let owner = try await IdentityService.owner(sql, caller: caller, accountName: r.accountName, domainID: r.domainID)
                values.accountID = owner.id
                values.domainID = owner.domainID
                if try await VPNRepository.customerGateway(sql, accountID: owner.id, name: values.name) != nil { throw Self.duplicateName(values.name) }
                let gw = try await VPNRepository.insert(sql, values)
                try await self.record(sql, caller: caller, type: EventType.s2sCustomerGatewayCreate, description: "Created VPN customer gateway \(gw.name)",
                                      accountID: gw.accountID, domainID: gw.domainID, resourceType: "VpnCustomerGateway", uuid: gw.uuid, name: gw.name)
                return gw
            }
            return try await db.read { try await self.customerGatewayViews($0, [gw])[0] }
        } catch where StoreError.isUniqueViolation(error) {
            throw Self.duplicateName(base.name)
        }
    }

    /// `updateVpnCustomerGateway`: replaces every parameter (CloudStack requires them all
    /// again). The new subnets are checked against the VPCs and other connections of the
    /// connections that use the gateway; those connections are re-applied (reset).
    public func updateCustomerGateway(caller: Caller, id: UUID, _ r: VPNCustomerGatewayRequest) async throws -> VPNCustomerGatewayView {
        let values = try Self.customerGatewayValues(r, subnetsLimit: try await config.int(Settings.site2SiteVPNSubnetsLimit))
        do {
            let (gw, vpcs) = try await db.transaction { sql -> (VPNCustomerGateway, Set<Int64>) in
                var gw = try await Self.administeredCustomerGateway(sql, caller: caller, id: id)
                if let other = try await VPNRepository.customerGateway(sql, accountID: gw.accountID, name: values.name), other.id != gw.id {
                    throw Self.duplicateName(values.name)
                }
                let peer = values.cidrs.compactMap { IPv4CIDR($0) }
                var vpcs = Set<Int64>()
                for c in try await VPNRepository.connections(sql, customerGatewayID: gw.id) {
                    guard let vpnGateway = try await VPNRepository.gateways(sql, ids: [c.vpnGatewayID])[c.vpnGatewayID],
                          let vpc = try await VPCRepository.find(sql, id: vpnGateway.vpcID), let vpcCIDR = IPv4CIDR(vpc.cidr) else { continue }
                    try await VPCRepository.lock(sql, id: vpc.id)
                    let others = try await Self.peerSubnets(sql, vpnGatewayID: vpnGateway.id, except: c.id)
                    try VPNRules.checkConnection(peer: peer, gatewayName: values.name, vpcCIDR: vpcCIDR, others: others)
                    if c.state != .pending { try await VPNRepository.setState(sql, connectionIDs: [c.id], .pending) }
                    try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
                    vpcs.insert(vpc.id)
                }
                let kept = gw
                gw = values
                gw.id = kept.id; gw.uuid = kept.uuid; gw.accountID = kept.accountID; gw.domainID = kept.domainID; gw.created = kept.created
                try await VPNRepository.update(sql, gw)
                try await self.record(sql, caller: caller, type: EventType.s2sCustomerGatewayUpdate, description: "Updated VPN customer gateway \(gw.name)",
                                      accountID: gw.accountID, domainID: gw.domainID, resourceType: "VpnCustomerGateway", uuid: gw.uuid, name: gw.name)
                return (gw, vpcs)
            }
            await apply(vpcs: vpcs)
            return try await db.read { try await self.customerGatewayViews($0, [gw])[0] }
        } catch where StoreError.isUniqueViolation(error) {
            throw Self.duplicateName(values.name)
        }
    }

    /// `deleteVpnCustomerGateway`: refused while connections use it.
    public func deleteCustomerGateway(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let gw = try await Self.administeredCustomerGateway(sql, caller: caller, id: id)
            let connections = try await VPNRepository.connections(sql, customerGatewayID: gw.id)
            guard connections.isEmpty else {
                throw CloudError.invalidParameter("Unable to delete VPN customer gateway with id \(Self.text(id)) because there is still related VPN connections!")
            }
            try await VPNRepository.removeCustomerGateway(sql, id: gw.id, at: Date())
            try await self.record(sql, caller: caller, type: EventType.s2sCustomerGatewayDelete, description: "Deleted VPN customer gateway \(gw.name)",
                                  accountID: gw.accountID, domainID: gw.domainID, resourceType: "VpnCustomerGateway", uuid: gw.uuid, name: gw.name)
        }
    }

    /// `listVpnCustomerGateways`.
    public func customerGateways(caller: Caller, scope: ListScope, id: UUID?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<VPNCustomerGatewayView> {
        try await db.read { sql in
            var f = VPNRepository.CustomerGatewayFilter()
            f.scope = scope
            f.keyword = keyword
            if let id {
                guard let gw = try await VPNRepository.customerGateway(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = gw.id
            }
            let listing = try await VPNRepository.listCustomerGateways(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.customerGatewayViews(sql, listing.items), total: listing.total)
        }
    }

    func customerGatewayViews(_ sql: any SQLDatabase, _ gateways: [VPNCustomerGateway]) async throws -> [VPNCustomerGatewayView] {
        let accounts = try await AccountRepository.find(sql, ids: Set(gateways.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(gateways.map(\.domainID)))
        return gateways.map { VPNCustomerGatewayView(gateway: $0, account: accounts[$0.accountID], domain: domains[$0.domainID]) }
    }

    /// The peer subnets of a VPN gateway's connections (but `except`), by customer gateway name.
    static func peerSubnets(_ sql: any SQLDatabase, vpnGatewayID: Int64, except: Int64?) async throws -> [(name: String, cidrs: [IPv4CIDR])] {
        let connections = try await VPNRepository.connections(sql, vpnGatewayID: vpnGatewayID).filter { $0.id != except }
        let customers = try await VPNRepository.customerGateways(sql, ids: Set(connections.map(\.customerGatewayID)))
        return connections.compactMap { c in customers[c.customerGatewayID].map { ($0.name, $0.cidrs.compactMap { IPv4CIDR($0) }) } }
    }
}
