import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// What `createIpv6FirewallRule` and `updateIpv6FirewallRule` carry.
public struct IPv6FirewallRequest: Sendable {
    public var networkID: UUID?
    public var proto: String?
    public var startPort: Int?
    public var endPort: Int?
    public var cidrList: [String]?
    public var destinationCIDRList: [String]?
    public var icmpType: Int?
    public var icmpCode: Int?
    public var trafficType: String?
    public var display: Bool?

    public init() {}
}

extension PublicIPService {
    static func ipv6Traffic(_ text: String?) throws -> RuleTrafficType? {
        guard let text else { return nil }
        return try RuleTrafficType.parse(text)
    }

    /// Builds the rule a request describes on `n` (over `base` when updating), validated.
    static func ipv6Rule(_ r: IPv6FirewallRequest, network n: Network, base: FirewallRule?) throws -> FirewallRule {
        guard let v6 = n.ip6CIDR else {
            throw CloudError.invalidParameter("Network \(n.name) has no IPv6 subnet (its offering is IPv4 only); IPv6 firewall rules need a dual-stack network")
        }
        let traffic = try ipv6Traffic(r.trafficType) ?? base?.trafficType ?? .ingress
        let proto = try r.proto.map { try RuleProtocol.parse($0, allowed: [.tcp, .udp, .icmp, .all], ruleKind: "IPv6 firewall rule") } ?? base?.proto ?? .tcp
        var ports = base?.ports
        if r.startPort != nil || r.endPort != nil || r.proto != nil {
            if let start = r.startPort ?? base?.ports?.start {
                guard proto.hasPorts else { throw CloudError.invalidParameter("Can't specify start/end port when protocol is \(proto.rawValue)") }
                ports = try PortRange(start: start, end: r.endPort ?? (r.startPort == nil ? base?.ports?.end : nil))
            } else {
                ports = nil
            }
            if !proto.hasPorts { ports = nil }
        }
        let icmpType = r.icmpType ?? (proto == .icmp ? base?.icmpType : nil), icmpCode = r.icmpCode ?? (proto == .icmp ? base?.icmpCode : nil)
        try RuleCIDRs.checkICMP(proto: proto, type: icmpType, code: icmpCode)
        let sourceDefault = traffic == .egress ? [v6] : ["::/0"]
        let destinationDefault = traffic == .egress ? ["::/0"] : [v6]
        let sources = try RuleCIDRs.parseIPv6(r.cidrList, parameter: "cidrlist", default: base?.sourceCIDRs ?? sourceDefault)
        let destinations = try RuleCIDRs.parseIPv6(r.destinationCIDRList, parameter: "destcidrlist", default: base?.destinationCIDRs ?? destinationDefault)
        return FirewallRule(id: base?.id ?? 0, uuid: base?.uuid ?? UUID(), purpose: .ipv6Firewall, trafficType: traffic, proto: proto, ports: ports,
                            icmpType: proto == .icmp ? (icmpType ?? -1) : nil, icmpCode: proto == .icmp ? (icmpCode ?? -1) : nil, ipAddressID: nil,
                            networkID: n.id, accountID: n.accountID, domainID: n.domainID, state: base?.state ?? .add, sourceCIDRs: sources,
                            destinationCIDRs: destinations, display: r.display ?? base?.display ?? true, created: base?.created ?? Date())
    }

    /// Refuses a rule equal in match to another IPv6 rule of the network (same direction).
    static func checkIPv6Conflicts(_ sql: any SQLDatabase, _ rule: FirewallRule) async throws {
        let others = try await FirewallRuleRepository.of(sql, networkID: rule.networkID).filter { $0.purpose == .ipv6Firewall }
        // The pure check knows firewall rules; IPv6 rules compare among themselves the same way.
        func asFirewall(_ r: FirewallRule) -> FirewallRule { var f = r; f.purpose = .firewall; return f }
        try RuleConflicts.check(asFirewall(rule), against: others.map(asFirewall), addressText: "IPv6 of network \(rule.networkID)")
    }

    /// `createIpv6FirewallRule`: made in state Add (an async create), applied by its job.
    public func createIPv6FirewallRule(caller: Caller, _ r: IPv6FirewallRequest) async throws -> RuleView {
        guard let networkID = r.networkID else { throw CloudError.missingParameter(command: "createIpv6FirewallRule", parameter: "networkid") }
        return try await db.transaction { sql in
            guard let n = try await NetworkRepository.find(sql, uuid: networkID) else { throw GuestNetworkService.notFound(networkID) }
            try await Ownership.checkAccess(sql, caller: caller, accountID: n.accountID, domainID: n.domainID, resource: "network \(n.name)")
            try await NetworkRepository.lockForRules(sql, id: n.id)
            var rule = try Self.ipv6Rule(r, network: n, base: nil)
            try await Self.checkIPv6Conflicts(sql, rule)
            rule = try await FirewallRuleRepository.insert(sql, rule)
            return try await self.ruleViews(sql, [(rule: rule, forwarding: nil)])[0]
        }
    }

    /// `updateIpv6FirewallRule`: protocol, ports, CIDRs, ICMP, direction, display.
    public func updateIPv6FirewallRule(caller: Caller, id: UUID, _ r: IPv6FirewallRequest) async throws -> RuleView {
        try await db.transaction { sql in
            let base = try await Self.ownedRule(sql, caller: caller, id: id, purpose: .ipv6Firewall, traffic: .ingress, anyTraffic: true, kind: "IPv6 firewall rule")
            guard let n = try await NetworkRepository.find(sql, id: base.networkID) else { throw CloudError.internalError() }
            try await NetworkRepository.lockForRules(sql, id: n.id)
            let rule = try Self.ipv6Rule(r, network: n, base: base)
            try await Self.checkIPv6Conflicts(sql, rule)
            try await FirewallRuleRepository.update(sql, rule)
            try await RouterRepository.bumpGeneration(sql, networkID: n.id)
            return try await self.ruleViews(sql, [(rule: rule, forwarding: nil)])[0]
        }
    }
}
