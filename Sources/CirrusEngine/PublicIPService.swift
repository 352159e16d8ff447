import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A rule with the names its response shows.
public struct RuleView: Sendable {
    public var rule: FirewallRule
    public var forwarding: PortForwardingRule?
    public var ipAddress: String?
    public var ipUUID: UUID?
    public var networkUUID: UUID?
    public var vmUUID: UUID?
    public var vmName: String?
    public var vmDisplayName: String?
}

/// A load-balancing rule with its names.
public struct LoadBalancerView: Sendable {
    public var lb: LoadBalancerRule
    public var ipAddress: String?
    public var ipUUID: UUID?
    public var networkUUID: UUID?
    public var zoneUUID: UUID?
    public var zoneName: String?
    public var accountName: String?
    public var domainUUID: UUID?
    public var domainName: String?
}

/// The stickiness or health-check policies of one load-balancing rule.
public struct LBPoliciesView: Sendable {
    public var rule: LoadBalancerView
    public var policies: [LBPolicy]
}

/// Public addresses of guest networks and the rules on them: associating and releasing
/// addresses (4.17 reservations included), static NAT, port forwarding, ingress and egress
/// firewall, and load balancing with stickiness and health checks.
///
/// Every rule is checked against the rules already on its address or network with
/// ``RuleConflicts`` and written in one transaction that also raises the network's router
/// document generation, so the routers pick the change up.
public final class PublicIPService: Sendable {
    let db: any Database
    let events: EventService
    let networks: GuestNetworkService

    init(db: any Database, events: EventService, networks: GuestNetworkService) {
        self.db = db
        self.events = events
        self.networks = networks
    }

    // MARK: - Lookups with access checks

    static func ipNotFound(_ id: UUID) -> CloudError {
        CloudError.invalidParameter("Unable to find IP address with id \(id.uuidString.lowercased())")
    }

