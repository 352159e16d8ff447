import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// What `associateIpAddress` asks for.
public struct AssociateIPRequest: Sendable {
    public var networkID: UUID?
    public var zoneID: UUID?
    public var vpcID: UUID?
    /// A specific address instead of any free one.
    public var address: String?
    public var accountName: String?
    public var domainID: UUID?
    public var display: Bool?

    public init() {}
}

extension PublicIPService {
    /// The owner and network of a new association: `networkid` (an Isolated network the
    /// caller administers), or the owner's only Isolated source NAT network in `zoneid`.
    static func associationTarget(_ sql: any SQLDatabase, caller: Caller, _ r: AssociateIPRequest) async throws -> (owner: Account, network: Network, offering: NetworkOffering) {
        let explicitOwner = r.accountName != nil || r.domainID != nil
            ? try await IdentityService.owner(sql, caller: caller, accountName: r.accountName, domainID: r.domainID) : nil
        let n: Network
        if let networkID = r.networkID {
            guard let found = try await NetworkRepository.find(sql, uuid: networkID) else { throw GuestNetworkService.notFound(networkID) }
            try await Ownership.checkAccess(sql, caller: caller, accountID: found.accountID, domainID: found.domainID, resource: "network \(found.name)")
            if let owner = explicitOwner, owner.id != found.accountID {
                throw CloudError.permissionDenied("Account \(owner.name) does not own network \(found.name); an address is associated with its owner")
            }
            if let z = r.zoneID, let zone = try await ZoneRepository.find(sql, id: found.zoneID), zone.uuid != z {
                throw CloudError.invalidParameter("Network \(found.name) is not in zone \(z.uuidString.lowercased())")
            }
            n = found
        } else if let zoneID = r.zoneID {
            guard let zone = try await ZoneRepository.find(sql, uuid: zoneID) else {
                throw CloudError.invalidParameter("Unable to find zone with id \(zoneID.uuidString.lowercased())")
            }
            let owner = explicitOwner ?? caller.account
            var candidates: [Network] = []
            for network in try await NetworkRepository.isolated(sql, accountID: owner.id, zoneID: zone.id) {
                if let o = try await NetworkOfferingRepository.find(sql, id: network.networkOfferingID), o.services.contains(.sourceNat) { candidates.append(network) }
            }
            guard let only = candidates.first else {
                throw CloudError.invalidParameter("Unable to find a default network for account \(owner.name) in zone \(zone.name); specify networkid")
            }
            guard candidates.count == 1 else {
                throw CloudError.invalidParameter("More than 1 default Isolated networks are found for account \(owner.name); please specify networkid")
            }
            n = only
        } else {
            throw CloudError.invalidParameter("Unable to figure out zone to assign ip to. Please specify either zoneid, or networkid, or vpcid in the call")
        }
        guard n.guestType == .isolated else {
            throw CloudError.invalidParameter("Network \(n.name) is a \(n.guestType.rawValue) network; public IP addresses are associated with Isolated networks")
        }
        guard let offering = try await NetworkOfferingRepository.find(sql, id: n.networkOfferingID) else { throw CloudError.internalError() }
        let publicServices: [NetworkService] = [.sourceNat, .staticNat, .portForwarding, .lb, .firewall, .vpn]
        guard publicServices.contains(where: offering.services.contains) else {
            throw CloudError.invalidParameter("Network \(n.name) has no service that uses public IP addresses (offering \(offering.name))")
        }
        guard let owner = try await AccountRepository.find(sql, id: n.accountID) else { throw CloudError.internalError() }
        return (owner, n, offering)
    }

