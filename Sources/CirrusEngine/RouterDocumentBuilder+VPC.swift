import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

extension RouterDocumentBuilder {
    /// The document of a VPC's router: an interface on each implemented tier (holding the
    /// tier's gateway), the tiers' DHCP, DNS, metadata and passwords, the VPC's public
    /// addresses, source NAT of every tier through the VPC's source NAT address, each
    /// tier's rules (static NAT, port forwarding, load balancing on the addresses bound to it),
    /// the ACL items of each tier's and each private gateway's list, the private gateways'
    /// interfaces and the static routes through them. Egress is governed by the ACLs, so the
    /// egress section allows by default.
    static func buildVPC(_ sql: any SQLDatabase, router r: Router, vpcID: Int64) async throws -> RouterDocument? {
        guard let vpc = try await VPCRepository.find(sql, id: vpcID) else { return nil }
        let zone = try await ZoneRepository.find(sql, id: vpc.zoneID)
        let tiers = try await VPCRepository.tiers(sql, vpcID: vpc.id).filter { $0.state == .implemented }
        let addresses = try await PublicIPRepository.of(sql, vpcID: vpc.id).filter { $0.state == .allocated || $0.state == .allocating }
        let gateways = try await PrivateGatewayRepository.of(sql, vpcID: vpc.id)

        var doc = RouterDocument(
            generation: r.documentGeneration,
            router: .init(uuid: r.uuid.uuidString.lowercased(), name: r.name, kind: .vpc, networkUUID: nil, vpcUUID: vpc.uuid.uuidString.lowercased(),
                          role: r.isRedundant ? (r.redundantState == .backup ? .backup : .primary) : .none, vrrpPriority: r.priority),
            egress: .init(defaultAllow: true))
        for tier in tiers {
            let bound = addresses.filter { $0.networkID == tier.id }
            try await guestSections(sql, router: r, network: tier, zone: zone, addresses: bound, into: &doc)
            try await ruleSections(sql, network: tier, addresses: bound, into: &doc)
        }
        try await publicInterface(sql, router: r, addresses: addresses, mtu: vpc.publicMTU, into: &doc)
        for tier in tiers { try await publicIPv6(sql, network: tier, into: &doc) }
        if let linkLocal = r.linkLocalIP {
            doc.interfaces.append(.init(role: .control, mac: Self.mac(prefix: 0x0e, id: r.id), addresses: ["\(linkLocal)/16"]))
        }
        doc.dns.domain = vpc.networkDomain
        doc.dns.upstream = [vpc.dns1 ?? zone?.dns1, vpc.dns2 ?? zone?.dns2].compactMap { $0 }
        if let snat = addresses.first(where: \.sourceNAT) {
            doc.sourceNat = tiers.compactMap { t in t.cidr.map { .init(publicIP: snat.address, guestCIDR: $0) } }
        }

        // ACLs: each tier's list, and each private gateway's.
        let aclIDs = Set(tiers.compactMap(\.networkACLID)).union(gateways.map(\.aclID))
        let items = Dictionary(grouping: try await NetworkACLRepository.items(sql, aclIDs: Array(aclIDs)), by: \.aclID)
        func entries(_ aclID: Int64?, appliesTo: String, subnet: String?) -> [RouterDocument.ACLItem] {
            guard let aclID else { return [] }
            return (items[aclID] ?? []).filter { $0.state != .revoke }.map { i in
                .init(appliesTo: appliesTo, subnet: subnet, number: i.number, action: i.action.rawValue.lowercased(), traffic: i.trafficType.rawValue.lowercased(),
                      proto: i.proto, ports: i.ports?.description, icmpType: i.icmpType, icmpCode: i.icmpCode, cidrs: i.cidrs)
            }
        }
        for tier in tiers {
            doc.networkAcls += entries(tier.networkACLID, appliesTo: tier.uuid.uuidString.lowercased(), subnet: tier.cidr)
        }

        // Private gateways: an interface each, their ACLs, and the static routes through them.
        let routes = Dictionary(grouping: try await PrivateGatewayRepository.routes(sql, vpcID: vpc.id), by: \.gatewayID)
        for g in gateways where g.state == .ready {
            let prefix = IPv4CIDR.prefixLength(netmask: g.netmask) ?? 24
            doc.interfaces.append(.init(role: .private, mac: Self.mac(prefix: 0x2e, id: g.id), addresses: ["\(g.ipAddress)/\(prefix)"], gateway: g.gateway,
                                        broadcastURI: g.broadcastURI, mtu: 1500))
            let subnet = IPv4CIDR(address: IPv4Address(g.gateway) ?? IPv4Address(0), prefixLength: prefix)?.description
            doc.networkAcls += entries(g.aclID, appliesTo: g.uuid.uuidString.lowercased(), subnet: subnet)
            doc.staticRoutes += (routes[g.id] ?? []).filter { $0.state != .revoke }.map { .init(cidr: $0.cidr, nextHop: g.gateway) }
        }
        try await vpnSections(sql, router: r, vpc: vpc, network: nil, into: &doc)
        return doc.canonicalized()
    }
}
