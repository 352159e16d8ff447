import Foundation

/// A security group (CloudStack's `security_group`): a named set of ingress and egress rules
/// owned by an account. Instances on networks with the SecurityGroup service are members of
/// one or more groups; their host enforces the union of their groups' rules.
public struct SecurityGroup: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var description: String?
    public var accountID: Int64
    public var domainID: Int64
    public var created: Date

    /// The group every account has (CloudStack's `SecurityGroupManager.DEFAULT_GROUP_NAME`).
    public static let defaultName = "default"
    public static let defaultDescription = "Default Security Group"

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, description: String?, accountID: Int64, domainID: Int64, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.description = description
        self.accountID = accountID
        self.domainID = domainID
        self.created = created
    }

    /// Whether this is the account's reserved `default` group (any letter case, as in CloudStack).
    public var isDefault: Bool { name.lowercased() == Self.defaultName }
}

/// Ingress rules admit traffic to members; egress rules let members send.
public enum SecurityGroupRuleType: String, Sendable, Codable, CaseIterable {
    case ingress
    case egress
}

/// The protocol of a security group rule: a named one, or any IP protocol number.
public enum SecurityGroupProtocol: Sendable, Hashable, Comparable, CustomStringConvertible {
    case named(RuleProtocol)
    /// An IP protocol number other than ICMP's 1 (e.g. 47 for GRE, 50 for ESP).
    case number(Int)

    /// As stored and shown: `tcp`, `udp`, `icmp`, `all`, or the number.
    public var description: String {
        switch self {
        case .named(let p): p.rawValue
        case .number(let n): String(n)
        }
    }

    /// Reads a stored value back.
    public init?(stored: String) {
        if let p = RuleProtocol(rawValue: stored) { self = .named(p) } else if let n = Int(stored), (0...255).contains(n) { self = .number(n) } else { return nil }
    }

    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }

    /// Whether rules of this protocol carry ports.
    public var hasPorts: Bool { if case .named(let p) = self { p.hasPorts } else { false } }
    public var isICMP: Bool { self == .named(.icmp) }
}

/// One stored rule of a group: a protocol with ports or ICMP type/code, and one source — a
/// CIDR, or another group whose running members' addresses are allowed.
public struct SecurityGroupRule: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var groupID: Int64
    public var type: SecurityGroupRuleType
    public var proto: SecurityGroupProtocol
    /// Ports of TCP and UDP rules (0–65535 when CloudStack's `0`/`0` "every port" was given).
    public var ports: PortRange?
    /// ICMP type and code; -1 is any.
    public var icmpType: Int?
    public var icmpCode: Int?
    /// The CIDR the rule admits (ingress) or allows sending to (egress); nil for a group reference.
    public var cidr: String?
    /// The group whose members the rule admits (`usersecuritygrouplist`); nil for a CIDR.
    public var allowedGroupID: Int64?
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), groupID: Int64, type: SecurityGroupRuleType, proto: SecurityGroupProtocol, ports: PortRange? = nil,
                icmpType: Int? = nil, icmpCode: Int? = nil, cidr: String? = nil, allowedGroupID: Int64? = nil, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.groupID = groupID
        self.type = type
        self.proto = proto
        self.ports = ports
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.cidr = cidr
        self.allowedGroupID = allowedGroupID
        self.created = created
    }

    /// Whether `other` matches the same traffic from the same source (CloudStack skips such
    /// duplicates instead of storing them twice).
    public func sameMatch(as other: SecurityGroupRule) -> Bool {
        type == other.type && proto == other.proto && ports == other.ports && icmpType == other.icmpType && icmpCode == other.icmpCode
            && cidr == other.cidr && allowedGroupID == other.allowedGroupID
    }
}

/// The validated match of an `authorizeSecurityGroupIngress`/`Egress` request: protocol,
/// ports or ICMP, and the CIDRs and group references it names (CloudStack's checks and
/// texts, on the shared `PortRange`, `RuleProtocol` and `RuleCIDRs` parsers).
public struct SecurityGroupRuleMatch: Sendable, Equatable {
    public var proto: SecurityGroupProtocol
    public var ports: PortRange?
    public var icmpType: Int?
    public var icmpCode: Int?
    /// Normalised IPv4 or IPv6 CIDRs, deduplicated, in the given order.
    public var cidrs: [String]

    /// A `usersecuritygrouplist` entry: a group of an account in the owner's domain.
    public struct GroupReference: Sendable, Hashable {
        public var account: String
        public var group: String
        public init(account: String, group: String) { self.account = account; self.group = group }
    }

