import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A public IP range with the rows its response names.
public struct VlanIPRangeView: Sendable {
    public var range: VlanIPRange
    public var zone: Zone?
    public var pod: Pod?
    public var physicalNetwork: PhysicalNetwork?
    public var account: Account?
    public var domain: Domain?
}

/// What `createVlanIpRange` takes.
public struct VlanIPRangeSpec: Sendable {
    public var zoneID: UUID?
    public var podID: UUID?
    public var physicalNetworkID: UUID?
    public var networkID: UUID?
    public var vlan: String?
    public var gateway: String?
    public var netmask: String?
    public var startIP: String?
    public var endIP: String?
    public var forVirtualNetwork: Bool?
    public var forSystemVMs: Bool?
    public var accountName: String?
    public var domainID: UUID?
    public var projectID: UUID?
    public var hasIPv6: Bool
    /// The IPv6 part (4.17): `ip6gateway`, `ip6cidr`, `startipv6`, `endipv6`.
    public var ip6Gateway: String?
    public var ip6CIDR: String?
    public var startIPv6: String?
    public var endIPv6: String?

    public init(zoneID: UUID?, podID: UUID?, physicalNetworkID: UUID?, networkID: UUID?, vlan: String?, gateway: String?, netmask: String?,
                startIP: String?, endIP: String?, forVirtualNetwork: Bool?, forSystemVMs: Bool?, accountName: String?, domainID: UUID?,
                projectID: UUID?, hasIPv6: Bool) {
        self.zoneID = zoneID; self.podID = podID; self.physicalNetworkID = physicalNetworkID; self.networkID = networkID; self.vlan = vlan
        self.gateway = gateway; self.netmask = netmask; self.startIP = startIP; self.endIP = endIP; self.forVirtualNetwork = forVirtualNetwork
        self.forSystemVMs = forSystemVMs; self.accountName = accountName; self.domainID = domainID; self.projectID = projectID; self.hasIPv6 = hasIPv6
    }
}

extension InfrastructureService {
    /// The stored form of a `vlan` parameter: `vlan://100` or `vlan://untagged`.
    static func vlanTag(_ raw: String?) throws -> String {
        guard let raw, !raw.isEmpty else { return "vlan://untagged" }
        var value = raw
        if value.lowercased().hasPrefix("vlan://") { value = String(value.dropFirst(7)) }
        if value.lowercased() == "untagged" { return "vlan://untagged" }
        guard let id = Int(value), (1...4094).contains(id) else {
            throw CloudError.invalidParameter("Invalid vlan id \(raw): use untagged or a number from 1 to 4094")
        }
        return "vlan://\(id)"
    }

