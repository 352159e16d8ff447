/// The conflict check CloudStack runs before adding a rule to a public address (ingress) or
/// to a network (egress), as a pure function over the rules already there.
///
/// - Static NAT excludes port forwarding and load balancing on the same address, both ways.
/// - Port ranges of port forwarding and load-balancing rules on one address may not overlap,
///   except two port forwarding rules or two load-balancing rules of different protocols.
/// - Firewall rules never conflict with forwarding rules (they filter, the others forward).
///   Two firewall rules conflict only when they have the same protocol and the same source
///   (and destination) CIDRs, and their ports overlap — or both have no ports, or both are
///   ICMP with the same type and code.
public enum RuleConflicts {
    /// Throws CloudStack's error for the first conflict of `new` with `existing`; rules in
    /// Revoke state and `new` itself (same id) are ignored.
    public static func check(_ new: FirewallRule, against existing: [FirewallRule], addressText: String) throws(CloudError) {
        for rule in existing where rule.id != new.id {
            guard rule.state != .revoke, rule.trafficType == new.trafficType else { continue }
            if new.trafficType == .ingress, rule.ipAddressID != new.ipAddressID { continue }
            if new.trafficType == .egress, rule.networkID != new.networkID { continue }

            let purposes = (rule.purpose, new.purpose)
            let oneIsFirewall = (purposes.0 == .firewall || purposes.1 == .firewall) && (purposes.0 != purposes.1 || rule.proto != new.proto)
            let bothFirewall = purposes.0 == .firewall && purposes.1 == .firewall
            let sameCIDRs = bothFirewall && Set(rule.sourceCIDRs) == Set(new.sourceCIDRs) && Set(rule.destinationCIDRs) == Set(new.destinationCIDRs)

            if !oneIsFirewall {
                if purposes.0 == .staticNat && purposes.1 != .staticNat {
                    throw CloudError(.networkRuleConflict, "There is 1 to 1 NAT (static NAT) enabled on the IP address \(addressText); remove it before adding \(new.purpose.rawValue) rules",
                                     csCode: .networkRuleConflict)
                }
                if purposes.0 != .staticNat && purposes.1 == .staticNat {
                    throw CloudError(.networkRuleConflict, "There is already a \(rule.purpose.rawValue) rule for the IP address \(addressText); static NAT needs an address without port forwarding or load-balancing rules",
                                     csCode: .networkRuleConflict)
                }
            }
            if rule.networkID != new.networkID {
                throw CloudError(.networkRuleConflict, "New rule is for a different network than what's specified in rule \(rule.uuid.uuidString.lowercased())",
                                 csCode: .networkRuleConflict)
            }
            if bothFirewall && sameCIDRs && rule.proto == new.proto {
                if new.proto == .icmp {
                    if (rule.icmpType ?? -1) == (new.icmpType ?? -1) && (rule.icmpCode ?? -1) == (new.icmpCode ?? -1) {
                        throw CloudError(.networkRuleConflict, "New rule conflicts with existing rule \(rule.uuid.uuidString.lowercased()): same ICMP type and code for the same CIDRs",
                                         csCode: .networkRuleConflict)
                    }
                    continue
                }
                if rule.ports == nil && new.ports == nil {
                    throw CloudError(.networkRuleConflict, "There is already a firewall rule specified with protocol = \(new.proto.rawValue) and no ports",
                                     csCode: .networkRuleConflict)
                }
            }
            guard let a = rule.ports, let b = new.ports, a.overlaps(b) else { continue }
            if oneIsFirewall || (bothFirewall && !sameCIDRs) { continue }
            // Forwarding rules of different protocols may share ports.
            if purposes.0 == purposes.1 && (purposes.0 == .portForwarding || purposes.0 == .loadBalancing) && rule.proto != new.proto { continue }
            throw CloudError(.networkRuleConflict, "The range specified, \(b.start)-\(b.end), conflicts with rule \(rule.uuid.uuidString.lowercased()) which has \(a.start)-\(a.end)",
                             csCode: .networkRuleConflict)
        }
    }
}
