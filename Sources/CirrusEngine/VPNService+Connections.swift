import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A site-to-site VPN connection with both gateways and its owner.
public struct VPNConnectionView: Sendable {
    public var connection: VPNConnection
    public var vpnGateway: VPNGateway?
    public var customerGateway: VPNCustomerGateway?
    public var publicIP: String?
    public var account: Account?
    public var domain: Domain?
}

extension VPNService {
    /// A connection the caller administers, with its VPN gateway and VPC.
    static func administeredConnection(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> (VPNConnection, VPNGateway, VPC) {
        guard let c = try await VPNRepository.connection(sql, uuid: id),
              let gw = try await VPNRepository.gateways(sql, ids: [c.vpnGatewayID])[c.vpnGatewayID],
              let vpc = try await VPCRepository.find(sql, id: gw.vpcID) else {
            throw CloudError.invalidParameter("Unable to find site to site VPN connection with id \(text(id))")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: c.accountID, domainID: c.domainID, resource: "VPN connection \(text(id))")
        return (c, gw, vpc)
    }

    /// The connection with its gateway and VPC, for job plans.
    public func connection(caller: Caller, id: UUID) async throws -> (VPNConnection, VPNGateway, VPC) {
        try await db.read { try await Self.administeredConnection($0, caller: caller, id: id) }
    }

    /// The first half of `createVpnConnection` (run when the command is accepted): checks the
    /// gateways (same account), the pair is new, the gateway's connection limit, and the
    /// peer's subnets against the VPC's CIDR and the gateway's other connections; writes the
    /// connection Pending and raises the VPC routers' generation. ``startConnection(caller:id:)``
    /// applies it.
    public func createConnection(caller: Caller, vpnGatewayID: UUID, customerGatewayID: UUID, passive: Bool, display: Bool?) async throws -> VPNConnectionView {
        try Self.requireAdminForDisplay(caller, display)
        let limit = try await config.int(Settings.site2SiteVPNConnectionLimit)
        do {
            let c = try await db.transaction { sql -> VPNConnection in
                let customer = try await Self.administeredCustomerGateway(sql, caller: caller, id: customerGatewayID)
                let (gw, vpc) = try await Self.administeredGateway(sql, caller: caller, id: vpnGatewayID)
                guard customer.accountID == gw.accountID, customer.domainID == gw.domainID else {
                    throw CloudError.invalidParameter("VPN connection can only be established between the same account's VPN gateway and customer gateway!")
                }
                guard vpc.state == .enabled else { throw CloudError.invalidParameter("VPC \(vpc.name) is being deleted") }
                try await VPCRepository.lock(sql, id: vpc.id)
                let existing = try await VPNRepository.connections(sql, vpnGatewayID: gw.id)
                if existing.contains(where: { $0.customerGatewayID == customer.id }) {
                    throw Self.duplicateConnection(customerGatewayID, vpnGatewayID)
                }
                guard existing.count < limit else {
                    throw CloudError.invalidParameter("There are too many VPN connections with current VPN gateway! The limit is \(limit)")
                }
                guard let vpcCIDR = IPv4CIDR(vpc.cidr) else { throw CloudError.internalError() }
                try VPNRules.checkConnection(peer: customer.cidrs.compactMap { IPv4CIDR($0) }, gatewayName: customer.name, vpcCIDR: vpcCIDR,
                                             others: try await Self.peerSubnets(sql, vpnGatewayID: gw.id, except: nil))
                let c = try await VPNRepository.insert(sql, VPNConnection(vpnGatewayID: gw.id, customerGatewayID: customer.id, passive: passive,
                                                                          display: display ?? true, accountID: gw.accountID, domainID: gw.domainID))
                try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
                try await self.record(sql, caller: caller, type: EventType.s2sConnectionCreate,
                                      description: "Created VPN connection from VPC \(vpc.name) to customer gateway \(customer.name)",
                                      accountID: c.accountID, domainID: c.domainID, resourceType: "VpnConnection", uuid: c.uuid, name: nil)
                return c
            }
            return try await db.read { try await self.connectionViews($0, [c])[0] }
        } catch where StoreError.isUniqueViolation(error) {
            throw Self.duplicateConnection(customerGatewayID, vpnGatewayID)
        }
    }

    static func duplicateConnection(_ customer: UUID, _ gateway: UUID) -> CloudError {
        CloudError.invalidParameter("The vpn connection with customer gateway id \(text(customer)) and vpn gateway id \(text(gateway)) already existed!")
    }

    /// The second half of `createVpnConnection` (the job): pushes the VPC routers' documents
    /// and records the connection Connected (Disconnected when passive) once they applied it.
    public func startConnection(caller: Caller, id: UUID) async throws -> VPNConnectionView {
        let (_, _, vpc) = try await connection(caller: caller, id: id)
        await apply(vpcs: [vpc.id])
        return try await db.read { sql in
            let (c, _, _) = try await Self.administeredConnection(sql, caller: caller, id: id)
            return try await self.connectionViews(sql, [c])[0]
        }
    }

    /// `deleteVpnConnection`: the connection leaves the VPC routers' documents.
    public func deleteConnection(caller: Caller, id: UUID) async throws {
        let vpcID = try await db.transaction { sql -> Int64 in
            let (c, _, vpc) = try await Self.administeredConnection(sql, caller: caller, id: id)
            try await VPCRepository.lock(sql, id: vpc.id)
            try await VPNRepository.removeConnections(sql, ids: [c.id], at: Date())
            try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
            try await self.record(sql, caller: caller, type: EventType.s2sConnectionDelete, description: "Deleted VPN connection of VPC \(vpc.name)",
                                  accountID: c.accountID, domainID: c.domainID, resourceType: "VpnConnection", uuid: c.uuid, name: nil)
            return vpc.id
        }
        await apply(vpcs: [vpcID])
    }

    /// `resetVpnConnection`: the connection goes back to Pending and is applied again.
    public func resetConnection(caller: Caller, id: UUID) async throws -> VPNConnectionView {
        let vpcID = try await db.transaction { sql -> Int64 in
            let (c, _, vpc) = try await Self.administeredConnection(sql, caller: caller, id: id)
            try await VPNRepository.setState(sql, connectionIDs: [c.id], .pending)
            try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
            try await self.record(sql, caller: caller, type: EventType.s2sConnectionReset, description: "Reset VPN connection of VPC \(vpc.name)",
                                  accountID: c.accountID, domainID: c.domainID, resourceType: "VpnConnection", uuid: c.uuid, name: nil)
            return vpc.id
        }
        await apply(vpcs: [vpcID])
        return try await db.read { sql in
            let (c, _, _) = try await Self.administeredConnection(sql, caller: caller, id: id)
            return try await self.connectionViews(sql, [c])[0]
        }
    }

    /// `updateVpnConnection`: whether the owner sees it (admins).
    public func updateConnection(caller: Caller, id: UUID, display: Bool?) async throws -> VPNConnectionView {
        try Self.requireAdminForDisplay(caller, display)
        return try await db.transaction { sql in
            var (c, _, vpc) = try await Self.administeredConnection(sql, caller: caller, id: id)
            if let display {
                try await VPNRepository.setDisplay(sql, connectionID: c.id, display: display)
                c.display = display
            }
            try await self.record(sql, caller: caller, type: EventType.s2sConnectionUpdate, description: "Updated VPN connection of VPC \(vpc.name)",
                                  accountID: c.accountID, domainID: c.domainID, resourceType: "VpnConnection", uuid: c.uuid, name: nil)
            return try await self.connectionViews(sql, [c])[0]
        }
    }

    /// `listVpnConnections` (with `vpcid`: the connections of the VPC's VPN gateway).
    public func connections(caller: Caller, scope: ListScope, id: UUID?, vpcID: UUID?, display: Bool?, page: (offset: Int, limit: Int?)) async throws -> Listing<VPNConnectionView> {
        try await db.read { sql in
            var f = VPNRepository.ConnectionFilter()
            f.scope = scope
            f.display = caller.isAdmin ? display : (display ?? true)
            if let id {
                guard let c = try await VPNRepository.connection(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = c.id
            }
            if let vpcID {
                guard let vpc = try await VPCRepository.find(sql, uuid: vpcID), let gw = try await VPNRepository.gateway(sql, vpcID: vpc.id) else {
                    return Listing(items: [], total: 0)
                }
                f.vpnGatewayID = gw.id
            }
            let listing = try await VPNRepository.listConnections(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.connectionViews(sql, listing.items), total: listing.total)
        }
    }

    func connectionViews(_ sql: any SQLDatabase, _ connections: [VPNConnection]) async throws -> [VPNConnectionView] {
        let gateways = try await VPNRepository.gateways(sql, ids: Set(connections.map(\.vpnGatewayID)))
        let customers = try await VPNRepository.customerGateways(sql, ids: Set(connections.map(\.customerGatewayID)))
        let accounts = try await AccountRepository.find(sql, ids: Set(connections.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(connections.map(\.domainID)))
        var addresses: [Int64: String] = [:]
        for id in Set(gateways.values.map(\.ipAddressID)) { addresses[id] = try await PublicIPRepository.find(sql, id: id)?.address }
        return connections.map { c in
            let gw = gateways[c.vpnGatewayID]
            return VPNConnectionView(connection: c, vpnGateway: gw, customerGateway: customers[c.customerGatewayID], publicIP: gw.flatMap { addresses[$0.ipAddressID] },
                                     account: accounts[c.accountID], domain: domains[c.domainID])
        }
    }
}
