import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// What `createPortForwardingRule` asks for.
public struct PortForwardingRequest: Sendable {
    public var ipAddressID: UUID
    public var vmID: UUID
    public var proto: String
    public var publicPort: Int
    public var publicEndPort: Int?
    public var privatePort: Int
    public var privateEndPort: Int?
    public var cidrList: [String]?
    public var openFirewall: Bool
    public var networkID: UUID?
    public var guestIP: String?
    public var display: Bool

    public init(ipAddressID: UUID, vmID: UUID, proto: String, publicPort: Int, privatePort: Int) {
        self.ipAddressID = ipAddressID
        self.vmID = vmID
        self.proto = proto
        self.publicPort = publicPort
        self.privatePort = privatePort
        self.openFirewall = true
        self.display = true
    }
}

/// What `createFirewallRule` and `createEgressFirewallRule` ask for.
public struct FirewallRuleRequest: Sendable {
    /// The public address of an ingress rule.
    public var ipAddressID: UUID?
    /// The network of an egress rule.
    public var networkID: UUID?
    public var proto: String
    public var startPort: Int?
    public var endPort: Int?
    public var cidrList: [String]?
    public var destinationCIDRList: [String]?
    public var icmpType: Int?
    public var icmpCode: Int?
    public var display: Bool

    public init(proto: String) {
        self.proto = proto
        self.display = true
    }
}

/// What a rule listing filters on.
public struct RuleQuery: Sendable {
    public var id: UUID?
    public var ipAddressID: UUID?
    public var networkID: UUID?
    public var display: Bool?

    public init() {}
}

extension PublicIPService {
    // MARK: - Port forwarding

    /// Applies a rule created by one of the create commands (CloudStack's async create: the
    /// rule is made in state Add when the command is accepted, and the job makes it Active
    /// with the firewall rule it opened, raising the network's router document generation).
    public func activateRule(caller: Caller, id: UUID) async throws -> RuleView {
        try await db.transaction { sql in
            guard var rule = try await FirewallRuleRepository.find(sql, uuid: id) else {
                throw CloudError.invalidParameter("Unable to find rule with id \(id.uuidString.lowercased()); it was deleted meanwhile")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: rule.accountID, domainID: rule.domainID, resource: "rule \(id.uuidString.lowercased())")
            var ids = [rule.id]
            if let ip = rule.ipAddressID {
                ids += try await FirewallRuleRepository.on(sql, ipAddressID: ip).filter { $0.relatedRuleID == rule.id }.map(\.id)
            }
            try await FirewallRuleRepository.setState(sql, ids: ids, .active)
            rule.state = .active
            try await RouterRepository.bumpGeneration(sql, networkID: rule.networkID)
            let forwarding = rule.purpose == .portForwarding ? try await FirewallRuleRepository.portForwarding(sql, ruleID: rule.id) : nil
            return try await self.ruleViews(sql, [(rule: rule, forwarding: forwarding.map { var f = $0; f.rule = rule; return f })])[0]
        }
    }