    /// `associateIpAddress`, the part CloudStack does when it accepts the command: takes a
    /// free address of the zone (or the given one, or the owner's reserved one) for the
    /// network, counting it against `public_ip`, in state Allocating. The network's first
    /// address becomes its source NAT address when its offering has SourceNat. The job then
    /// makes it Allocated (``activateAddress(caller:id:)``).
    public func associate(caller: Caller, _ r: AssociateIPRequest) async throws -> PublicIPListItem {
        if let vpcID = r.vpcID { return try await associate(caller: caller, vpcID: vpcID, r) }
        // The checks read outside the write transaction; it only takes and counts the address.
        let (owner, n, offering) = try await db.read { try await Self.associationTarget($0, caller: caller, r) }
        let id = try await db.transaction { sql -> Int64 in
            guard try await NetworkRepository.find(sql, id: n.id) != nil else { throw GuestNetworkService.notFound(n.uuid) }
            let hasSourceNAT = try await PublicIPRepository.hasSourceNAT(sql, networkID: n.id)
            let sourceNAT = offering.services.contains(.sourceNat) && !hasSourceNAT
            var ip: VlanIPRangeRepository.Address
            if let wanted = r.address {
                guard IPv4Address(wanted) != nil else { throw CloudError.invalidParameter("Invalid ipaddress \(wanted): expected an IPv4 address") }
                if let reserved = try await PublicIPRepository.find(sql, zoneID: n.zoneID, address: wanted), reserved.state == .reserved {
                    guard reserved.accountID == owner.id else {
                        throw CloudError(.insufficientCapacity, "Public IP address \(wanted) is reserved for another account", csCode: .insufficientCapacity)
                    }
                    // Counted when it was reserved.
                    try await PublicIPRepository.attach(sql, id: reserved.id, networkID: n.id, vpcID: nil, sourceNAT: sourceNAT, state: .allocating, at: Date())
                    ip = reserved
                } else {
                    ip = try await self.networks.acquirePublicIP(sql, PublicIPRepository.Acquisition(
                        zoneID: n.zoneID, accountID: owner.id, domainID: owner.domainID, networkID: n.id, sourceNAT: sourceNAT, state: .allocating, address: wanted))
                }
            } else {
                ip = try await self.networks.acquirePublicIP(sql, PublicIPRepository.Acquisition(
                    zoneID: n.zoneID, accountID: owner.id, domainID: owner.domainID, networkID: n.id, sourceNAT: sourceNAT, state: .allocating))
            }
            if let display = r.display, !display { try await PublicIPRepository.setDisplay(sql, id: ip.id, display: false) }
            if sourceNAT {
                for var router in try await RouterRepository.of(sql, networkID: n.id) where router.publicIP == nil {
                    router.publicIP = ip.address
                    try await RouterRepository.update(sql, router)
                }
            }
            return ip.id
        }
        return try await db.read { try await self.addressItem($0, id: id) }
    }

    /// The job of `associateIpAddress`: the Allocating address becomes Allocated and the
    /// network's routers get it (a new document generation).
    public func activateAddress(caller: Caller, id: UUID) async throws -> PublicIPListItem {
        try await db.transaction { sql in
            let ip = try await Self.ownedAddress(sql, caller: caller, id: id)
            if ip.state == .allocating {
                try await PublicIPRepository.setState(sql, id: ip.id, from: .allocating, to: .allocated)
                if let n = ip.networkID { try await RouterRepository.bumpGeneration(sql, networkID: n) }
                else if let v = ip.vpcID { try await RouterRepository.bumpGeneration(sql, vpcID: v) }
            }
            return try await self.addressItem(sql, id: ip.id)
        }
    }

    /// The address a `disassociateIpAddress` names (`id` or `ipaddress`), checked.
    public func checkDisassociate(caller: Caller, id: UUID?, address: String?) async throws -> VlanIPRangeRepository.Address {
        try await db.read { sql in try await Self.releasable(sql, caller: caller, id: id, address: address) }
    }

    static func releasable(_ sql: any SQLDatabase, caller: Caller, id: UUID?, address: String?) async throws -> VlanIPRangeRepository.Address {
        let ip: VlanIPRangeRepository.Address
        switch (id, address) {
        case (let id?, nil):
            ip = try await ownedAddress(sql, caller: caller, id: id)
        case (nil, let text?):
            let rows = try await PublicIPRepository.list(sql, {
                var f = PublicIPRepository.Filter(); f.address = text; f.allocatedOnly = true; return f
            }(), offset: 0, limit: 2).items
            guard rows.count == 1, let only = rows.first else { throw CloudError.invalidParameter("Unable to find IP address \(text)") }
            ip = try await ownedAddress(sql, caller: caller, id: only.address.uuid)
        default:
            throw CloudError.invalidParameter("Either id or ipaddress is required, not both")
        }
        if ip.sourceNAT, let networkID = ip.networkID, try await NetworkRepository.find(sql, id: networkID) != nil {
            throw CloudError.invalidParameter("IP address \(ip.address) is used for source NAT and can not be disassociated")
        }
        if ip.sourceNAT, let vpcID = ip.vpcID, try await VPCRepository.find(sql, id: vpcID) != nil {
            throw CloudError.invalidParameter("IP address \(ip.address) is used for source NAT of its VPC and can not be disassociated")
        }
        return ip
    }

    /// `disassociateIpAddress`: removes the address's rules and static NAT, and gives it
    /// back to the pool (uncounted, NET.IPRELEASE usage). Source NAT addresses stay while
    /// their network exists.
    public func disassociate(caller: Caller, id: UUID?, address: String?) async throws {
        try await db.transaction { sql in
            let ip = try await Self.releasable(sql, caller: caller, id: id, address: address)
            try await Self.removeRules(sql, ipAddressID: ip.id)
            try await self.networks.releasePublicIP(sql, ip)
            if let n = ip.networkID { try await RouterRepository.bumpGeneration(sql, networkID: n) }
            else if let v = ip.vpcID { try await RouterRepository.bumpGeneration(sql, vpcID: v) }
        }
    }

