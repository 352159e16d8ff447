import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension GuestNetworkService {
    /// Settings a create needs, read before its transaction.
    struct Defaults: Sendable {
        var domainSuffix: String
    }

    func defaults() async throws -> Defaults {
        Defaults(domainSuffix: try await config.value(Settings.guestDomainSuffix))
    }

    /// `createNetwork`: validates everything, then writes the network, its count and event in
    /// one transaction. Shared networks take their VNI now (state Setup); isolated and L2
    /// networks take theirs when first used (Allocated), or at once for persistent offerings.
    public func create(caller: Caller, _ r: CreateNetworkRequest) async throws -> NetworkView {
        let d = try await defaults()
        let network = try await db.transaction { sql in try await self.create(sql, caller: caller, r, defaults: d) }
        if network.state == .allocated, let offering = try await db.read({ try await NetworkOfferingRepository.find($0, id: network.networkOfferingID) }),
           offering.isPersistent {
            try await implement(networkID: network.id, hostID: nil)
        }
        let current = try await db.read { try await NetworkRepository.find($0, id: network.id) } ?? network
        return try await view(caller: caller, current)
    }

    func create(_ sql: any SQLDatabase, caller: Caller, _ r: CreateNetworkRequest, defaults: Defaults) async throws -> Network {
        let name = r.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 255 else { throw CloudError.invalidParameter("A network name of 1 to 255 characters is required") }
        let owner = try await IdentityService.owner(sql, caller: caller, accountName: r.accountName, domainID: r.domainID)
        guard let ownerDomain = try await DomainRepository.find(sql, id: owner.domainID) else { throw CloudError.internalError() }
        guard let offering = try await NetworkOfferingRepository.find(sql, uuid: r.networkOfferingID), !offering.systemOnly else {
            throw CloudError.invalidParameter("Unable to find network offering by id \(r.networkOfferingID.uuidString.lowercased())")
        }
        guard offering.state == .enabled else {
            throw CloudError.invalidParameter("Network offering with specified id is not in Enabled state, can't create the network")
        }
        guard offering.trafficType == .guest, let guestType = offering.guestIPType else {
            throw CloudError.invalidParameter("Network offering \(offering.name) is not for guest networks")
        }
        if r.vpcID == nil && offering.forVPC { throw CloudError.invalidParameter("Network offering \(offering.name) can be used for VPC networks only") }
        if r.vpcID == nil && r.aclID != nil { throw CloudError.invalidParameter("aclid applies to VPC tiers only; give vpcid") }
        if r.vpcID != nil && guestType != .isolated { throw CloudError.invalidParameter("Only Isolated networks can be tiers of a VPC") }
        if offering.specifyVlan {
            // CloudStack 4.19's user-facing createNetwork takes no vlan; Cirrus's networks take a VNI of the zone's range.
            throw CloudError.invalidParameter("Network offering \(offering.name) needs a VLAN given by an admin (specifyvlan=true); use an offering with specifyvlan=false, whose networks take a VNI from the zone's range")
        }

        // Zone and physical network.
        var physical: PhysicalNetwork?
        if let p = r.physicalNetworkID { physical = try await Lookup.physicalNetwork(sql, p) }
        let zone: Zone
        if let z = r.zoneID {
            zone = try await Lookup.zone(sql, z)
            if let physical, physical.zoneID != zone.id {
                throw CloudError.invalidParameter("Physical network \(physical.uuid.uuidString.lowercased()) is not in zone \(zone.uuid.uuidString.lowercased())")
            }
        } else if let physical, let z = try await ZoneRepository.find(sql, id: physical.zoneID) {
            zone = z
        } else {
            throw CloudError.invalidParameter("Either zoneid or physicalnetworkid is required to create a network")
        }
        if zone.allocationState == .disabled && !caller.isRootAdmin {
            throw CloudError.permissionDenied("Cannot perform this operation, Zone is currently disabled: \(zone.uuid.uuidString.lowercased())")
        }
        if offering.services.contains(.securityGroup) && !zone.securityGroupEnabled {
            throw CloudError.invalidParameter("Network offering \(offering.name) has the SecurityGroup service, which zone \(zone.name) does not enable")
        }
        if physical == nil { physical = try await PhysicalNetworkRepository.find(sql, zoneID: zone.id, carrying: .guest) }
        guard let physical else {
            throw CloudError.invalidParameter("Zone \(zone.name) has no physical network carrying guest traffic")
        }
        try await InstanceService.checkOfferingScope(sql, kind: .network, id: offering.id, name: "Network offering \(offering.name)", owner: owner,
                                                     domain: ownerDomain, zone: zone)

        // Who may use it.
        var acl: NetworkACLType
        if let a = r.aclType {
            guard let parsed = NetworkACLType(caseInsensitive: a) else { throw CloudError.invalidParameter("Invalid acltype \(a): use Account or Domain") }
            acl = parsed
        } else {
            acl = guestType == .shared && caller.isAdmin && r.accountName == nil ? .domain : .account
        }
        if acl == .domain {
            guard guestType == .shared else { throw CloudError.invalidParameter("ACL type Domain is supported for Shared networks only") }
            guard caller.isAdmin else { throw CloudError.permissionDenied("Only admins can create networks with acltype Domain") }
            if r.accountName != nil { throw CloudError.invalidParameter("account may not be given for a network with acltype Domain") }
        }
        if r.subdomainAccess != nil && acl != .domain {
            throw CloudError.invalidParameter("subdomainaccess applies to networks with acltype Domain only")
        }

        // Addressing.
        if r.vpcID != nil && (r.gateway == nil || r.netmask == nil) {
            throw CloudError.invalidParameter("gateway and netmask are required to create a VPC tier")
        }
        let rules = try Self.addressing(guestType: guestType, zone: zone, gateway: r.gateway, netmask: r.netmask, startIP: r.startIP, endIP: r.endIP)
        // A VPC tier: checked against its VPC (and the VPC locked) before anything is written.
        let tier = try await r.vpcID.asyncMap { try await self.checkNewTier(sql, caller: caller, owner: owner, vpcID: $0, offering: offering, cidr: rules.cidr,
                                                                            aclID: r.aclID) }
        if let vpc = tier?.vpc, vpc.zoneID != zone.id {
            throw CloudError.invalidParameter("VPC \(vpc.name) is in another zone than \(zone.name)")
        }
        let networkDomain: String?
        if guestType == .l2 {
            if r.networkDomain != nil { throw CloudError.invalidParameter("An L2 network has no network domain") }
            networkDomain = nil
        } else if let vpc = tier?.vpc {
            // Tiers share their VPC's domain.
            if let nd = r.networkDomain, nd != vpc.networkDomain {
                throw CloudError.invalidParameter("A tier uses its VPC's network domain \(vpc.networkDomain ?? "")")
            }
            networkDomain = vpc.networkDomain
        } else if let nd = r.networkDomain {
            try Self.validateDomain(nd)
            networkDomain = nd
        } else {
            networkDomain = zone.networkDomain ?? ownerDomain.networkDomain ?? "cs\(String(owner.id, radix: 16)).\(defaults.domainSuffix)"
        }
        let publicMTU = try Self.mtu(r.publicMTU, name: "publicmtu"), privateMTU = try Self.mtu(r.privateMTU, name: "privatemtu")
        for dns in [r.dns1, r.dns2].compactMap({ $0 }) where IPv4Address(dns) == nil {
            throw CloudError.invalidParameter("Invalid DNS address \(dns): an IPv4 address is expected")
        }

        var domainID = owner.domainID
        if acl == .domain { domainID = try await r.domainID.asyncMap { try await Lookup.domain(sql, $0).id } ?? caller.domain.id }
        var n = Network(name: name, displayText: r.displayText.flatMap { $0.isEmpty ? nil : $0 } ?? name, zoneID: zone.id, physicalNetworkID: physical.id,
                        networkOfferingID: offering.id, guestType: guestType, state: guestType == .shared ? .setup : .allocated, aclType: acl,
                        accountID: acl == .domain ? Account.systemID : owner.id, domainID: domainID, subdomainAccess: acl == .domain ? (r.subdomainAccess ?? true) : nil,
                        cidr: rules.cidr, gateway: rules.gateway, startIP: rules.startIP, endIP: rules.endIP, networkDomain: networkDomain,
                        dns1: r.dns1, dns2: r.dns2, ip6DNS1: r.ip6DNS1, ip6DNS2: r.ip6DNS2, externalID: r.externalID, displayNetwork: r.displayNetwork ?? true,
                        redundant: offering.capabilities.contains { $0.name == "RedundantRouter" && $0.value.lowercased() == "true" },
                        isPersistent: offering.isPersistent, publicMTU: publicMTU, privateMTU: privateMTU)
        if let tier {
            n.vpcID = tier.vpc.id; n.networkACLID = tier.aclID; n.redundant = tier.vpc.redundant; n.publicMTU = tier.vpc.publicMTU
        }
        if guestType == .shared {
            // Users' shared networks (4.17) take a VNI of the zone's range now.
            let (vlan, uri) = try await Self.takeVnet(sql, network: n, physical: physical, accountID: owner.id)
            n.vlan = vlan; n.broadcastURI = uri
        }
        n = try await NetworkRepository.insert(sql, n)
        // Dual-stack offerings (4.17): a /64 of the zone's guest IPv6 prefixes.
        if offering.internetProtocol == "DualStack" && guestType != .l2 { try await Self.assignIPv6Subnet(sql, network: &n) }
        if acl == .account { try await limits.reserve(sql, accountID: n.accountID, [.network: 1]) }
        try await events.record(sql, type: EventType.networkCreate, state: .completed, description: "Created network \(n.name)", userID: caller.user.id,
                                accountID: n.accountID, domainID: n.domainID, resource: Self.resource(n))
        return n
    }

    /// A guest network's IPv4 addressing, checked: isolated networks default to the zone's
    /// guest CIDR; shared networks need gateway, netmask and a start address; L2 networks
    /// have none.
    static func addressing(guestType: GuestIPType, zone: Zone, gateway: String?, netmask: String?, startIP: String?, endIP: String?)
        throws -> (cidr: String?, gateway: String?, startIP: String?, endIP: String?) {
        switch guestType {
        case .l2:
            if gateway != nil || netmask != nil || startIP != nil || endIP != nil {
                throw CloudError.invalidParameter("An L2 network has no IPv4 addressing: do not give gateway, netmask, startip or endip")
            }
            return (nil, nil, nil, nil)
        case .isolated:
            if startIP != nil || endIP != nil {
                throw CloudError.invalidParameter("startip and endip can be given for Shared networks only")
            }
            if gateway == nil && netmask == nil {
                guard let cidr = IPv4CIDR(zone.guestCIDR ?? "10.1.1.0/24") else { throw CloudError.internalError("Zone \(zone.name) has an invalid guest CIDR") }
                return (cidr.description, cidr.hostRange.first.description, nil, nil)
            }
            let (cidr, gw) = try cidrAndGateway(gateway: gateway, netmask: netmask)
            return (cidr.description, gw.description, nil, nil)
        case .shared:
            guard gateway != nil, netmask != nil else {
                throw CloudError.invalidParameter("gateway and netmask are required to create a Shared network")
            }
            let (cidr, gw) = try cidrAndGateway(gateway: gateway, netmask: netmask)
            guard let s = startIP else { throw CloudError.invalidParameter("startip is required to create a Shared network") }
            guard let start = IPv4Address(s), cidr.hostRange.contains(start) else {
                throw CloudError.invalidParameter("Start IP \(s) is not a host address of \(cidr)")
            }
            let end: IPv4Address
            if let e = endIP {
                guard let parsed = IPv4Address(e), cidr.hostRange.contains(parsed) else {
                    throw CloudError.invalidParameter("End IP \(e) is not a host address of \(cidr)")
                }
                end = parsed
            } else {
                end = start
            }
            guard start <= end else { throw CloudError.invalidParameter("Start IP \(start) is after end IP \(end)") }
            if start <= gw && gw <= end { throw CloudError.invalidParameter("The gateway \(gw) may not be inside the range \(start)-\(end)") }
            return (cidr.description, gw.description, start.description, end.description)
        }
    }

    /// Gateway and netmask, given together, as a CIDR whose host range holds the gateway.
    static func cidrAndGateway(gateway: String?, netmask: String?) throws -> (IPv4CIDR, IPv4Address) {
        guard let g = gateway, let m = netmask else { throw CloudError.invalidParameter("gateway and netmask must be given together") }
        guard let gw = IPv4Address(g) else { throw CloudError.invalidParameter("Invalid gateway \(g): an IPv4 address is expected") }
        guard let cidr = IPv4CIDR(address: gw, netmask: m), cidr.prefixLength <= 30 else {
            throw CloudError.invalidParameter("Invalid netmask \(m): a contiguous netmask of at most /30 is expected")
        }
        guard cidr.hostRange.contains(gw) else {
            throw CloudError.invalidParameter("The gateway \(gw) is the network or broadcast address of \(cidr)")
        }
        return (cidr, gw)
    }

    static func validateDomain(_ domain: String) throws {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let ok = !domain.isEmpty && domain.count <= 253 && labels.allSatisfy { l in
            !l.isEmpty && l.count <= 63 && l.first != "-" && l.last != "-" && l.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
        guard ok else {
            throw CloudError.invalidParameter("Invalid network domain \(domain). Total length should not exceed 190 chars. Each label must be between 1 and 63 characters long, can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), can't start or end with \"-\"")
        }
    }

    static func mtu(_ value: Int?, name: String) throws -> Int {
        guard let v = value else { return 1500 }
        guard (68...9000).contains(v) else { throw CloudError.invalidParameter("Invalid \(name) \(v): use a value from 68 to 9000") }
        return v
    }

    /// Takes a free VNI of the physical network's range for a network.
    static func takeVnet(_ sql: any SQLDatabase, network n: Network, physical: PhysicalNetwork, accountID: Int64) async throws -> (String, String) {
        guard let vnet = try await GuestVnetRepository.take(sql, physicalNetworkID: physical.id, accountID: accountID, reservationID: n.uuid.uuidString.lowercased(),
                                                            at: Date()) else {
            throw CloudError(.insufficientCapacity, "Unable to allocate a guest VNI for network \(n.name): physical network \(physical.name) has none free",
                             csCode: .insufficientCapacity)
        }
        let scheme = physical.isolationMethods.first == .vxlan ? "vxlan" : "vlan"
        return (String(vnet), "\(scheme)://\(vnet)")
    }

    // MARK: - Deploy

    /// The networks a deploy puts NICs on, in order (the first is the default). Without
    /// `networkids` in an advanced zone: the account's one isolated network, or a new one from
    /// the Required offering when it has none (made once however many deploys race).
    func networksForDeploy(_ sql: any SQLDatabase, caller: Caller, owner: Account, zone: Zone, ids: [UUID], defaults: Defaults) async throws -> [Network] {
        if ids.isEmpty {
            if zone.networkType == .basic { return [] }
            let own = try await NetworkRepository.isolated(sql, accountID: owner.id, zoneID: zone.id)
            if own.count > 1 {
                throw CloudError.invalidParameter("More than 1 default Isolated networks are found for account \(owner.name); please specify networkIds")
            }
            if let one = own.first { return [one] }
            guard let offering = try await NetworkOfferingRepository.required(sql) else {
                throw CloudError.invalidParameter("Unable to find network offering with availability=Required to automatically create the network as a part of vm creation")
            }
            guard let physical = try await PhysicalNetworkRepository.find(sql, zoneID: zone.id, carrying: .guest) else {
                throw CloudError.invalidParameter("Zone \(zone.name) has no physical network carrying guest traffic")
            }
            let ownerDomain = try await DomainRepository.find(sql, id: owner.domainID)
            let rules = try Self.addressing(guestType: .isolated, zone: zone, gateway: nil, netmask: nil, startIP: nil, endIP: nil)
            let proposed = Network(name: "\(owner.name)-network", displayText: "\(owner.name)-network", zoneID: zone.id, physicalNetworkID: physical.id,
                                   networkOfferingID: offering.id, guestType: .isolated, state: .allocated, aclType: .account, accountID: owner.id,
                                   domainID: owner.domainID, cidr: rules.cidr, gateway: rules.gateway,
                                   networkDomain: zone.networkDomain ?? ownerDomain?.networkDomain ?? "cs\(String(owner.id, radix: 16)).\(defaults.domainSuffix)",
                                   isPersistent: offering.isPersistent, isAccountDefault: true)
            let made = try await NetworkRepository.insertAccountDefault(sql, proposed)
            if made.uuid == proposed.uuid {
                try await limits.reserve(sql, accountID: owner.id, [.network: 1])
                try await events.record(sql, type: EventType.networkCreate, state: .completed, description: "Created network \(made.name) for a deploy",
                                        userID: caller.user.id, accountID: owner.id, domainID: owner.domainID, resource: Self.resource(made))
            }
            return [made]
        }
        var out: [Network] = []
        for id in ids {
            guard let n = try await NetworkRepository.find(sql, uuid: id) else {
                throw CloudError.invalidParameter("Unable to find network by id \(id.uuidString.lowercased())")
            }
            guard n.zoneID == zone.id else {
                throw CloudError.invalidParameter("Network \(n.name) does not belong to zone \(zone.uuid.uuidString.lowercased())")
            }
            guard !out.contains(where: { $0.id == n.id }) else {
                throw CloudError.invalidParameter("Network \(n.name) is given more than once")
            }
            try await Self.checkUse(sql, network: n, account: owner)
            out.append(n)
        }
        return out
    }
}