    /// `createVlanIpRange` for public (VirtualNetwork) ranges: one Free address row per address.
    public func createVlanIPRange(caller: Caller, _ spec: VlanIPRangeSpec) async throws -> VlanIPRangeView {
        if spec.networkID != nil || spec.forVirtualNetwork == false {
            throw CloudError.invalidParameter("Only public IP ranges (forvirtualnetwork=true, no networkid) are supported until shared networks exist")
        }
        if spec.projectID != nil { throw CloudError.invalidParameter("Dedicating public IP ranges to projects is not supported yet") }
        guard let zoneID = spec.zoneID else { throw CloudError.invalidParameter("Please specify a valid zone") }
        let v6 = spec.hasIPv6 ? try PublicIPv6Range.check(gateway: spec.ip6Gateway.presentValue, cidr: spec.ip6CIDR.presentValue,
                                                          start: spec.startIPv6.presentValue, end: spec.endIPv6.presentValue) : nil
        if let v6, spec.gateway.presentValue == nil && spec.netmask.presentValue == nil && spec.startIP.presentValue == nil {
            return try await addIPv6(caller: caller, zoneID: zoneID, vlan: try Self.vlanTag(spec.vlan), v6)
        }
        guard let gatewayText = spec.gateway.presentValue, let netmaskText = spec.netmask.presentValue, spec.startIP.presentValue != nil else {
            throw CloudError.invalidParameter("Gateway, netmask and zoneId have to be passed in for virtual and direct untagged networks")
        }
        guard let gateway = IPv4Address(gatewayText) else { throw CloudError.invalidParameter("Please specify a valid gateway") }
        guard let cidr = IPv4CIDR(address: gateway, netmask: netmaskText) else { throw CloudError.invalidParameter("Please specify a valid netmask") }
        guard let start = IPv4Address(spec.startIP!) else { throw CloudError.invalidParameter("Please specify a valid start IP") }
        var end = start
        if let e = spec.endIP.presentValue {
            guard let parsed = IPv4Address(e) else { throw CloudError.invalidParameter("Please specify a valid end IP") }
            end = parsed
        }
        guard let range = IPv4Range(first: start, last: end) else { throw CloudError.invalidParameter("Please specify a valid IP range.") }
        let last = end
        guard cidr.contains(start) else {
            throw CloudError.invalidParameter("Please ensure that your start IP is in the same subnet as your IP range's gateway, as per the IP range's netmask.")
        }
        guard cidr.contains(last) else {
            throw CloudError.invalidParameter("Please ensure that your end IP is in the same subnet as your IP range's gateway, as per the IP range's netmask.")
        }
        if range.contains(gateway) { throw CloudError.invalidParameter("The gateway ip should not be the part of the ip range being added.") }
        guard range.count <= 65_536 else { throw CloudError.invalidParameter("A public IP range may hold at most 65536 addresses") }
        let tag = try Self.vlanTag(spec.vlan)
        return try await db.transaction { sql in
            let zone = try await Lookup.zone(sql, zoneID)
            var pod: Pod?
            if let podID = spec.podID {
                let p = try await Lookup.pod(sql, podID)
                guard p.zoneID == zone.id else { throw CloudError.invalidParameter("Pod id=\(podID.uuidString.lowercased()) doesn't belong to zone \(zone.name)") }
                pod = p
            }
            let network: PhysicalNetwork
            if let id = spec.physicalNetworkID {
                network = try await Lookup.physicalNetwork(sql, id)
                guard network.zoneID == zone.id else { throw CloudError.invalidParameter("Physical network \(network.name) does not belong to zone \(zone.name)") }
            } else {
                guard let n = try await PhysicalNetworkRepository.find(sql, zoneID: zone.id, carrying: .public) else {
                    throw CloudError.invalidParameter("Unable to find the default physical network with traffic=Public in the specified zone id")
                }
                network = n
            }
            // Ownership.
            var account: Account?
            var domain: Domain?
            if let domainID = spec.domainID { domain = try await Lookup.domain(sql, domainID) }
            if let name = spec.accountName {
                let d = domain ?? caller.domain
                guard let a = try await AccountRepository.find(sql, name: name, domainID: d.id) else {
                    throw CloudError.invalidParameter("Unable to find account by name \(name) in domain \(d.name)")
                }
                account = a; domain = d
            }
            // Overlaps with the zone's other ranges and its pods' management ranges.
            for other in try await VlanIPRangeRepository.list(sql, zoneID: zone.id) {
                guard let g = other.gateway.flatMap(IPv4Address.init), let m = other.netmask, let theirCIDR = IPv4CIDR(address: g, netmask: m) else { continue }
                let theirRange = other.startIP.flatMap { s in other.endIP.flatMap { IPv4Range(start: s, end: $0) } }
                if let theirRange, theirRange.overlaps(range) {
                    throw CloudError.invalidParameter("The IP range already has IPs that overlap with the new range. Please specify a different start IP/end IP.")
                }
                if theirCIDR.overlaps(cidr) {
                    if other.vlanTag != tag {
                        throw CloudError.invalidParameter("The IP range with tag: \(other.vlanTag) in zone \(zone.name) has overlapped with the subnet. Please specify a different gateway/netmask.")
                    }
                    if g != gateway || theirCIDR != cidr {
                        throw CloudError.invalidParameter("The gateway of the subnet should be unique. The subnet already has a gateway \(g)")
                    }
                }
            }
            for p in try await PodRepository.list(sql, PodRepository.Filter(zoneID: zone.id)).items {
                guard let s = p.startIP, let e = p.endIP, let theirs = IPv4Range(start: s, end: e), theirs.overlaps(range) else { continue }
                throw CloudError.invalidParameter("The Start IP and endIP address range overlap with private IP :\(max(theirs.first, range.first))")
            }
            if let v6 { try await Self.checkIPv6Overlap(sql, zone: zone, v6, except: nil) }
            let created = try await VlanIPRangeRepository.insert(sql, VlanIPRange(
                id: 0, uuid: UUID(), vlanTag: tag, gateway: gateway.description, netmask: cidr.netmask, startIP: start.description, endIP: last.description,
                ip6Gateway: v6?.gateway.description, ip6CIDR: v6?.cidr.description, ip6Start: v6?.start?.description, ip6End: v6?.end?.description,
                zoneID: zone.id, podID: pod?.id, physicalNetworkID: network.id, networkID: nil, vlanType: "VirtualNetwork",
                forSystemVMs: spec.forSystemVMs ?? false, accountID: account?.id, domainID: domain?.id, created: Date()))
            try await VlanIPRangeRepository.insertAddresses(sql, range: created, addresses: range.map { (text: $0.description, number: $0.number) })
            try await record(sql, caller, EventType.vlanIPRangeCreate, "Public IP range \(range) created in zone \(zone.name)", resourceType: "Vlan",
                             uuid: created.uuid, name: nil)
            return VlanIPRangeView(range: created, zone: zone, pod: pod, physicalNetwork: network, account: account, domain: domain)
        }
    }