    /// `createPortForwardingRule`: forwards (address, protocol, public ports) to an
    /// instance's guest address and private ports; with `openfirewall` (the default) a
    /// matching ingress firewall rule is made beside it.
    public func createPortForwarding(caller: Caller, _ r: PortForwardingRequest) async throws -> RuleView {
        let proto = try RuleProtocol.parse(r.proto, allowed: [.tcp, .udp], ruleKind: "port forwarding rule")
        let publicPorts = try PortRange(start: r.publicPort, end: r.publicEndPort, startName: "publicport", endName: "publicendport")
        let privatePorts = try PortRange(start: r.privatePort, end: r.privateEndPort, startName: "privateport", endName: "privateendport")
        guard publicPorts.count == privatePorts.count || privatePorts.count == 1 && r.privateEndPort == nil && publicPorts.count == 1 else {
            throw CloudError.invalidParameter("Private port range \(privatePorts) and public port range \(publicPorts) must be of the same size")
        }
        let cidrs = try RuleCIDRs.parse(r.cidrList, parameter: "cidrlist")
        return try await db.transaction { sql in
            let ip = try await Self.ownedAddress(sql, caller: caller, id: r.ipAddressID)
            try await PublicIPRepository.lockForRules(sql, id: ip.id)
            let n = try await Self.network(of: ip, sql, forWhat: "port forwarding rule", tier: r.networkID)
            if let networkID = r.networkID, networkID != n.uuid {
                throw CloudError.invalidParameter("IP address \(ip.address) is associated with network \(n.name), not with network \(networkID.uuidString.lowercased())")
            }
            _ = try await Self.requireService(sql, .portForwarding, network: n)
            let target = try await Self.target(sql, caller: caller, vmID: r.vmID, network: n, accountID: ip.accountID ?? -1, guestIP: r.guestIP,
                                               forWhat: "port forwarding rule")
            var rule = FirewallRule(purpose: .portForwarding, proto: proto, ports: publicPorts, ipAddressID: ip.id, networkID: n.id,
                                    accountID: ip.accountID ?? target.vm.accountID, domainID: ip.domainID ?? target.vm.domainID, state: .add,
                                    sourceCIDRs: cidrs, display: r.display)
            try RuleConflicts.check(rule, against: try await Self.rulesForConflicts(sql, ip: ip), addressText: ip.address)
            let pf = try await FirewallRuleRepository.insert(sql, PortForwardingRule(rule: rule, instanceID: target.vm.id, guestIP: target.ip, privatePorts: privatePorts))
            rule = pf.rule
            if r.openFirewall { try await self.openFirewall(sql, for: rule) }
            return try await self.ruleViews(sql, [(rule: rule, forwarding: pf)])[0]
        }
    }

    /// The ingress firewall rule `openfirewall` makes for a forwarding rule: same address,
    /// protocol, public ports and sources; deleted with it.
    func openFirewall(_ sql: any SQLDatabase, for rule: FirewallRule) async throws {
        let fw = FirewallRule(purpose: .firewall, proto: rule.proto, ports: rule.ports, ipAddressID: rule.ipAddressID, networkID: rule.networkID,
                              accountID: rule.accountID, domainID: rule.domainID, state: .add, sourceCIDRs: rule.sourceCIDRs, relatedRuleID: rule.id)
        let existing = try await FirewallRuleRepository.on(sql, ipAddressID: rule.ipAddressID ?? 0)
        // An identical firewall rule already open is enough.
        if existing.contains(where: { $0.purpose == .firewall && $0.proto == fw.proto && $0.ports == fw.ports && Set($0.sourceCIDRs) == Set(fw.sourceCIDRs) }) { return }
        _ = try await FirewallRuleRepository.insert(sql, fw)
    }

