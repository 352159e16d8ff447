import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A private gateway with the names a response shows.
public struct PrivateGatewayView: Sendable {
    public var gateway: PrivateGateway
    public var vpc: VPC?
    public var zone: Zone?
    public var account: Account?
    public var domain: Domain?
    public var acl: NetworkACLList?
    public var physicalNetworkUUID: UUID?
    public var associatedNetwork: Network?
}

/// A static route with its gateway and VPC.
public struct StaticRouteView: Sendable {
    public var route: StaticRoute
    public var gateway: PrivateGateway?
    public var vpc: VPC?
    public var account: Account?
    public var domain: Domain?
}

/// What `createPrivateGateway` asks for.
public struct CreatePrivateGatewayRequest: Sendable {
    public var vpcID: UUID
    public var ipAddress: String
    public var gateway: String
    public var netmask: String
    public var vlan: String?
    public var physicalNetworkID: UUID?
    public var associatedNetworkID: UUID?
    public var aclID: UUID?
    public var sourceNATSupported: Bool?
    public init(vpcID: UUID, ipAddress: String, gateway: String, netmask: String) {
        self.vpcID = vpcID; self.ipAddress = ipAddress; self.gateway = gateway; self.netmask = netmask
    }
}

extension VPCService {
    static func gatewayNotFound(_ id: UUID) -> CloudError {
        CloudError.invalidParameter("Unable to find private gateway with id \(id.uuidString.lowercased())")
    }

