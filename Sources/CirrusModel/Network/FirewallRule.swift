import Foundation

/// What a rule on a public address or network is for (CloudStack's `FirewallRule.Purpose`).
public enum RulePurpose: String, Sendable, Codable, CaseIterable {
    case firewall = "Firewall"
    case portForwarding = "PortForwarding"
    case loadBalancing = "LoadBalancing"
    case staticNat = "StaticNat"
    /// IPv6 firewall rules of a dual-stack network (4.17), ingress or egress.
    case ipv6Firewall = "Ipv6Firewall"
    /// The UDP ports (500, 1701, 4500) a remote access VPN reserves on its address.
    case vpn = "Vpn"
}

/// Ingress rules belong to a public address; egress rules to a guest network.
public enum RuleTrafficType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case ingress = "Ingress"
    case egress = "Egress"

    /// Parses `traffictype` case-insensitively; a 431 naming the accepted values otherwise.
    public static func parse(_ text: String) throws(CloudError) -> RuleTrafficType {
        guard let t = RuleTrafficType(caseInsensitive: text) else { throw .invalidParameter("Invalid traffictype \(text): use Ingress or Egress") }
        return t
    }
}

/// A rule's life: created (Add), applied (Active), being removed (Revoke).
public enum RuleState: String, Sendable, Codable, CaseIterable {
    case add = "Add"
    case active = "Active"
    case revoke = "Revoke"
}

/// The protocol a rule matches.
public enum RuleProtocol: String, Sendable, Codable, CaseIterable {
    case tcp
    case udp
    case icmp
    case all

    /// Parses `protocol` case-insensitively, refusing those not in `allowed` with a 431 that
    /// lists what is accepted.
    public static func parse(_ text: String, allowed: [RuleProtocol], ruleKind: String) throws(CloudError) -> RuleProtocol {
        guard let p = RuleProtocol(rawValue: text.lowercased()), allowed.contains(p) else {
            throw CloudError.invalidParameter("Unable to create \(ruleKind); protocol \(text) is not supported: use \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        return p
    }

    /// Whether rules of this protocol carry ports.
    public var hasPorts: Bool { self == .tcp || self == .udp }
}

/// A rule as CloudStack keeps it in `firewall_rules`: every purpose shares these columns,
/// and port forwarding and load balancing add their own details beside it.
public struct FirewallRule: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var purpose: RulePurpose
    public var trafficType: RuleTrafficType
    public var proto: RuleProtocol
    /// Public (source) ports; nil for ICMP, `all`, and port-less rules.
    public var ports: PortRange?
    /// ICMP type and code; -1 means any.
    public var icmpType: Int?
    public var icmpCode: Int?
    /// The public address of an ingress rule; nil for egress rules.
    public var ipAddressID: Int64?
    public var networkID: Int64
    public var accountID: Int64
    public var domainID: Int64
    public var state: RuleState
    /// Sources the rule admits (ingress) or guest sources it covers (egress).
    public var sourceCIDRs: [String]
    /// Destinations of an egress rule.
    public var destinationCIDRs: [String]
    public var display: Bool
    /// The firewall rule a port forwarding or load-balancing rule opened (`openfirewall`).
    public var relatedRuleID: Int64?
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), purpose: RulePurpose, trafficType: RuleTrafficType = .ingress, proto: RuleProtocol,
                ports: PortRange? = nil, icmpType: Int? = nil, icmpCode: Int? = nil, ipAddressID: Int64?, networkID: Int64, accountID: Int64,
                domainID: Int64, state: RuleState = .add, sourceCIDRs: [String] = [], destinationCIDRs: [String] = [], display: Bool = true,
                relatedRuleID: Int64? = nil, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.purpose = purpose
        self.trafficType = trafficType
        self.proto = proto
        self.ports = ports
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.ipAddressID = ipAddressID
        self.networkID = networkID
        self.accountID = accountID
        self.domainID = domainID
        self.state = state
        self.sourceCIDRs = sourceCIDRs
        self.destinationCIDRs = destinationCIDRs
        self.display = display
        self.relatedRuleID = relatedRuleID
        self.created = created
    }
}

/// Port forwarding: (public address, protocol, public ports) to (guest address, private ports).
public struct PortForwardingRule: Sendable, Equatable {
    public var rule: FirewallRule
    public var instanceID: Int64
    public var guestIP: String
    public var privatePorts: PortRange

    public init(rule: FirewallRule, instanceID: Int64, guestIP: String, privatePorts: PortRange) {
        self.rule = rule
        self.instanceID = instanceID
        self.guestIP = guestIP
        self.privatePorts = privatePorts
    }
}

/// How a load balancer picks a member.
public enum LBAlgorithm: String, Sendable, Codable, CaseIterable {
    case roundrobin
    case leastconn
    case source
}

/// The protocol a load balancer speaks (`tcp-proxy` passes the client address with the
/// PROXY protocol).
public enum LBProtocol: String, Sendable, Codable, CaseIterable {
    case tcp
    case udp
    case tcpProxy = "tcp-proxy"
}