    public init(proto: SecurityGroupProtocol, ports: PortRange? = nil, icmpType: Int? = nil, icmpCode: Int? = nil, cidrs: [String] = []) {
        self.proto = proto
        self.ports = ports
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.cidrs = cidrs
    }

    /// Validates a request. `cidrList` nil and no group references is refused; a missing
    /// protocol means `all`; protocol 1 is ICMP with any type and code; TCP and UDP need both
    /// ports (`0`/`0` means every port); ICMP needs type and code; `all` takes no ports.
    public static func parse(protocol text: String?, startPort: Int?, endPort: Int?, icmpType: Int?, icmpCode: Int?,
                             cidrList: [String]?, hasGroupReferences: Bool) throws(CloudError) -> SecurityGroupRuleMatch {
        if cidrList == nil && !hasGroupReferences {
            throw .invalidParameter("At least one cidr or at least one security group needs to be specified")
        }
        var cidrs: [String] = []
        for raw in (cidrList ?? []).map({ $0.trimmingCharacters(in: .whitespaces) }) where !raw.isEmpty {
            let normal: String
            if let v4 = try? RuleCIDRs.parse([raw], parameter: "cidrlist").first {
                normal = v4
            } else if let v6 = try? RuleCIDRs.parseIPv6([raw], parameter: "cidrlist", default: []).first {
                normal = v6
            } else {
                throw .invalidParameter("Invalid cidr \(raw)")
            }
            if !cidrs.contains(normal) { cidrs.append(normal) }
        }
        if cidrs.isEmpty && !hasGroupReferences {
            throw .invalidParameter("At least one cidr or at least one security group needs to be specified")
        }
        let word = (text ?? RuleProtocol.all.rawValue).trimmingCharacters(in: .whitespaces).lowercased()
        var icmpType = icmpType, icmpCode = icmpCode
        let proto: SecurityGroupProtocol
        if !word.isEmpty, word.allSatisfy(\.isNumber) {
            guard let n = Int(word), (0...255).contains(n) else { throw .invalidParameter("Invalid protocol number: \(word)") }
            if n == 1 {
                proto = .named(.icmp); icmpType = -1; icmpCode = -1
            } else {
                proto = .number(n)
            }
        } else {
            proto = .named(try RuleProtocol.parse(word, allowed: RuleProtocol.allCases, ruleKind: "security group rule"))
        }
        switch proto {
        case .named(.icmp):
            guard let t = icmpType, let c = icmpCode else {
                throw .invalidParameter("Invalid ICMP type/code specified, icmpType = \(icmpType.map(String.init) ?? "null"), icmpCode = \(icmpCode.map(String.init) ?? "null")")
            }
            try RuleCIDRs.checkICMP(proto: .icmp, type: t, code: c)
            if t == -1 && c != -1 { throw .invalidParameter("Invalid icmp code") }
            if t != -1 && c == -1 { throw .invalidParameter("Invalid icmp code: need non-negative icmp code ") }
            return SecurityGroupRuleMatch(proto: proto, icmpType: t, icmpCode: c, cidrs: cidrs)
        case .named(.tcp), .named(.udp):
            guard let start = startPort, let end = endPort else {
                throw .invalidParameter("Invalid port range specified, startPort = \(startPort.map(String.init) ?? "null"), endPort = \(endPort.map(String.init) ?? "null")")
            }
            try RuleCIDRs.checkICMP(proto: .tcp, type: icmpType, code: icmpCode)
            // CloudStack's spelling of "every port".
            if start == 0 && end == 0 { return SecurityGroupRuleMatch(proto: proto, ports: PortRange(uncheckedStart: 0, end: 65535), cidrs: cidrs) }
            return SecurityGroupRuleMatch(proto: proto, ports: try PortRange(start: start, end: end), cidrs: cidrs)
        default:
            if startPort != nil || endPort != nil {
                throw .invalidParameter("Cannot specify startPort or endPort without specifying protocol")
            }
            if icmpType != nil || icmpCode != nil { throw .invalidParameter("Can specify icmpCode and icmpType for ICMP protocol only") }
            return SecurityGroupRuleMatch(proto: proto, cidrs: cidrs)
        }
    }

    /// The rule for one source (a CIDR or a group) in `groupID`.
    public func rule(groupID: Int64, type: SecurityGroupRuleType, cidr: String? = nil, allowedGroupID: Int64? = nil, created: Date = Date()) -> SecurityGroupRule {
        SecurityGroupRule(groupID: groupID, type: type, proto: proto, ports: ports, icmpType: icmpType, icmpCode: icmpCode, cidr: cidr,
                          allowedGroupID: allowedGroupID, created: created)
    }
}