    /// A rule of `purpose` the caller may operate on.
    static func ownedRule(_ sql: any SQLDatabase, caller: Caller, id: UUID, purpose: RulePurpose, traffic: RuleTrafficType = .ingress, anyTraffic: Bool = false,
                          kind: String) async throws -> FirewallRule {
        guard let rule = try await FirewallRuleRepository.find(sql, uuid: id), rule.purpose == purpose, anyTraffic || rule.trafficType == traffic else {
            throw CloudError.invalidParameter("Unable to find \(kind) with id \(id.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: rule.accountID, domainID: rule.domainID, resource: "\(kind) \(id.uuidString.lowercased())")
        return rule
    }

    /// A rule the caller may operate on, for job plans.
    public func rule(caller: Caller, id: UUID, purpose: RulePurpose, traffic: RuleTrafficType = .ingress, anyTraffic: Bool = false, kind: String) async throws -> FirewallRule {
        try await db.read { try await Self.ownedRule($0, caller: caller, id: id, purpose: purpose, traffic: traffic, anyTraffic: anyTraffic, kind: kind) }
    }

    /// `updatePortForwardingRule`: new private ports, target instance or guest address.
    public func updatePortForwarding(caller: Caller, id: UUID, privatePort: Int?, privateEndPort: Int?, vmID: UUID?, guestIP: String?, display: Bool?) async throws -> RuleView {
        try await db.transaction { sql in
            let rule = try await Self.ownedRule(sql, caller: caller, id: id, purpose: .portForwarding, kind: "port forwarding rule")
            guard var pf = try await FirewallRuleRepository.portForwarding(sql, ruleID: rule.id), let n = try await NetworkRepository.find(sql, id: rule.networkID) else {
                throw CloudError.internalError()
            }
            if privatePort != nil || privateEndPort != nil {
                let start = privatePort ?? pf.privatePorts.start
                let ports = try PortRange(start: start, end: privateEndPort ?? (privatePort != nil ? start + (pf.privatePorts.count - 1) : pf.privatePorts.end),
                                          startName: "privateport", endName: "privateendport")
                guard ports.count == (rule.ports?.count ?? 1) else {
                    throw CloudError.invalidParameter("Private port range \(ports) and public port range \(rule.ports?.description ?? "") must be of the same size")
                }
                pf.privatePorts = ports
            }
            if vmID != nil || guestIP != nil {
                var vm = vmID
                if vm == nil { vm = try await VirtualMachineRepository.find(sql, id: pf.instanceID)?.uuid }
                guard let vm else { throw CloudError.internalError() }
                let target = try await Self.target(sql, caller: caller, vmID: vm, network: n, accountID: rule.accountID, guestIP: guestIP, forWhat: "port forwarding rule")
                pf.instanceID = target.vm.id
                pf.guestIP = target.ip
            }
            if let display { pf.rule.display = display }
            try await FirewallRuleRepository.update(sql, pf)
            try await RouterRepository.bumpGeneration(sql, networkID: rule.networkID)
            return try await self.ruleViews(sql, [(rule: pf.rule, forwarding: pf)])[0]
        }
    }

    /// Deletes a rule with the firewall rules it opened; raises its network's generation.
    public func deleteRule(caller: Caller, id: UUID, purpose: RulePurpose, traffic: RuleTrafficType = .ingress, anyTraffic: Bool = false, kind: String) async throws {
        try await db.transaction { sql in
            let rule = try await Self.ownedRule(sql, caller: caller, id: id, purpose: purpose, traffic: traffic, anyTraffic: anyTraffic, kind: kind)
            if let ip = rule.ipAddressID {
                for related in try await FirewallRuleRepository.on(sql, ipAddressID: ip) where related.relatedRuleID == rule.id {
                    try await FirewallRuleRepository.delete(sql, id: related.id)
                }
            }
            try await FirewallRuleRepository.delete(sql, id: rule.id)
            try await RouterRepository.bumpGeneration(sql, networkID: rule.networkID)
        }
    }

    /// `updateFirewallRule` / `updateEgressFirewallRule`: whether the owner sees it.
    public func updateRuleDisplay(caller: Caller, id: UUID, purpose: RulePurpose, traffic: RuleTrafficType, kind: String, display: Bool?) async throws -> RuleView {
        try await db.transaction { sql in
            var rule = try await Self.ownedRule(sql, caller: caller, id: id, purpose: purpose, traffic: traffic, kind: kind)
            if let display { rule.display = display; try await FirewallRuleRepository.update(sql, rule) }
            return try await self.ruleViews(sql, [(rule: rule, forwarding: nil)])[0]
        }
    }

    /// Rules of one purpose and direction in the caller's scope.
    public func listRules(caller: Caller, scope: ListScope, purpose: RulePurpose, traffic: RuleTrafficType?, _ q: RuleQuery, page: (offset: Int, limit: Int?)) async throws -> Listing<RuleView> {
        try await db.read { sql in
            var f = FirewallRuleRepository.Filter()
            f.scope = scope
            f.purpose = purpose
            f.trafficType = traffic
            f.display = q.display
            if let id = q.id {
                guard let rule = try await FirewallRuleRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = rule.id
            }
            if let ipID = q.ipAddressID {
                guard let ip = try await PublicIPRepository.find(sql, uuid: ipID) else { return Listing(items: [], total: 0) }
                f.ipAddressID = ip.id
            }
            if let networkID = q.networkID {
                guard let n = try await NetworkRepository.find(sql, uuid: networkID) else { return Listing(items: [], total: 0) }
                f.networkID = n.id
            }
            let listing = try await FirewallRuleRepository.list(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.ruleViews(sql, listing.items), total: listing.total)
        }
    }

    // MARK: - Firewall

    /// `createFirewallRule` (ingress, on a public address) or `createEgressFirewallRule`
    /// (on a network, under the offering's default egress policy).
    public func createFirewallRule(caller: Caller, traffic: RuleTrafficType, _ r: FirewallRuleRequest) async throws -> RuleView {
        let kind = traffic == .ingress ? "firewall rule" : "egress firewall rule"
        let proto = try RuleProtocol.parse(r.proto, allowed: [.tcp, .udp, .icmp, .all], ruleKind: kind)
        let ports: PortRange?
        if let start = r.startPort {
            guard proto.hasPorts else { throw CloudError.invalidParameter("Can't specify start/end port when protocol is \(proto.rawValue)") }
            ports = try PortRange(start: start, end: r.endPort)
        } else if r.endPort != nil {
            throw CloudError.invalidParameter("Give startport together with endport")
        } else {
            ports = nil
        }
        try RuleCIDRs.checkICMP(proto: proto, type: r.icmpType, code: r.icmpCode)
        let icmpType = proto == .icmp ? (r.icmpType ?? -1) : nil
        let icmpCode = proto == .icmp ? (r.icmpCode ?? -1) : nil
        return try await db.transaction { sql in
            var rule: FirewallRule
            let addressText: String
            if traffic == .ingress {
                guard let ipID = r.ipAddressID else { throw CloudError.missingParameter(command: "createFirewallRule", parameter: "ipaddressid") }
                let ip = try await Self.ownedAddress(sql, caller: caller, id: ipID)
                try await PublicIPRepository.lockForRules(sql, id: ip.id)
                let n = try await Self.network(of: ip, sql, forWhat: kind)
                _ = try await Self.requireService(sql, .firewall, network: n)
                let cidrs = try RuleCIDRs.parse(r.cidrList, parameter: "cidrlist")
                rule = FirewallRule(purpose: .firewall, proto: proto, ports: ports, icmpType: icmpType, icmpCode: icmpCode, ipAddressID: ip.id, networkID: n.id,
                                    accountID: ip.accountID ?? n.accountID, domainID: ip.domainID ?? n.domainID, state: .add, sourceCIDRs: cidrs, display: r.display)
                try RuleConflicts.check(rule, against: try await Self.rulesForConflicts(sql, ip: ip), addressText: ip.address)
                addressText = ip.address
            } else {
                guard let networkID = r.networkID else { throw CloudError.missingParameter(command: "createEgressFirewallRule", parameter: "networkid") }
                guard let n = try await NetworkRepository.find(sql, uuid: networkID) else { throw GuestNetworkService.notFound(networkID) }
                try await Ownership.checkAccess(sql, caller: caller, accountID: n.accountID, domainID: n.domainID, resource: "network \(n.name)")
                try await NetworkRepository.lockForRules(sql, id: n.id)
                guard n.guestType == .isolated else {
                    throw CloudError.invalidParameter("Egress firewall rules can be created only for Isolated networks; \(n.name) is \(n.guestType.rawValue)")
                }
                _ = try await Self.requireService(sql, .firewall, network: n)
                let guestCIDR = n.cidr.flatMap { IPv4CIDR($0) }
                let sources = try RuleCIDRs.parse(r.cidrList, parameter: "cidrlist", default: guestCIDR.map { [$0.description] } ?? ["0.0.0.0/0"])
                if let guestCIDR {
                    for s in sources where !(IPv4CIDR(s).map { guestCIDR.contains($0) } ?? false) {
                        throw CloudError.invalidParameter("Source CIDR \(s) of an egress rule must be within the guest CIDR \(guestCIDR) of network \(n.name)")
                    }
                }
                let destinations = try RuleCIDRs.parse(r.destinationCIDRList, parameter: "destcidrlist")
                rule = FirewallRule(purpose: .firewall, trafficType: .egress, proto: proto, ports: ports, icmpType: icmpType, icmpCode: icmpCode, ipAddressID: nil,
                                    networkID: n.id, accountID: n.accountID, domainID: n.domainID, state: .add, sourceCIDRs: sources,
                                    destinationCIDRs: destinations, display: r.display)
                try RuleConflicts.check(rule, against: try await FirewallRuleRepository.egress(sql, networkID: n.id), addressText: n.name)
                addressText = n.name
            }
            _ = addressText
            rule = try await FirewallRuleRepository.insert(sql, rule)
            return try await self.ruleViews(sql, [(rule: rule, forwarding: nil)])[0]
        }
    }
}