    /// A gateway the caller administers (through its VPC), with the VPC.
    static func administeredGateway(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> (PrivateGateway, VPC) {
        guard let g = try await PrivateGatewayRepository.find(sql, uuid: id), let vpc = try await VPCRepository.find(sql, id: g.vpcID) else {
            throw gatewayNotFound(id)
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vpc.accountID, domainID: vpc.domainID, resource: "private gateway \(g.ipAddress)")
        return (g, vpc)
    }

    // MARK: - Private gateways

    /// `createPrivateGateway`: a router interface on a private network, either a VLAN an
    /// admin names (`vlan`, on the zone's guest physical network or the one given) or —
    /// 4.17, open to users — a network of the VPC owner's it is associated with. The address
    /// must be free among that network's gateways; the gateway uses `aclid` (default
    /// `default_deny`).
    public func createGateway(caller: Caller, _ r: CreatePrivateGatewayRequest) async throws -> PrivateGatewayView {
        let cidr = try PrivateGateway.checkAddressing(ipAddress: r.ipAddress, gateway: r.gateway, netmask: r.netmask)
        guard (r.vlan == nil) != (r.associatedNetworkID == nil) else {
            throw CloudError.invalidParameter("Give either vlan (admins) or associatednetworkid, not both")
        }
        if r.vlan != nil && !caller.isRootAdmin {
            throw CloudError.permissionDenied("Only root admins may create a private gateway on a VLAN; give associatednetworkid instead")
        }
        let g = try await db.transaction { sql -> PrivateGateway in
            let vpc = try await Self.administered(sql, caller: caller, id: r.vpcID)
            guard vpc.state == .enabled else { throw CloudError.invalidParameter("VPC \(vpc.name) is being deleted") }
            try await VPCRepository.lock(sql, id: vpc.id)
            if let vpcCIDR = IPv4CIDR(vpc.cidr), vpcCIDR.overlaps(cidr) {
                throw CloudError.invalidParameter("The private gateway's network \(cidr) overlaps the CIDR \(vpcCIDR) of VPC \(vpc.name)")
            }
            var broadcastURI: String?, associated: Network?, physicalID: Int64?
            if let vlan = r.vlan {
                let tag = vlan.replacingOccurrences(of: "vlan://", with: "")
                guard let number = Int(tag), (1...4094).contains(number) else {
                    throw CloudError.invalidParameter("Invalid vlan \(vlan): a VLAN id from 1 to 4094 is expected")
                }
                broadcastURI = "vlan://\(number)"
                if let p = r.physicalNetworkID {
                    let physical = try await Lookup.physicalNetwork(sql, p)
                    guard physical.zoneID == vpc.zoneID else { throw CloudError.invalidParameter("Physical network \(p.uuidString.lowercased()) is not in the VPC's zone") }
                    physicalID = physical.id
                } else {
                    physicalID = try await PhysicalNetworkRepository.find(sql, zoneID: vpc.zoneID, carrying: .guest)?.id
                }
            } else if let a = r.associatedNetworkID {
                guard let n = try await NetworkRepository.find(sql, uuid: a) else { throw GuestNetworkService.notFound(a) }
                try await Ownership.checkAccess(sql, caller: caller, accountID: n.accountID, domainID: n.domainID, resource: "network \(n.name)")
                guard n.accountID == vpc.accountID, n.vpcID == nil, n.zoneID == vpc.zoneID, n.guestType == .isolated || n.guestType == .l2 else {
                    throw CloudError.invalidParameter("Network \(n.name) can't carry a private gateway of VPC \(vpc.name): an Isolated or L2 network of the VPC's owner in its zone, outside VPCs, is needed")
                }
                associated = n
                physicalID = n.physicalNetworkID
            }
            let sharing = try await PrivateGatewayRepository.on(sql, broadcastURI: broadcastURI, associatedNetworkID: associated?.id)
            if sharing.contains(where: { $0.vpcID == vpc.id }) {
                throw CloudError.invalidParameter("VPC \(vpc.name) has a private gateway on this network already")
            }
            if sharing.contains(where: { $0.ipAddress == r.ipAddress }) {
                throw CloudError.invalidParameter("The IP address \(r.ipAddress) is already used by another private gateway on this network")
            }
            let acl: NetworkACLList
            if let aclID = r.aclID {
                let found = try await Self.readableList(sql, caller: caller, id: aclID)
                guard found.vpcID == nil || found.vpcID == vpc.id else {
                    throw CloudError.invalidParameter("Network ACL list \(found.name) belongs to another VPC than \(vpc.name)")
                }
                acl = found
            } else {
                guard let deny = try await NetworkACLRepository.builtIn(sql, name: NetworkACLList.defaultDeny) else { throw CloudError.internalError() }
                acl = deny
            }
            let g = try await PrivateGatewayRepository.insert(sql, PrivateGateway(
                vpcID: vpc.id, zoneID: vpc.zoneID, accountID: vpc.accountID, domainID: vpc.domainID, physicalNetworkID: physicalID,
                broadcastURI: broadcastURI ?? associated?.broadcastURI, associatedNetworkID: associated?.id, ipAddress: r.ipAddress, gateway: r.gateway,
                netmask: cidr.netmask, sourceNATSupported: r.sourceNATSupported ?? false, aclID: acl.id))
            try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
            try await self.recordACLEvent(sql, caller: caller, type: EventType.privateGatewayCreate, description: "Created private gateway \(g.ipAddress) of VPC \(vpc.name)",
                                          vpc: vpc, uuid: g.uuid, name: g.ipAddress, resourceType: "PrivateGateway")
            return g
        }
        await pushVPC(g.vpcID)
        return try await db.read { try await self.gatewayViews($0, [g])[0] }
    }

    /// `deletePrivateGateway`: refused while static routes use it.
    public func deleteGateway(caller: Caller, id: UUID) async throws {
        let vpcID = try await db.transaction { sql -> Int64 in
            let (g, vpc) = try await Self.administeredGateway(sql, caller: caller, id: id)
            try await VPCRepository.lock(sql, id: vpc.id)
            let routes = try await PrivateGatewayRepository.routes(sql, gatewayID: g.id)
            guard routes.isEmpty else {
                throw CloudError.resourceInUse("Can't delete private gateway \(g.ipAddress) as it has static routes applied (\(routes.map(\.cidr).joined(separator: ", "))). Please delete the static routes first")
            }
            try await PrivateGatewayRepository.markRemoved(sql, id: g.id, at: Date())
            try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
            try await self.recordACLEvent(sql, caller: caller, type: EventType.privateGatewayDelete, description: "Deleted private gateway \(g.ipAddress) of VPC \(vpc.name)",
                                          vpc: vpc, uuid: g.uuid, name: g.ipAddress, resourceType: "PrivateGateway")
            return vpc.id
        }
        await pushVPC(vpcID)
    }

    /// The gateway for job plans.
    public func gateway(caller: Caller, id: UUID) async throws -> (PrivateGateway, VPC) {
        try await db.read { try await Self.administeredGateway($0, caller: caller, id: id) }
    }

    /// `listPrivateGateways`.
    public func gateways(caller: Caller, scope: ListScope, id: UUID?, vpcID: UUID?, ipAddress: String?, vlan: String?, state: String?,
                         page: (offset: Int, limit: Int?)) async throws -> Listing<PrivateGatewayView> {
        try await db.read { sql in
            var f = PrivateGatewayRepository.Filter()
            f.scope = scope
            if let id {
                guard let g = try await PrivateGatewayRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = g.id
            }
            if let vpcID {
                guard let vpc = try await VPCRepository.find(sql, uuid: vpcID) else { return Listing(items: [], total: 0) }
                f.vpcID = vpc.id
            }
            if let state {
                guard let s = PrivateGatewayState(caseInsensitive: state) else { throw CloudError.invalidParameter("Invalid state \(state)") }
                f.state = s
            }
            f.ipAddress = ipAddress; f.vlan = vlan
            let listing = try await PrivateGatewayRepository.list(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.gatewayViews(sql, listing.items), total: listing.total)
        }
    }

    func gatewayViews(_ sql: any SQLDatabase, _ gateways: [PrivateGateway]) async throws -> [PrivateGatewayView] {
        let vpcs = try await VPCRepository.find(sql, ids: Set(gateways.map(\.vpcID)))
        let zones = try await ZoneRepository.find(sql, ids: Set(gateways.map(\.zoneID)))
        let accounts = try await AccountRepository.find(sql, ids: Set(gateways.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(gateways.map(\.domainID)))
        let acls = try await NetworkACLRepository.find(sql, ids: Set(gateways.map(\.aclID)))
        let networks = try await NetworkRepository.find(sql, ids: Set(gateways.compactMap(\.associatedNetworkID)))
        var physical: [Int64: UUID] = [:]
        for id in Set(gateways.compactMap(\.physicalNetworkID)) { physical[id] = try await PhysicalNetworkRepository.find(sql, id: id)?.uuid }
        return gateways.map { g in
            PrivateGatewayView(gateway: g, vpc: vpcs[g.vpcID], zone: zones[g.zoneID], account: accounts[g.accountID], domain: domains[g.domainID],
                               acl: acls[g.aclID], physicalNetworkUUID: g.physicalNetworkID.flatMap { physical[$0] },
                               associatedNetwork: g.associatedNetworkID.flatMap { networks[$0] })
        }
    }

    // MARK: - Static routes

    /// `createStaticRoute`: traffic to `cidr` leaves the VPC through a private gateway.
    public func createRoute(caller: Caller, gatewayID: UUID, cidr text: String) async throws -> StaticRouteView {
        let route = try await db.transaction { sql -> StaticRoute in
            let (g, vpc) = try await Self.administeredGateway(sql, caller: caller, id: gatewayID)
            try await VPCRepository.lock(sql, id: vpc.id)
            guard let vpcCIDR = IPv4CIDR(vpc.cidr) else { throw CloudError.internalError() }
            let existing = try await PrivateGatewayRepository.routes(sql, vpcID: vpc.id).compactMap { IPv4CIDR($0.cidr) }
            let cidr = try StaticRoute.checkCIDR(text, vpcCIDR: vpcCIDR, existing: existing)
            let route = try await PrivateGatewayRepository.insert(sql, StaticRoute(vpcID: vpc.id, gatewayID: g.id, cidr: cidr.description,
                                                                                   accountID: vpc.accountID, domainID: vpc.domainID))
            try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
            try await self.recordACLEvent(sql, caller: caller, type: EventType.staticRouteCreate, description: "Created static route \(cidr) via \(g.gateway)",
                                          vpc: vpc, uuid: route.uuid, name: route.cidr, resourceType: "StaticRoute")
            return route
        }
        await pushVPC(route.vpcID)
        return try await db.read { try await self.routeViews($0, [route])[0] }
    }

    /// A route the caller administers, with its VPC.
    static func administeredRoute(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> (StaticRoute, VPC) {
        guard let route = try await PrivateGatewayRepository.route(sql, uuid: id), let vpc = try await VPCRepository.find(sql, id: route.vpcID) else {
            throw CloudError.invalidParameter("Unable to find static route with id \(id.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vpc.accountID, domainID: vpc.domainID, resource: "static route \(route.cidr)")
        return (route, vpc)
    }

    public func route(caller: Caller, id: UUID) async throws -> (StaticRoute, VPC) {
        try await db.read { try await Self.administeredRoute($0, caller: caller, id: id) }
    }

    /// `deleteStaticRoute`.
    public func deleteRoute(caller: Caller, id: UUID) async throws {
        let vpcID = try await db.transaction { sql -> Int64 in
            let (route, vpc) = try await Self.administeredRoute(sql, caller: caller, id: id)
            try await PrivateGatewayRepository.deleteRoute(sql, id: route.id)
            try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
            try await self.recordACLEvent(sql, caller: caller, type: EventType.staticRouteDelete, description: "Deleted static route \(route.cidr)",
                                          vpc: vpc, uuid: route.uuid, name: route.cidr, resourceType: "StaticRoute")
            return vpc.id
        }
        await pushVPC(vpcID)
    }

    /// `listStaticRoutes`.
    public func routes(caller: Caller, scope: ListScope, id: UUID?, vpcID: UUID?, gatewayID: UUID?, state: String?, tags: [TagPair],
                       page: (offset: Int, limit: Int?)) async throws -> Listing<StaticRouteView> {
        try await db.read { sql in
            var f = PrivateGatewayRepository.RouteFilter()
            f.scope = scope
            f.tags = tags
            if let id {
                guard let r = try await PrivateGatewayRepository.route(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = r.id
            }
            if let vpcID {
                guard let vpc = try await VPCRepository.find(sql, uuid: vpcID) else { return Listing(items: [], total: 0) }
                f.vpcID = vpc.id
            }
            if let gatewayID {
                guard let g = try await PrivateGatewayRepository.find(sql, uuid: gatewayID) else { return Listing(items: [], total: 0) }
                f.gatewayID = g.id
            }
            if let state {
                guard let s = StaticRouteState(caseInsensitive: state) else { throw CloudError.invalidParameter("Invalid state \(state)") }
                f.state = s
            }
            let listing = try await PrivateGatewayRepository.listRoutes(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.routeViews(sql, listing.items), total: listing.total)
        }
    }

    func routeViews(_ sql: any SQLDatabase, _ routes: [StaticRoute]) async throws -> [StaticRouteView] {
        let gateways = try await PrivateGatewayRepository.find(sql, ids: Set(routes.map(\.gatewayID)))
        let vpcs = try await VPCRepository.find(sql, ids: Set(routes.map(\.vpcID)))
        let accounts = try await AccountRepository.find(sql, ids: Set(routes.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(routes.map(\.domainID)))
        return routes.map { r in
            StaticRouteView(route: r, gateway: gateways[r.gatewayID], vpc: vpcs[r.vpcID], account: accounts[r.accountID], domain: domains[r.domainID])
        }
    }
}
