import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension GuestNetworkService {
    /// `createGuestNetworkIpv6Prefix` (4.17, root admins): a prefix of /64 or shorter for the
    /// zone's dual-stack networks, overlapping none of the zone's others.
    public func createIPv6Prefix(caller: Caller, zoneID: UUID, prefix text: String) async throws -> GuestIPv6Prefix {
        guard let prefix = IPv6CIDR(text, strict: true) else {
            throw CloudError.invalidParameter("Invalid IPv6 prefix \(text): give a network address with its length, such as fd17:ac56:1234::/48")
        }
        guard prefix.prefixLength <= 64 else {
            throw CloudError.invalidParameter("IPv6 prefix \(prefix) is too small: it must hold at least one /64 (a length of 64 or less)")
        }
        return try await db.transaction { sql in
            guard let zone = try await ZoneRepository.find(sql, uuid: zoneID) else {
                throw CloudError.invalidParameter("Unable to find zone with id \(zoneID.uuidString.lowercased())")
            }
            for other in try await IPv6PrefixRepository.list(sql, zoneID: zone.id, id: nil) {
                if let o = IPv6CIDR(other.prefix), o.overlaps(prefix) {
                    throw CloudError.invalidParameter("IPv6 prefix \(prefix) overlaps prefix \(o) of zone \(zone.name)")
                }
            }
            let made = try await IPv6PrefixRepository.insert(sql, GuestIPv6Prefix(zoneID: zone.id, prefix: prefix.description))
            try await self.events.record(sql, type: EventType.guestIPv6PrefixCreate, state: .completed, description: "Added IPv6 prefix \(prefix) to zone \(zone.name)",
                                         userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                         resource: EventResource(type: "GuestIpv6Prefix", uuid: made.uuid.uuidString.lowercased(), name: prefix.description))
            return made
        }
    }

    /// `listGuestNetworkIpv6Prefixes`, with the zone's UUID beside each.
    public func listIPv6Prefixes(id: UUID?, zoneID: UUID?) async throws -> [(prefix: GuestIPv6Prefix, zoneUUID: UUID?)] {
        try await db.read { sql in
            var zone: Int64?
            if let zoneID { guard let z = try await ZoneRepository.find(sql, uuid: zoneID) else { return [] }; zone = z.id }
            var prefixID: Int64?
            if let id { guard let p = try await IPv6PrefixRepository.find(sql, uuid: id) else { return [] }; prefixID = p.id }
            let prefixes = try await IPv6PrefixRepository.list(sql, zoneID: zone, id: prefixID)
            let zones = try await ZoneRepository.find(sql, ids: Set(prefixes.map(\.zoneID)))
            return prefixes.map { ($0, zones[$0.zoneID]?.uuid) }
        }
    }

    /// `deleteGuestNetworkIpv6Prefix`: refused while networks hold subnets of it.
    public func deleteIPv6Prefix(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            guard let p = try await IPv6PrefixRepository.find(sql, uuid: id) else {
                throw CloudError.invalidParameter("Unable to find IPv6 prefix with id \(id.uuidString.lowercased())")
            }
            guard p.usedSubnets == 0 else {
                throw CloudError.resourceInUse("Unable to delete IPv6 prefix \(p.prefix): \(p.usedSubnets) of its subnets are used by networks")
            }
            try await IPv6PrefixRepository.markRemoved(sql, id: p.id, at: Date())
            try await self.events.record(sql, type: EventType.guestIPv6PrefixDelete, state: .completed, description: "Deleted IPv6 prefix \(p.prefix)",
                                         userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                         resource: EventResource(type: "GuestIpv6Prefix", uuid: p.uuid.uuidString.lowercased(), name: p.prefix))
        }
    }

    /// Gives a dual-stack network its /64 (gateway `::1`) from the zone's prefixes, in the
    /// caller's transaction; 533 when none is left.
    static func assignIPv6Subnet(_ sql: any SQLDatabase, network n: inout Network) async throws {
        guard let subnet = try await IPv6PrefixRepository.takeSubnet(sql, zoneID: n.zoneID, networkID: n.id, at: Date()) else {
            throw CloudError(.insufficientCapacity, "Unable to allocate an IPv6 /64 for network \(n.name): the zone has no free guest IPv6 subnet (createGuestNetworkIpv6Prefix)",
                             csCode: .insufficientCapacity)
        }
        n.ip6CIDR = subnet.description
        n.ip6Gateway = subnet.firstHost.description
        try await NetworkRepository.update(sql, n)
    }

    /// The SLAAC address (EUI-64 of the MAC) a NIC gets on a dual-stack network.
    static func slaac(network n: Network, mac: String) -> (address: String, cidr: String, gateway: String?)? {
        guard let cidr = n.ip6CIDR.flatMap({ IPv6CIDR($0) }), let address = IPv6Address.eui64(prefix: cidr, mac: mac) else { return nil }
        return (address.description, cidr.description, n.ip6Gateway)
    }
}

/// A dual-stack network's /64 and the router's public IPv6 address it is routed to (4.17's
/// `ip6routes`: the upstream router needs a static route for the subnet via that address).
public struct IPv6Route: Sendable, Equatable {
    public var subnet: String
    public var gateway: String
}

extension GuestNetworkService {
    /// The public IPv6 address of a dual-stack network's router and the public range it comes
    /// from: the zone's public range with an IPv6 part (the one of the network's source NAT
    /// address first), the address derived from the network (``PublicIPv6Range/routerAddress(cidr:networkID:)``).
    /// Nil for IPv4-only networks or when the zone has no public IPv6 range.
    static func routerPublicIPv6(_ sql: any SQLDatabase, network n: Network) async throws -> (address: IPv6Address, range: VlanIPRange)? {
        guard n.ip6CIDR != nil else { return nil }
        let ranges = try await VlanIPRangeRepository.list(sql, zoneID: n.zoneID).filter { $0.ip6CIDR != nil && $0.vlanType == "VirtualNetwork" }
        guard !ranges.isEmpty else { return nil }
        let snatVlan = try await PublicIPRepository.of(sql, networkID: n.id).first(where: \.sourceNAT)?.vlanID
        let range = ranges.first { $0.id == snatVlan } ?? ranges.sorted { $0.id < $1.id }[0]
        guard let cidr = range.ip6CIDR.flatMap({ IPv6CIDR($0) }), let address = PublicIPv6Range.routerAddress(cidr: cidr, networkID: n.id) else { return nil }
        return (address, range)
    }

    /// The `ip6routes` of a network: its /64 via its router's public IPv6 address.
    static func ip6Routes(_ sql: any SQLDatabase, network n: Network) async throws -> [IPv6Route] {
        guard let subnet = n.ip6CIDR, let router = try await routerPublicIPv6(sql, network: n) else { return [] }
        return [IPv6Route(subnet: subnet, gateway: router.address.description)]
    }
}