    /// `deleteVlanIpRange`: refused while any of its addresses is in use.
    public func deleteVlanIPRange(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            guard let range = try await VlanIPRangeRepository.find(sql, uuid: id) else {
                throw CloudError.invalidParameter("Please specify a valid IP range id.")
            }
            let used = try await VlanIPRangeRepository.allocatedCount(sql, vlanID: range.id)
            if used > 0 {
                throw CloudError.resourceInUse("The IP range can't be deleted because it has allocated public IP addresses.")
            }
            try await VlanIPRangeRepository.markRemoved(sql, id: range.id, at: Date())
            try await record(sql, caller, EventType.vlanIPRangeDelete, "Public IP range \(range.startIP ?? "")-\(range.endIP ?? "") deleted",
                             resourceType: "Vlan", uuid: range.uuid, name: nil)
        }
    }

    /// `listVlanIpRanges`.
    public func listVlanIPRanges(id: UUID?, zoneID: UUID?, podID: UUID?, physicalNetworkID: UUID?, vlan: String?, forVirtualNetwork: Bool?,
                                 accountName: String?, domainID: UUID?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> InfrastructurePage<VlanIPRangeView> {
        try await db.read { sql in
            let empty = InfrastructurePage<VlanIPRangeView>(items: [], total: 0, names: InfrastructureNames())
            if forVirtualNetwork == false { return empty }
            var filter = VlanIPRangeRepository.Filter(keyword: keyword)
            if let id {
                guard let r = try await VlanIPRangeRepository.find(sql, uuid: id) else { return empty }
                filter.id = r.id
            }
            if let vlan { filter.vlanTag = try Self.vlanTag(vlan) }
            if let zoneID { filter.zoneID = try await Lookup.zone(sql, zoneID).id }
            if let podID { filter.podID = try await Lookup.pod(sql, podID).id }
            if let physicalNetworkID { filter.physicalNetworkID = try await Lookup.physicalNetwork(sql, physicalNetworkID).id }
            if let domainID {
                let d = try await Lookup.domain(sql, domainID)
                filter.domainID = d.id
                if let accountName {
                    guard let a = try await AccountRepository.find(sql, name: accountName, domainID: d.id) else { return empty }
                    filter.accountID = a.id
                }
            }
            let listing = try await VlanIPRangeRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let names = try await InfrastructureNames.load(sql, zoneIDs: Set(listing.items.map(\.zoneID)), podIDs: Set(listing.items.compactMap(\.podID)),
                                                           physicalNetworkIDs: Set(listing.items.compactMap(\.physicalNetworkID)),
                                                           domainIDs: Set(listing.items.compactMap(\.domainID)), accountIDs: Set(listing.items.compactMap(\.accountID)))
            return InfrastructurePage(items: listing.items.map {
                VlanIPRangeView(range: $0, zone: names.zones[$0.zoneID], pod: $0.podID.flatMap { names.pods[$0] },
                                physicalNetwork: $0.physicalNetworkID.flatMap { names.physicalNetworks[$0] },
                                account: $0.accountID.flatMap { names.accounts[$0] }, domain: $0.domainID.flatMap { names.domains[$0] })
            }, total: listing.total, names: names)
        }
    }
}