    /// `reserveIpAddress` (4.17): holds a Free address for an account without a network;
    /// it counts against `public_ip` until released or associated.
    public func reserve(caller: Caller, id: UUID, accountName: String?, domainID: UUID?, display: Bool?) async throws -> PublicIPListItem {
        try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            guard let ip = try await PublicIPRepository.find(sql, uuid: id) else { throw Self.ipNotFound(id) }
            if ip.state == .reserved && ip.accountID == owner.id { return try await self.addressItem(sql, id: ip.id) }
            guard ip.state == .free, !ip.isSystem else {
                throw CloudError.invalidParameter("IP address \(ip.address) is not free (it is \(ip.state.rawValue)) and can not be reserved")
            }
            let taken = try await self.networks.acquirePublicIP(sql, PublicIPRepository.Acquisition(
                zoneID: ip.zoneID, accountID: owner.id, domainID: owner.domainID, state: .reserved, address: ip.address))
            if let display, !display { try await PublicIPRepository.setDisplay(sql, id: taken.id, display: false) }
            try await self.recordEvent(sql, caller: caller, type: EventType.netIPReserve, description: "Reserved public IP address \(ip.address)",
                                       accountID: owner.id, domainID: owner.domainID, resourceType: "IpAddress", uuid: ip.uuid, name: ip.address)
            return try await self.addressItem(sql, id: taken.id)
        }
    }

    /// `releaseIpAddress` (4.17): gives a Reserved address back to the pool.
    public func releaseReserved(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let ip = try await Self.ownedAddress(sql, caller: caller, id: id)
            guard ip.state == .reserved else {
                throw CloudError.invalidParameter("IP address \(ip.address) is not Reserved (it is \(ip.state.rawValue)); use disassociateIpAddress for an address in use")
            }
            try await self.networks.releasePublicIP(sql, ip)
            try await self.recordEvent(sql, caller: caller, type: EventType.netIPRelease, description: "Released reserved public IP address \(ip.address)",
                                       accountID: ip.accountID ?? caller.account.id, domainID: ip.domainID ?? caller.account.domainID,
                                       resourceType: "IpAddress", uuid: ip.uuid, name: ip.address)
        }
    }

    /// `updateIpAddress`: whether the owner sees it.
    public func update(caller: Caller, id: UUID, display: Bool?) async throws -> PublicIPListItem {
        try await db.transaction { sql in
            let ip = try await Self.ownedAddress(sql, caller: caller, id: id)
            if let display { try await PublicIPRepository.setDisplay(sql, id: ip.id, display: display) }
            return try await self.addressItem(sql, id: ip.id)
        }
    }

    /// The address with `id` the caller may operate on (for job plans).
    public func address(caller: Caller, id: UUID) async throws -> VlanIPRangeRepository.Address {
        try await db.read { try await Self.ownedAddress($0, caller: caller, id: id) }
    }
}

extension PublicIPService {
    /// `associateIpAddress` with `vpcid`: an address for the VPC (its owner's), bound to a
    /// tier later by its first rule; Allocating until the job makes it Allocated.
    func associate(caller: Caller, vpcID: UUID, _ r: AssociateIPRequest) async throws -> PublicIPListItem {
        if r.networkID != nil { throw CloudError.invalidParameter("Give vpcid or networkid, not both") }
        let id = try await db.transaction { sql -> Int64 in
            guard let vpc = try await VPCRepository.find(sql, uuid: vpcID) else { throw VPCService.notFound(vpcID) }
            try await Ownership.checkAccess(sql, caller: caller, accountID: vpc.accountID, domainID: vpc.domainID, resource: "VPC \(vpc.name)")
            if let z = r.zoneID, let zone = try await ZoneRepository.find(sql, id: vpc.zoneID), zone.uuid != z {
                throw CloudError.invalidParameter("VPC \(vpc.name) is not in zone \(z.uuidString.lowercased())")
            }
            guard vpc.state == .enabled else { throw CloudError.invalidParameter("VPC \(vpc.name) is being deleted") }
            if let wanted = r.address, IPv4Address(wanted) == nil {
                throw CloudError.invalidParameter("Invalid ipaddress \(wanted): expected an IPv4 address")
            }
            let ip: VlanIPRangeRepository.Address
            if let wanted = r.address, let reserved = try await PublicIPRepository.find(sql, zoneID: vpc.zoneID, address: wanted), reserved.state == .reserved {
                guard reserved.accountID == vpc.accountID else {
                    throw CloudError(.insufficientCapacity, "Public IP address \(wanted) is reserved for another account", csCode: .insufficientCapacity)
                }
                try await PublicIPRepository.attach(sql, id: reserved.id, networkID: nil, vpcID: vpc.id, sourceNAT: false, state: .allocating, at: Date())
                ip = reserved
            } else {
                ip = try await self.networks.acquirePublicIP(sql, PublicIPRepository.Acquisition(
                    zoneID: vpc.zoneID, accountID: vpc.accountID, domainID: vpc.domainID, vpcID: vpc.id, state: .allocating, address: r.address))
            }
            if let display = r.display, !display { try await PublicIPRepository.setDisplay(sql, id: ip.id, display: false) }
            return ip.id
        }
        return try await db.read { try await self.addressItem($0, id: id) }
    }
}