/// A load-balancing rule on a public address and port, with its members.
public struct LoadBalancerRule: Sendable, Equatable {
    public var rule: FirewallRule
    public var name: String
    public var description: String?
    public var algorithm: LBAlgorithm
    public var privatePort: Int
    public var lbProtocol: LBProtocol

    public init(rule: FirewallRule, name: String, description: String?, algorithm: LBAlgorithm, privatePort: Int, lbProtocol: LBProtocol) {
        self.rule = rule
        self.name = name
        self.description = description
        self.algorithm = algorithm
        self.privatePort = privatePort
        self.lbProtocol = lbProtocol
    }
}

/// One instance address behind a load-balancing rule.
public struct LoadBalancerMember: Sendable, Hashable {
    public var ruleID: Int64
    public var instanceID: Int64
    public var guestIP: String

    public init(ruleID: Int64, instanceID: Int64, guestIP: String) {
        self.ruleID = ruleID
        self.instanceID = instanceID
        self.guestIP = guestIP
    }
}

/// Stickiness methods of the virtual router's load balancer.
public enum LBStickinessMethod: String, Sendable, Codable, CaseIterable {
    case lbCookie = "LbCookie"
    case appCookie = "AppCookie"
    case sourceBased = "SourceBased"

    /// Parameters each method accepts (CloudStack's haproxy capability list).
    public var acceptedParameters: Set<String> {
        switch self {
        case .lbCookie: ["cookie-name", "mode", "nocache", "indirect", "postonly", "domain"]
        case .appCookie: ["cookie-name", "length", "holdtime", "request-learn", "prefix", "mode"]
        case .sourceBased: ["tablesize", "expire"]
        }
    }
}

/// A stickiness or health-check policy of a load-balancing rule.
public struct LBPolicy: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case stickiness = "Stickiness", healthCheck = "HealthCheck" }

    public var id: Int64
    public var uuid: UUID
    public var ruleID: Int64
    public var kind: Kind
    /// Stickiness: its name and method with parameters.
    public var name: String?
    public var method: LBStickinessMethod?
    public var params: [String: String]
    public var description: String?
    /// Health check: what to probe and how often.
    public var pingPath: String?
    public var responseTimeout: Int?
    public var interval: Int?
    public var healthyThreshold: Int?
    public var unhealthyThreshold: Int?
    public var display: Bool
    public var revoked: Bool

    public init(id: Int64 = 0, uuid: UUID = UUID(), ruleID: Int64, kind: Kind, name: String? = nil, method: LBStickinessMethod? = nil,
                params: [String: String] = [:], description: String? = nil, pingPath: String? = nil, responseTimeout: Int? = nil,
                interval: Int? = nil, healthyThreshold: Int? = nil, unhealthyThreshold: Int? = nil, display: Bool = true, revoked: Bool = false) {
        self.id = id
        self.uuid = uuid
        self.ruleID = ruleID
        self.kind = kind
        self.name = name
        self.method = method
        self.params = params
        self.description = description
        self.pingPath = pingPath
        self.responseTimeout = responseTimeout
        self.interval = interval
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.display = display
        self.revoked = revoked
    }
}

/// Parsing of rule CIDR lists (`cidrlist`, `destcidrlist`).
public enum RuleCIDRs {
    /// Each entry must be an IPv4 CIDR (host bits allowed, as CloudStack allows); the result
    /// is normalised and deduplicated, in the given order. An absent or empty list gives
    /// `defaultList`.
    public static func parse(_ list: [String]?, parameter: String, default defaultList: [String] = ["0.0.0.0/0"]) throws(CloudError) -> [String] {
        let items = (list ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { return defaultList }
        var out: [String] = []
        for item in items {
            let text = item.contains("/") ? item : "\(item)/32"
            guard let cidr = IPv4CIDR(text) else {
                throw CloudError.invalidParameter("Invalid \(parameter) entry \(item): expected an IPv4 CIDR such as 203.0.113.0/24")
            }
            let normal = cidr.description
            if !out.contains(normal) { out.append(normal) }
        }
        return out
    }

    /// Each entry must be an IPv6 CIDR (or a single address); normalised and deduplicated.
    public static func parseIPv6(_ list: [String]?, parameter: String, default defaultList: [String]) throws(CloudError) -> [String] {
        let items = (list ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { return defaultList }
        var out: [String] = []
        for item in items {
            guard let cidr = IPv6CIDR(item.contains("/") ? item : "\(item)/128") else {
                throw CloudError.invalidParameter("Invalid \(parameter) entry \(item): expected an IPv6 CIDR such as 2001:db8::/32")
            }
            if !out.contains(cidr.description) { out.append(cidr.description) }
        }
        return out
    }

    /// Validates ICMP type and code: -1 (any) or 0–255, and only for ICMP.
    public static func checkICMP(proto: RuleProtocol, type: Int?, code: Int?) throws(CloudError) {
        if proto != .icmp {
            if type != nil || code != nil { throw CloudError.invalidParameter("Can specify icmpCode and icmpType for ICMP protocol only") }
            return
        }
        for (name, v) in [("icmptype", type), ("icmpcode", code)] {
            if let v, !(-1...255).contains(v) { throw CloudError.invalidParameter("Invalid \(name) \(v): use -1 (any) or 0 to 255") }
        }
    }
}