extension InfrastructureService {
    /// `createVlanIpRange` with only the IPv6 fields: the IPv6 part is added to the zone's
    /// public range on the same VLAN (4.17), which must not have one yet.
    func addIPv6(caller: Caller, zoneID: UUID, vlan tag: String, _ v6: PublicIPv6Range) async throws -> VlanIPRangeView {
        try await db.transaction { sql in
            let zone = try await Lookup.zone(sql, zoneID)
            guard var range = try await VlanIPRangeRepository.list(sql, zoneID: zone.id).first(where: { $0.vlanTag == tag && $0.vlanType == "VirtualNetwork" }) else {
                throw CloudError.invalidParameter("Zone \(zone.name) has no public range on \(tag): add its IPv4 range first, then its IPv6 part")
            }
            guard range.ip6CIDR == nil else {
                throw CloudError.invalidParameter("The public range on \(tag) has an IPv6 part already (\(range.ip6CIDR ?? ""))")
            }
            try await Self.checkIPv6Overlap(sql, zone: zone, v6, except: range.id)
            range.ip6Gateway = v6.gateway.description; range.ip6CIDR = v6.cidr.description
            range.ip6Start = v6.start?.description; range.ip6End = v6.end?.description
            try await VlanIPRangeRepository.update(sql, range)
            try await record(sql, caller, EventType.vlanIPRangeCreate, "Public IPv6 range \(v6.cidr) added to \(tag) in zone \(zone.name)", resourceType: "Vlan",
                             uuid: range.uuid, name: v6.cidr.description)
            let names = try await InfrastructureNames.load(sql, zoneIDs: [range.zoneID], podIDs: Set([range.podID].compactMap { $0 }),
                                                           physicalNetworkIDs: Set([range.physicalNetworkID].compactMap { $0 }),
                                                           domainIDs: Set([range.domainID].compactMap { $0 }), accountIDs: Set([range.accountID].compactMap { $0 }))
            return VlanIPRangeView(range: range, zone: names.zones[range.zoneID], pod: range.podID.flatMap { names.pods[$0] },
                                   physicalNetwork: range.physicalNetworkID.flatMap { names.physicalNetworks[$0] },
                                   account: range.accountID.flatMap { names.accounts[$0] }, domain: range.domainID.flatMap { names.domains[$0] })
        }
    }

    /// Refuses an IPv6 prefix that overlaps another public range's of the zone.
    static func checkIPv6Overlap(_ sql: any SQLDatabase, zone: Zone, _ v6: PublicIPv6Range, except: Int64?) async throws {
        for other in try await VlanIPRangeRepository.list(sql, zoneID: zone.id) where other.id != except {
            if let theirs = other.ip6CIDR.flatMap({ IPv6CIDR($0) }), theirs.overlaps(v6.cidr) {
                throw CloudError.invalidParameter("The IPv6 range \(v6.cidr) overlaps \(theirs) of another public range in zone \(zone.name)")
            }
        }
    }
}