    /// A live, allocated (or reserved) address the caller may operate on.
    static func ownedAddress(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> VlanIPRangeRepository.Address {
        guard let ip = try await PublicIPRepository.find(sql, uuid: id), let account = ip.accountID, let domain = ip.domainID,
              ip.state == .allocated || ip.state == .reserved || ip.state == .allocating else { throw ipNotFound(id) }
        try await Ownership.checkAccess(sql, caller: caller, accountID: account, domainID: domain, resource: "IP address \(ip.address)")
        return ip
    }

    /// The guest network an address is associated with, refusing addresses not in use on one.
    /// A VPC's address is bound to a tier by its first rule or static NAT: `tier` (the
    /// command's `networkid`) names it, and must be a tier of the address's VPC.
    static func network(of ip: VlanIPRangeRepository.Address, _ sql: any SQLDatabase, forWhat: String, tier: UUID? = nil) async throws -> Network {
        if ip.networkID == nil, let vpcID = ip.vpcID, ip.state == .allocated {
            guard let tier else {
                throw CloudError.invalidParameter("Unable to create \(forWhat); IP address \(ip.address) belongs to a VPC: give networkid, the tier the rule is for")
            }
            guard let n = try await NetworkRepository.find(sql, uuid: tier), n.vpcID == vpcID else {
                throw CloudError.invalidParameter("Unable to create \(forWhat); network \(tier.uuidString.lowercased()) is not a tier of the VPC of IP address \(ip.address)")
            }
            try await PublicIPRepository.bindToTier(sql, id: ip.id, networkID: n.id)
            return n
        }
        guard let networkID = ip.networkID, ip.state == .allocated, let n = try await NetworkRepository.find(sql, id: networkID) else {
            throw CloudError.invalidParameter("Unable to create \(forWhat); IP address \(ip.address) is not associated with any network")
        }
        return n
    }

    /// Refuses unless the network's offering provides `service`.
    static func requireService(_ sql: any SQLDatabase, _ service: NetworkService, network n: Network) async throws -> NetworkOffering {
        guard let offering = try await NetworkOfferingRepository.find(sql, id: n.networkOfferingID) else { throw CloudError.internalError() }
        guard offering.services.contains(service) else {
            throw CloudError.invalidParameter("Service \(service.rawValue) is not supported in network \(n.name) (offering \(offering.name))")
        }
        return offering
    }

    /// An instance the caller may operate on, that belongs to `accountID` and has a NIC on
    /// `network`; with the NIC and the guest address the rule should target (`vmguestip`:
    /// the primary address or one of its secondary addresses).
    static func target(_ sql: any SQLDatabase, caller: Caller, vmID: UUID, network n: Network, accountID: Int64, guestIP: String?,
                       forWhat: String) async throws -> (vm: VirtualMachine, nic: Nic, ip: String) {
        guard let vm = try await VirtualMachineRepository.find(sql, uuid: vmID), vm.removed == nil,
              vm.state != .expunging, vm.state != .destroyed else {
            throw CloudError.invalidParameter("Unable to find virtual machine with id \(vmID.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vm.accountID, domainID: vm.domainID, resource: "instance \(vm.displayName)")
        guard vm.accountID == accountID else {
            throw CloudError.permissionDenied("Unable to create \(forWhat): instance \(vm.displayName) and the IP address belong to different accounts")
        }
        guard let nic = try await NicRepository.of(sql, instanceIDs: [vm.id])[vm.id]?.first(where: { $0.networkID == n.id }), let primary = nic.ipv4Address else {
            throw CloudError.invalidParameter("Unable to create \(forWhat): instance \(vm.displayName) has no NIC on network \(n.name)")
        }
        guard let wanted = guestIP, wanted != primary else { return (vm, nic, primary) }
        let secondary = try await NicRepository.secondaryIPs(sql, nicIDs: [nic.id])[nic.id] ?? []
        guard secondary.contains(where: { $0.address == wanted }) else {
            throw CloudError.invalidParameter("Unable to create \(forWhat): \(wanted) is not an address of instance \(vm.displayName) on network \(n.name)")
        }
        return (vm, nic, wanted)
    }

    /// Rules on the address plus a StaticNat pseudo-rule when static NAT is on, for
    /// ``RuleConflicts``.
    static func rulesForConflicts(_ sql: any SQLDatabase, ip: VlanIPRangeRepository.Address) async throws -> [FirewallRule] {
        var rules = try await FirewallRuleRepository.on(sql, ipAddressID: ip.id)
        if ip.staticNAT, let networkID = ip.networkID, let account = ip.accountID, let domain = ip.domainID {
            rules.append(FirewallRule(id: -1, uuid: ip.uuid, purpose: .staticNat, proto: .all, ipAddressID: ip.id, networkID: networkID,
                                      accountID: account, domainID: domain, state: .active))
        }
        return rules
    }

    // MARK: - Views

    func ruleViews(_ sql: any SQLDatabase, _ items: [(rule: FirewallRule, forwarding: PortForwardingRule?)]) async throws -> [RuleView] {
        var ips: [Int64: VlanIPRangeRepository.Address] = [:]
        for id in Set(items.compactMap(\.rule.ipAddressID)) { ips[id] = try await PublicIPRepository.find(sql, id: id) }
        let networks = try await NetworkRepository.find(sql, ids: Set(items.map(\.rule.networkID)))
        var vms: [Int64: VirtualMachine] = [:]
        for id in Set(items.compactMap(\.forwarding?.instanceID)) { vms[id] = try await VirtualMachineRepository.find(sql, id: id) }
        return items.map { item in
            let ip = item.rule.ipAddressID.flatMap { ips[$0] }
            let vm = item.forwarding.flatMap { vms[$0.instanceID] }
            return RuleView(rule: item.rule, forwarding: item.forwarding, ipAddress: ip?.address, ipUUID: ip?.uuid, networkUUID: networks[item.rule.networkID]?.uuid,
                            vmUUID: vm?.uuid, vmName: vm?.hostName, vmDisplayName: vm?.displayName)
        }
    }

    func loadBalancerViews(_ sql: any SQLDatabase, _ rules: [LoadBalancerRule]) async throws -> [LoadBalancerView] {
        var ips: [Int64: VlanIPRangeRepository.Address] = [:]
        for id in Set(rules.compactMap(\.rule.ipAddressID)) { ips[id] = try await PublicIPRepository.find(sql, id: id) }
        let networks = try await NetworkRepository.find(sql, ids: Set(rules.map(\.rule.networkID)))
        var zones: [Int64: Zone] = [:]
        for z in Set(networks.values.map(\.zoneID)) { zones[z] = try await ZoneRepository.find(sql, id: z) }
        let accounts = try await AccountRepository.find(sql, ids: Set(rules.map(\.rule.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(rules.map(\.rule.domainID)))
        return rules.map { lb in
            let ip = lb.rule.ipAddressID.flatMap { ips[$0] }
            let n = networks[lb.rule.networkID]
            let zone = n.flatMap { zones[$0.zoneID] }
            return LoadBalancerView(lb: lb, ipAddress: ip?.address, ipUUID: ip?.uuid, networkUUID: n?.uuid, zoneUUID: zone?.uuid, zoneName: zone?.name,
                                    accountName: accounts[lb.rule.accountID]?.name, domainUUID: domains[lb.rule.domainID]?.uuid,
                                    domainName: domains[lb.rule.domainID]?.name)
        }
    }

    /// One address as `listPublicIpAddresses` shows it.
    func addressItem(_ sql: any SQLDatabase, id: Int64) async throws -> PublicIPListItem {
        var f = PublicIPRepository.Filter()
        f.id = id
        f.allocatedOnly = false
        guard let item = try await PublicIPRepository.list(sql, f, offset: 0, limit: 1).items.first else { throw CloudError.internalError() }
        return item
    }

    func recordEvent(_ sql: any SQLDatabase, caller: Caller, type: String, description: String, accountID: Int64, domainID: Int64,
                     resourceType: String, uuid: UUID, name: String? = nil) async throws {
        _ = try await events.record(sql, type: type, state: .completed, description: description, userID: caller.user.id, accountID: accountID, domainID: domainID,
                                    resource: EventResource(type: resourceType, uuid: uuid.uuidString.lowercased(), name: name))
    }
}

extension PublicIPService {
    /// The API id of the address with internal id `id`.
    public func addressUUID(id: Int64) async throws -> UUID? {
        try await db.read { try await PublicIPRepository.find($0, id: id)?.uuid }
    }
}
