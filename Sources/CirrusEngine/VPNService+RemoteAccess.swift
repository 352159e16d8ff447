import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A remote access VPN with its address, network or VPC, and owner.
public struct RemoteAccessVPNView: Sendable {
    public var vpn: RemoteAccessVPN
    public var publicIP: VlanIPRangeRepository.Address?
    public var network: Network?
    public var vpc: VPC?
    public var account: Account?
    public var domain: Domain?
}

/// A VPN user with its owner.
public struct VPNUserView: Sendable {
    public var user: VPNUser
    public var account: Account?
    public var domain: Domain?
}

extension VPNService {
    // MARK: - Remote access VPNs

    static func remoteAccessNotFound(_ address: String) -> CloudError {
        CloudError.invalidParameter("There is no remote access VPN on IP address \(address)")
    }

    /// A remote access VPN the caller administers (by its id).
    static func administeredRemoteAccess(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> RemoteAccessVPN {
        guard let vpn = try await VPNRepository.remoteAccess(sql, uuid: id) else {
            throw CloudError.invalidParameter("Unable to find remote access VPN with id \(text(id))")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vpn.accountID, domainID: vpn.domainID, resource: "remote access VPN \(text(id))")
        return vpn
    }

    /// The remote access VPN, for job plans.
    public func remoteAccess(caller: Caller, id: UUID) async throws -> RemoteAccessVPN {
        try await db.read { try await Self.administeredRemoteAccess($0, caller: caller, id: id) }
    }

    /// The address a remote access VPN command names, which the caller may operate on.
    public func remoteAccessAddress(caller: Caller, publicIPID: UUID) async throws -> VlanIPRangeRepository.Address {
        try await db.read { try await PublicIPService.ownedAddress($0, caller: caller, id: publicIPID) }
    }

    /// The first half of `createRemoteAccessVpn` (run when the command is accepted). On an
    /// isolated network's address (its offering must have the Vpn service) it reserves UDP
    /// 500, 1701 and 4500 on the address as Vpn rules — refused when other rules or static NAT
    /// hold them — and with `openFirewall` (the default) opens them with firewall rules; on a
    /// VPC only the source NAT address is accepted and no firewall is involved. The client
    /// range (`iprange`, else the account's `remote.access.vpn.client.iprange`) must lie
    /// outside the guest (or VPC) CIDR; its first address is the server's. The pre-shared key
    /// is random, `remote.access.vpn.psk.length` long. ``startRemoteAccess(caller:id:)``
    /// applies it.
    public func createRemoteAccess(caller: Caller, publicIPID: UUID, ipRange: String?, openFirewall: Bool, display: Bool?) async throws -> RemoteAccessVPNView {
        try Self.requireAdminForDisplay(caller, display)
        let pskLength = try await config.int(Settings.remoteAccessVPNPSKLength)
        do {
            let vpn = try await db.transaction { sql -> RemoteAccessVPN in
                let ip = try await PublicIPService.ownedAddress(sql, caller: caller, id: publicIPID)
                guard ip.state == .allocated, let accountID = ip.accountID, let domainID = ip.domainID else {
                    throw CloudError.invalidParameter("The Ip address is not ready to be used yet: \(ip.address)")
                }
                try await PublicIPRepository.lockForRules(sql, id: ip.id)
                if try await VPNRepository.remoteAccess(sql, ipAddressID: ip.id) != nil {
                    throw CloudError.invalidParameter("A remote Access VPN already exists for the public IP address [\(ip.address)].")
                }
                guard let owner = try await AccountRepository.find(sql, id: accountID) else { throw CloudError.internalError() }
                var network: Network?
                let guestCIDR: IPv4CIDR
                if let vpcID = ip.vpcID {
                    guard let vpc = try await VPCRepository.find(sql, id: vpcID) else { throw CloudError.internalError() }
                    guard ip.sourceNAT else {
                        throw CloudError.invalidParameter("Remote access VPN can only be enabled on the source NAT IP address of VPC \(vpc.name); \(ip.address) is not it")
                    }
                    try await Self.requireVPNService(sql, vpc: vpc)
                    guard let cidr = IPv4CIDR(vpc.cidr) else { throw CloudError.internalError() }
                    guestCIDR = cidr
                } else {
                    guard let networkID = ip.networkID, let n = try await NetworkRepository.find(sql, id: networkID) else {
                        throw CloudError.invalidParameter("Unable to create remote access vpn for the ipAddress: \(ip.address) as ip is not associated with any network or VPC")
                    }
                    _ = try await PublicIPService.requireService(sql, .vpn, network: n)
                    if try await VPNRepository.remoteAccess(sql, networkID: n.id).contains(where: { $0.accountID == accountID }) {
                        throw CloudError.invalidParameter("A remote access VPN already exists for the account [\(owner.name)] on network \(n.name).")
                    }
                    guard let cidr = n.cidr.flatMap({ IPv4CIDR($0) }) else {
                        throw CloudError.invalidParameter("Network \(n.name) has no guest CIDR; a remote access VPN needs one")
                    }
                    guestCIDR = cidr
                    network = n
                }
                var rangeText = ipRange ?? ""
                if ipRange == nil { rangeText = try await self.config.value(Settings.remoteAccessVPNClientIPRange, in: .account(owner)) }
                let range = try VPNRules.clientRange(rangeText, guestCIDR: guestCIDR)
                var rng = SystemRandomNumberGenerator()
                let vpn = try await VPNRepository.insert(sql, RemoteAccessVPN(
                    ipAddressID: ip.id, networkID: network?.id, vpcID: ip.vpcID, accountID: accountID, domainID: domainID, localIP: range.localIP.description,
                    ipRange: range.clients.description, presharedKey: VPNRules.generatePresharedKey(length: pskLength, using: &rng), display: display ?? true))
                if let n = network { try await Self.reservePorts(sql, ip: ip, network: n, openFirewall: openFirewall) }
                try await Self.bump(sql, vpn)
                try await self.record(sql, caller: caller, type: EventType.remoteAccessVPNCreate, description: "Created remote access VPN on \(ip.address)",
                                      accountID: accountID, domainID: domainID, resourceType: "RemoteAccessVpn", uuid: vpn.uuid, name: ip.address)
                return vpn
            }
            return try await db.read { try await self.remoteAccessViews($0, [vpn])[0] }
        } catch where StoreError.isUniqueViolation(error) {
            throw CloudError.invalidParameter("A remote access VPN already exists for the public IP address \(Self.text(publicIPID))")
        }
    }

    /// Reserves the VPN's UDP ports on an isolated network's address (Vpn rules, checked like
    /// any rule against the address's other rules) and, with `openFirewall`, opens them to
    /// everyone with firewall rules tied to the reservations.
    static func reservePorts(_ sql: any SQLDatabase, ip: VlanIPRangeRepository.Address, network n: Network, openFirewall: Bool) async throws {
        for port in VPNRules.remoteAccessPorts {
            let ports = PortRange(uncheckedStart: port, end: port)
            let existing = try await PublicIPService.rulesForConflicts(sql, ip: ip)
            var rule = FirewallRule(purpose: .vpn, proto: .udp, ports: ports, ipAddressID: ip.id, networkID: n.id, accountID: ip.accountID ?? 0,
                                    domainID: ip.domainID ?? 0, state: .active, sourceCIDRs: ["0.0.0.0/0"])
            try RuleConflicts.check(rule, against: existing, addressText: ip.address)
            rule = try await FirewallRuleRepository.insert(sql, rule)
            if openFirewall {
                _ = try await FirewallRuleRepository.insert(sql, FirewallRule(
                    purpose: .firewall, proto: .udp, ports: ports, ipAddressID: ip.id, networkID: n.id, accountID: rule.accountID, domainID: rule.domainID,
                    state: .active, sourceCIDRs: ["0.0.0.0/0"], relatedRuleID: rule.id))
            }
        }
    }

    /// Deletes the Vpn rules on an address and the firewall rules opened for them.
    static func releasePorts(_ sql: any SQLDatabase, ipAddressID: Int64) async throws {
        let rules = try await FirewallRuleRepository.on(sql, ipAddressID: ipAddressID)
        let reserved = Set(rules.filter { $0.purpose == .vpn }.map(\.id))
        for rule in rules where reserved.contains(rule.id) || rule.relatedRuleID.map(reserved.contains) == true {
            try await FirewallRuleRepository.delete(sql, id: rule.id)
        }
    }

    /// The second half of `createRemoteAccessVpn` (the job): pushes the routers' documents
    /// and records the VPN Running, and the owner's users Active, once they applied them.
    public func startRemoteAccess(caller: Caller, id: UUID) async throws -> RemoteAccessVPNView {
        let vpn = try await remoteAccess(caller: caller, id: id)
        await apply(networks: Set([vpn.networkID].compactMap { $0 }), vpcs: Set([vpn.vpcID].compactMap { $0 }))
        return try await db.read { sql in try await self.remoteAccessViews(sql, [try await Self.administeredRemoteAccess(sql, caller: caller, id: id)])[0] }
    }

    /// `deleteRemoteAccessVpn`: by its address; the reserved ports and the firewall rules
    /// opened for them go with it.
    public func deleteRemoteAccess(caller: Caller, publicIPID: UUID) async throws {
        let vpn = try await db.transaction { sql -> RemoteAccessVPN in
            let ip = try await PublicIPService.ownedAddress(sql, caller: caller, id: publicIPID)
            try await PublicIPRepository.lockForRules(sql, id: ip.id)
            guard let vpn = try await VPNRepository.remoteAccess(sql, ipAddressID: ip.id) else { throw Self.remoteAccessNotFound(ip.address) }
            try await Ownership.checkAccess(sql, caller: caller, accountID: vpn.accountID, domainID: vpn.domainID, resource: "remote access VPN on \(ip.address)")
            try await Self.releasePorts(sql, ipAddressID: ip.id)
            try await VPNRepository.removeRemoteAccess(sql, id: vpn.id, at: Date())
            try await Self.bump(sql, vpn)
            try await self.record(sql, caller: caller, type: EventType.remoteAccessVPNDestroy, description: "Removed remote access VPN on \(ip.address)",
                                  accountID: vpn.accountID, domainID: vpn.domainID, resourceType: "RemoteAccessVpn", uuid: vpn.uuid, name: ip.address)
            return vpn
        }
        await apply(networks: Set([vpn.networkID].compactMap { $0 }), vpcs: Set([vpn.vpcID].compactMap { $0 }))
    }

    /// `updateRemoteAccessVpn`: whether the owner sees it (admins).
    public func updateRemoteAccess(caller: Caller, id: UUID, display: Bool?) async throws -> RemoteAccessVPNView {
        try Self.requireAdminForDisplay(caller, display)
        return try await db.transaction { sql in
            var vpn = try await Self.administeredRemoteAccess(sql, caller: caller, id: id)
            if let display {
                try await VPNRepository.setDisplay(sql, remoteAccessID: vpn.id, display: display)
                vpn.display = display
            }
            try await self.record(sql, caller: caller, type: EventType.remoteAccessVPNUpdate, description: "Updated remote access VPN \(Self.text(id))",
                                  accountID: vpn.accountID, domainID: vpn.domainID, resourceType: "RemoteAccessVpn", uuid: vpn.uuid, name: nil)
            return try await self.remoteAccessViews(sql, [vpn])[0]
        }
    }

    /// `listRemoteAccessVpns`.
    public func remoteAccessVPNs(caller: Caller, scope: ListScope, id: UUID?, publicIPID: UUID?, networkID: UUID?, display: Bool?,
                                 page: (offset: Int, limit: Int?)) async throws -> Listing<RemoteAccessVPNView> {
        try await db.read { sql in
            var f = VPNRepository.RemoteAccessFilter()
            f.scope = scope
            f.display = caller.isAdmin ? display : (display ?? true)
            if let id {
                guard let vpn = try await VPNRepository.remoteAccess(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = vpn.id
            }
            if let publicIPID {
                guard let ip = try await PublicIPRepository.find(sql, uuid: publicIPID) else { return Listing(items: [], total: 0) }
                f.ipAddressID = ip.id
            }
            if let networkID {
                guard let n = try await NetworkRepository.find(sql, uuid: networkID) else { return Listing(items: [], total: 0) }
                f.networkID = n.id
            }
            let listing = try await VPNRepository.listRemoteAccess(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.remoteAccessViews(sql, listing.items), total: listing.total)
        }
    }

    func remoteAccessViews(_ sql: any SQLDatabase, _ vpns: [RemoteAccessVPN]) async throws -> [RemoteAccessVPNView] {
        var addresses: [Int64: VlanIPRangeRepository.Address] = [:]
        for id in Set(vpns.map(\.ipAddressID)) { addresses[id] = try await PublicIPRepository.find(sql, id: id) }
        let networks = try await NetworkRepository.find(sql, ids: Set(vpns.compactMap(\.networkID)))
        let vpcs = try await VPCRepository.find(sql, ids: Set(vpns.compactMap(\.vpcID)))
        let accounts = try await AccountRepository.find(sql, ids: Set(vpns.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(vpns.map(\.domainID)))
        return vpns.map { v in
            RemoteAccessVPNView(vpn: v, publicIP: addresses[v.ipAddressID], network: v.networkID.flatMap { networks[$0] }, vpc: v.vpcID.flatMap { vpcs[$0] },
                                account: accounts[v.accountID], domain: domains[v.domainID])
        }
    }

    // MARK: - VPN users

    /// The networks and VPCs whose routers carry an account's remote access VPNs.
    static func servedBy(_ sql: any SQLDatabase, accountID: Int64) async throws -> (networks: Set<Int64>, vpcs: Set<Int64>) {
        let vpns = try await VPNRepository.remoteAccess(sql, accountID: accountID)
        return (Set(vpns.compactMap(\.networkID)), Set(vpns.compactMap(\.vpcID)))
    }

    /// `addVpnUser`: a user of the owner account's remote access VPNs (`account`/`domainid`
    /// name another account for admins). Names are unique per account; an account has at most
    /// `remote.access.vpn.user.limit` users.
    public func addUser(caller: Caller, username: String, password: String, accountName: String?, domainID: UUID?) async throws -> VPNUserView {
        let name = try VPNRules.username(username)
        let secret = try VPNRules.password(password)
        let limit = try await config.int(Settings.remoteAccessVPNUserLimit)
        @Sendable func duplicate(_ account: String) -> CloudError {
            CloudError.invalidParameter("VPN User with name \(name) is already added for account \(account)")
        }
        do {
            let (user, served) = try await db.transaction { sql -> (VPNUser, (networks: Set<Int64>, vpcs: Set<Int64>)) in
                let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
                try await VPNRepository.lockAccount(sql, id: owner.id)
                if try await VPNRepository.user(sql, accountID: owner.id, username: name) != nil { throw duplicate(owner.name) }
                guard try await VPNRepository.userCount(sql, accountID: owner.id) < limit else {
                    throw CloudError(.accountResourceLimitError, "Cannot add more than [\(limit)] remote access VPN users to account \(owner.name).",
                                     csCode: .accountLimit)
                }
                let user = try await VPNRepository.insert(sql, VPNUser(accountID: owner.id, domainID: owner.domainID, username: name, password: secret))
                let served = try await Self.servedBy(sql, accountID: owner.id)
                for n in served.networks { try await RouterRepository.bumpGeneration(sql, networkID: n) }
                for v in served.vpcs { try await RouterRepository.bumpGeneration(sql, vpcID: v) }
                try await self.record(sql, caller: caller, type: EventType.vpnUserAdd, description: "Added VPN user \(name) of account \(owner.name)",
                                      accountID: owner.id, domainID: owner.domainID, resourceType: "VpnUser", uuid: user.uuid, name: name)
                return (user, served)
            }
            await apply(networks: served.networks, vpcs: served.vpcs)
            return try await db.read { sql in
                let fresh = try await VPNRepository.user(sql, accountID: user.accountID, username: user.username) ?? user
                return try await self.userViews(sql, [fresh])[0]
            }
        } catch where StoreError.isUniqueViolation(error) {
            throw duplicate(accountName ?? caller.account.name)
        }
    }

    /// `removeVpnUser`: the user leaves the documents of the account's remote access VPNs.
    public func removeUser(caller: Caller, username: String, accountName: String?, domainID: UUID?) async throws {
        let served = try await db.transaction { sql -> (networks: Set<Int64>, vpcs: Set<Int64>) in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            guard let user = try await VPNRepository.user(sql, accountID: owner.id, username: username) else {
                throw CloudError.invalidParameter("Could not find VPN user=[\(username)] of account \(owner.name)")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: user.accountID, domainID: user.domainID, resource: "VPN user \(username)")
            try await VPNRepository.removeUser(sql, id: user.id, at: Date())
            let served = try await Self.servedBy(sql, accountID: owner.id)
            for n in served.networks { try await RouterRepository.bumpGeneration(sql, networkID: n) }
            for v in served.vpcs { try await RouterRepository.bumpGeneration(sql, vpcID: v) }
            try await self.record(sql, caller: caller, type: EventType.vpnUserRemove, description: "Removed VPN user \(username) of account \(owner.name)",
                                  accountID: owner.id, domainID: owner.domainID, resourceType: "VpnUser", uuid: user.uuid, name: username)
            return served
        }
        await apply(networks: served.networks, vpcs: served.vpcs)
    }

    /// The owner account of a VPN user command (`account`/`domainid`, else the caller's), for
    /// job plans.
    public func userOwner(caller: Caller, accountName: String?, domainID: UUID?) async throws -> Account {
        try await db.read { try await IdentityService.owner($0, caller: caller, accountName: accountName, domainID: domainID) }
    }

    /// `listVpnUsers`.
    public func users(caller: Caller, scope: ListScope, id: UUID?, username: String?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<VPNUserView> {
        try await db.read { sql in
            var f = VPNRepository.UserFilter()
            f.scope = scope
            f.username = username
            f.keyword = keyword
            if let id {
                guard let u = try await VPNRepository.user(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = u.id
            }
            let listing = try await VPNRepository.listUsers(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.userViews(sql, listing.items), total: listing.total)
        }
    }

    func userViews(_ sql: any SQLDatabase, _ users: [VPNUser]) async throws -> [VPNUserView] {
        let accounts = try await AccountRepository.find(sql, ids: Set(users.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(users.map(\.domainID)))
        return users.map { VPNUserView(user: $0, account: accounts[$0.accountID], domain: domains[$0.domainID]) }
    }
}
