import Foundation

/// What a host enforces for one instance NIC on a security-group network (CloudStack's
/// `SecurityGroupRulesCmd`): the union of the ingress and egress rules of the instance's
/// groups, with group references already expanded to the member instances' addresses.
/// Rules with the same protocol and ports are merged; everything is sorted, so the same
/// inputs give the same document. A host keeps the highest `sequence` it has seen per
/// instance and ignores older ones.
public struct SecurityGroupRuleSet: Codable, Sendable, Equatable {
    /// One allowed match: protocol (`tcp`, `udp`, `icmp`, `all` or a number), ports (TCP and
    /// UDP) or ICMP type and code (-1 any), and the CIDRs it applies to (sources for
    /// ingress, destinations for egress), sorted.
    public struct Rule: Codable, Sendable, Hashable, Comparable {
        public var proto: String
        public var startPort: Int?
        public var endPort: Int?
        public var icmpType: Int?
        public var icmpCode: Int?
        public var cidrs: [String]

        public init(proto: String, startPort: Int? = nil, endPort: Int? = nil, icmpType: Int? = nil, icmpCode: Int? = nil, cidrs: [String]) {
            self.proto = proto
            self.startPort = startPort
            self.endPort = endPort
            self.icmpType = icmpType
            self.icmpCode = icmpCode
            self.cidrs = cidrs
        }

        public static func < (a: Rule, b: Rule) -> Bool {
            (a.proto, a.startPort ?? -2, a.endPort ?? -2, a.icmpType ?? -2, a.icmpCode ?? -2) < (b.proto, b.startPort ?? -2, b.endPort ?? -2, b.icmpType ?? -2, b.icmpCode ?? -2)
        }
    }

    /// The hypervisor's name of the instance (`i-2-10-VM`).
    public var instanceName: String
    public var instanceUUID: String
    /// The NIC the rules apply to: its MAC, IPv4 and IPv6 addresses.
    public var macAddress: String
    public var ipv4Address: String?
    public var ipv6Address: String?
    /// Increases with every rule set sent for the instance.
    public var sequence: Int64
    /// Digest of the rules (independent of `sequence`): equal rules, equal signature.
    public var signature: String
    public var ingress: [Rule]
    public var egress: [Rule]
    /// True when the instance's groups have no egress rule: everything may leave (CloudStack's
    /// behaviour); once an egress rule exists, only what the egress rules allow leaves.
    public var egressAllowAll: Bool

    public init(instanceName: String, instanceUUID: String, macAddress: String, ipv4Address: String?, ipv6Address: String?, sequence: Int64,
                signature: String, ingress: [Rule], egress: [Rule], egressAllowAll: Bool) {
        self.instanceName = instanceName
        self.instanceUUID = instanceUUID
        self.macAddress = macAddress
        self.ipv4Address = ipv4Address
        self.ipv6Address = ipv6Address
        self.sequence = sequence
        self.signature = signature
        self.ingress = ingress
        self.egress = egress
        self.egressAllowAll = egressAllowAll
    }

    /// Why a host refused a rule set.
    public struct InvalidRuleSet: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Checks what a host needs before it applies the set: a name and MAC, sorted rules with
    /// at least one CIDR each, ports only on TCP/UDP within 0–65535 and in order.
    public func validate() throws(InvalidRuleSet) {
        guard !instanceName.isEmpty, !macAddress.isEmpty else { throw InvalidRuleSet("A security group rule set needs the instance name and MAC") }
        for (kind, rules) in [("ingress", ingress), ("egress", egress)] {
            guard rules == rules.sorted() else { throw InvalidRuleSet("The \(kind) rules of \(instanceName) are not sorted") }
            for r in rules {
                guard !r.cidrs.isEmpty else { throw InvalidRuleSet("An \(kind) rule of \(instanceName) has no CIDR") }
                if let s = r.startPort, let e = r.endPort {
                    guard r.proto == "tcp" || r.proto == "udp", 0 <= s, s <= e, e <= 65535 else {
                        throw InvalidRuleSet("An \(kind) rule of \(instanceName) has bad ports \(s)-\(e) for \(r.proto)")
                    }
                }
            }
        }
    }
}
