import Foundation

/// A named, ordered list of ACL items that VPC tiers (and private gateways) use in place of a
/// firewall. The two built-in lists, `default_allow` and `default_deny`, belong to no VPC and
/// can't be changed; the others belong to one VPC.
public struct NetworkACLList: Sendable, Equatable {
    /// The names of the built-in lists.
    public static let defaultAllow = "default_allow"
    public static let defaultDeny = "default_deny"

    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var description: String
    /// nil for the built-in lists.
    public var vpcID: Int64?
    public var display: Bool
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, description: String, vpcID: Int64?, display: Bool = true, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.name = name; self.description = description; self.vpcID = vpcID; self.display = display; self.created = created
    }

    /// Whether this is `default_allow` or `default_deny`.
    public var isBuiltIn: Bool { vpcID == nil }
}

/// What an ACL item does with the traffic it matches.
public enum ACLAction: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case allow = "Allow"
    case deny = "Deny"
}

/// One rule of an ACL list. Items are evaluated by ascending `number`; the first match decides.
public struct NetworkACLItem: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var aclID: Int64
    public var number: Int
    public var action: ACLAction
    public var trafficType: RuleTrafficType
    /// `tcp`, `udp`, `icmp`, `all`, or an IP protocol number (0–255) as text.
    public var proto: String
    public var ports: PortRange?
    public var icmpType: Int?
    public var icmpCode: Int?
    public var cidrs: [String]
    public var reason: String?
    public var state: RuleState
    public var display: Bool
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), aclID: Int64, number: Int, action: ACLAction, trafficType: RuleTrafficType, proto: String,
                ports: PortRange? = nil, icmpType: Int? = nil, icmpCode: Int? = nil, cidrs: [String], reason: String? = nil, state: RuleState = .active,
                display: Bool = true, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.aclID = aclID; self.number = number; self.action = action; self.trafficType = trafficType
        self.proto = proto; self.ports = ports; self.icmpType = icmpType; self.icmpCode = icmpCode; self.cidrs = cidrs; self.reason = reason
        self.state = state; self.display = display; self.created = created
    }
}

/// The fields of an ACL item as `createNetworkACL` / `updateNetworkACLItem` give them, checked
/// with CloudStack's rules.
public struct NetworkACLItemInput: Sendable, Equatable {
    public var proto: String
    public var startPort: Int?
    public var endPort: Int?
    public var icmpType: Int?
    public var icmpCode: Int?
    public var cidrList: [String]?
    public var action: String?
    public var trafficType: String?

    public init(proto: String, startPort: Int? = nil, endPort: Int? = nil, icmpType: Int? = nil, icmpCode: Int? = nil, cidrList: [String]? = nil,
                action: String? = nil, trafficType: String? = nil) {
        self.proto = proto; self.startPort = startPort; self.endPort = endPort; self.icmpType = icmpType; self.icmpCode = icmpCode
        self.cidrList = cidrList; self.action = action; self.trafficType = trafficType
    }

    /// The checked values: protocol (normalised), ports, ICMP type and code, CIDRs (default
    /// 0.0.0.0/0), action (default Allow) and traffic type (default Ingress).
    public struct Checked: Sendable, Equatable {
        public var proto: String
        public var ports: PortRange?
        public var icmpType: Int?
        public var icmpCode: Int?
        public var cidrs: [String]
        public var action: ACLAction
        public var trafficType: RuleTrafficType
    }

    public func checked() throws(CloudError) -> Checked {
        let text = proto.trimmingCharacters(in: .whitespaces).lowercased()
        let normal: String
        if let known = RuleProtocol(rawValue: text) {
            normal = known.rawValue
        } else if let number = Int(text), (0...255).contains(number) {
            normal = String(number)
        } else {
            throw .invalidParameter("Invalid protocol \(proto): use tcp, udp, icmp, all or a protocol number from 0 to 255")
        }
        let isICMP = normal == "icmp" || normal == "1"
        let hasPorts = normal == "tcp" || normal == "udp"
        if !hasPorts && (startPort != nil || endPort != nil) {
            throw .invalidParameter("Can specify start/end port only for protocols tcp and udp; \(normal) has no ports")
        }
        if !isICMP && (icmpType != nil || icmpCode != nil) {
            throw .invalidParameter("Can specify icmpCode and icmpType for ICMP protocol only")
        }
        for (name, v) in [("icmptype", icmpType), ("icmpcode", icmpCode)] {
            if let v, !(-1...255).contains(v) { throw .invalidParameter("Invalid \(name) \(v): use -1 (any) or 0 to 255") }
        }
        var ports: PortRange?
        if let s = startPort {
            ports = try PortRange(start: s, end: endPort)
        } else if let e = endPort {
            throw .invalidParameter("endport \(e) is given without startport")
        }
        let cidrs = try RuleCIDRs.parse(cidrList, parameter: "cidrlist")
        var action = ACLAction.allow
        if let a = self.action {
            guard let parsed = ACLAction(caseInsensitive: a) else { throw .invalidParameter("Invalid action. Allowed actions are Allow and Deny") }
            action = parsed
        }
        let traffic = try trafficType.map(RuleTrafficType.parse) ?? .ingress
        return Checked(proto: normal, ports: ports, icmpType: isICMP ? (icmpType ?? -1) : nil, icmpCode: isICMP ? (icmpCode ?? -1) : nil,
                       cidrs: cidrs, action: action, trafficType: traffic)
    }
}
