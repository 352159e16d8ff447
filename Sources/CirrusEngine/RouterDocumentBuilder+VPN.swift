import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

extension RouterDocumentBuilder {
    /// Fills the VPN sections of a router's document, in a fixed number of queries.
    ///
    /// - `siteToSiteVpn` (VPC routers): one entry per live connection of the VPC's VPN gateway,
    ///   from the gateway's public address (the VPC's source NAT address) to the customer
    ///   gateway, between the VPC's tiers (the VPC's CIDR while it has none) and the peer's
    ///   subnets, with the customer gateway's IPsec parameters.
    /// - `remoteAccessVpn`: the remote access VPN of the isolated network (or of the VPC) while
    ///   its address is held, with the owner account's VPN users.
    static func vpnSections(_ sql: any SQLDatabase, router r: Router, vpc: VPC?, network: Network?, into doc: inout RouterDocument) async throws {
        var remote: RemoteAccessVPN?
        var localCIDR: String?
        if let vpc {
            if let gw = try await VPNRepository.gateway(sql, vpcID: vpc.id) {
                let connections = try await VPNRepository.connections(sql, vpnGatewayID: gw.id)
                if !connections.isEmpty, let publicIP = try await PublicIPRepository.find(sql, id: gw.ipAddressID)?.address {
                    let customers = try await VPNRepository.customerGateways(sql, ids: Set(connections.map(\.customerGatewayID)))
                    let tierCIDRs = try await VPCRepository.tiers(sql, vpcID: vpc.id).compactMap(\.cidr)
                    let local = tierCIDRs.isEmpty ? [vpc.cidr] : tierCIDRs
                    doc.siteToSiteVpn += connections.compactMap { c in
                        guard let peer = customers[c.customerGatewayID] else { return nil }
                        return .init(connectionUUID: c.uuid.uuidString.lowercased(), localPublicIP: publicIP, localCIDRs: local, peerGateway: peer.gateway,
                                     peerCIDRs: peer.cidrs, presharedKey: peer.ipsecPSK, ikePolicy: peer.ikePolicy, espPolicy: peer.espPolicy,
                                     ikeLifetime: peer.ikeLifetime, espLifetime: peer.espLifetime, dpd: peer.dpd, forceEncap: peer.forceEncap,
                                     ikeVersion: peer.ikeVersion, splitConnections: peer.splitConnections, passive: c.passive)
                    }
                }
            }
            remote = try await VPNRepository.remoteAccess(sql, vpcID: vpc.id).first
            localCIDR = vpc.cidr
        } else if let network {
            remote = try await VPNRepository.remoteAccess(sql, networkID: network.id).first
            localCIDR = network.cidr
        }
        guard let remote, let localCIDR, let ip = try await PublicIPRepository.find(sql, id: remote.ipAddressID), ip.state == .allocated,
              ip.accountID == remote.accountID else { return }
        let users = try await VPNRepository.users(sql, accountIDs: [remote.accountID])[remote.accountID] ?? []
        doc.remoteAccessVpn = .init(publicIP: ip.address, localIP: remote.localIP, clientRange: remote.ipRange, localCIDR: localCIDR,
                                    presharedKey: remote.presharedKey,
                                    users: users.filter { $0.state != .revoke }.map { .init(username: $0.username, password: $0.password) })
    }
}
