import CirrusModel
import Foundation
import Testing

/// Port ranges, rule CIDR lists and CloudStack's conflict check for rules on one public
/// address or network.
@Suite("Rule values and conflicts")
struct RuleConflictsTests {
    func rule(_ id: Int64, _ purpose: RulePurpose, _ proto: RuleProtocol = .tcp, _ ports: ClosedRange<Int>? = nil, ip: Int64? = 1, network: Int64 = 10,
              cidrs: [String] = ["0.0.0.0/0"], traffic: RuleTrafficType = .ingress, icmp: (Int, Int)? = nil, state: RuleState = .active) -> FirewallRule {
        FirewallRule(id: id, purpose: purpose, trafficType: traffic, proto: proto, ports: ports.map { PortRange(uncheckedStart: $0.lowerBound, end: $0.upperBound) },
                     icmpType: icmp?.0, icmpCode: icmp?.1, ipAddressID: ip, networkID: network, accountID: 2, domainID: 1, state: state, sourceCIDRs: cidrs)
    }

    func conflict(_ new: FirewallRule, _ existing: [FirewallRule]) -> CloudError? {
        do { try RuleConflicts.check(new, against: existing, addressText: "192.0.2.10"); return nil } catch { return error }
    }

    @Test("port ranges: 1–65535, start ≤ end, a missing end is one port; errors name the parameter")
    func portRanges() throws {
        #expect(try PortRange(start: 22).description == "22")
        #expect(try PortRange(start: 8000, end: 8080).count == 81)
        for (start, end, needle) in [(0, 10, "startport"), (10, 70000, "endport"), (-1, nil, "startport"), (65536, nil, "startport")] as [(Int, Int?, String)] {
            #expect(throws: CloudError.self) { try PortRange(start: start, end: end) }
            do { _ = try PortRange(start: start, end: end) } catch { #expect(error.message.contains(needle), "\(error.message)"); #expect(error.code == .parameterError) }
        }
        do { _ = try PortRange(start: 90, end: 80, startName: "publicport", endName: "publicendport") } catch {
            #expect(error.message.contains("Start port can't be bigger than end port"), "\(error.message)")
            #expect(error.message.contains("publicport 90"))
        }
        let a = PortRange(uncheckedStart: 80, end: 90), b = PortRange(uncheckedStart: 90, end: 100), c = PortRange(uncheckedStart: 91, end: 100)
        #expect(a.overlaps(b) && b.overlaps(a))
        #expect(!a.overlaps(c) && !c.overlaps(a))
    }

    @Test("CIDR lists default to 0.0.0.0/0, are normalised and deduplicated, and refuse non-IPv4 entries")
    func cidrLists() throws {
        #expect(try RuleCIDRs.parse(nil, parameter: "cidrlist") == ["0.0.0.0/0"])
        #expect(try RuleCIDRs.parse(["10.1.1.7/24", " 10.1.1.0/24", "203.0.113.5"], parameter: "cidrlist") == ["10.1.1.0/24", "203.0.113.5/32"])
        #expect(throws: CloudError.self) { try RuleCIDRs.parse(["10.1.1.0/33"], parameter: "cidrlist") }
        #expect(throws: CloudError.self) { try RuleCIDRs.parse(["fd00::/64"], parameter: "cidrlist") }
        #expect(throws: CloudError.self) { try RuleCIDRs.checkICMP(proto: .tcp, type: 8, code: nil) }
        #expect(throws: CloudError.self) { try RuleCIDRs.checkICMP(proto: .icmp, type: 256, code: 0) }
        try RuleCIDRs.checkICMP(proto: .icmp, type: -1, code: -1)
        #expect(throws: CloudError.self) { try RuleProtocol.parse("gre", allowed: [.tcp, .udp], ruleKind: "port forwarding rule") }
        #expect(try RuleProtocol.parse("TCP", allowed: [.tcp], ruleKind: "x") == .tcp)
    }

    @Test("overlapping forwarding ports on one address conflict (537) unless the protocols differ; other addresses and revoked rules do not count")
    func forwardingOverlap() {
        let existing = [rule(1, .portForwarding, .tcp, 80...90)]
        let clash = conflict(rule(0, .portForwarding, .tcp, 85...95), existing)
        #expect(clash?.code == .networkRuleConflict)
        #expect(clash?.message.contains("The range specified, 85-95, conflicts with rule") == true, "\(String(describing: clash?.message))")
        #expect(clash?.message.contains("which has 80-90") == true)
        #expect(conflict(rule(0, .portForwarding, .udp, 80...90), existing) == nil)
        #expect(conflict(rule(0, .portForwarding, .tcp, 91...95), existing) == nil)
        #expect(conflict(rule(0, .portForwarding, .tcp, 80...90, ip: 2), existing) == nil)
        #expect(conflict(rule(0, .portForwarding, .tcp, 80...90), [rule(1, .portForwarding, .tcp, 80...90, state: .revoke)]) == nil)
        // Load balancing and port forwarding share the address's ports.
        #expect(conflict(rule(0, .loadBalancing, .tcp, 80...80), existing)?.code == .networkRuleConflict)
        #expect(conflict(rule(0, .loadBalancing, .tcp, 443...443), existing) == nil)
    }

    @Test("static NAT excludes forwarding rules on the address, both ways; firewall rules coexist with both")
    func staticNat() {
        let nat = rule(1, .staticNat, .all)
        #expect(conflict(rule(0, .portForwarding, .tcp, 22...22), [nat])?.message.contains("static NAT") == true)
        #expect(conflict(rule(0, .loadBalancing, .tcp, 80...80), [nat])?.code == .networkRuleConflict)
        #expect(conflict(rule(0, .staticNat, .all), [rule(1, .portForwarding, .tcp, 22...22)])?.code == .networkRuleConflict)
        #expect(conflict(rule(0, .firewall, .tcp, 22...22), [nat]) == nil)
        #expect(conflict(rule(0, .staticNat, .all), [rule(1, .firewall, .tcp, 22...22)]) == nil)
        #expect(conflict(rule(0, .firewall, .tcp, 22...22), [rule(1, .portForwarding, .tcp, 22...22)]) == nil)
    }

    @Test("firewall rules conflict only with the same protocol and CIDRs and overlapping ports, or both port-less, or the same ICMP type and code")
    func firewall() {
        let ssh = rule(1, .firewall, .tcp, 22...22)
        #expect(conflict(rule(0, .firewall, .tcp, 20...30), [ssh])?.code == .networkRuleConflict)
        #expect(conflict(rule(0, .firewall, .tcp, 20...30, cidrs: ["10.0.0.0/8"]), [ssh]) == nil)
        #expect(conflict(rule(0, .firewall, .udp, 22...22), [ssh]) == nil)
        let all = rule(1, .firewall, .all)
        #expect(conflict(rule(0, .firewall, .all), [all])?.message.contains("protocol = all and no ports") == true)
        #expect(conflict(rule(0, .firewall, .all, cidrs: ["198.51.100.0/24"]), [all]) == nil)
        let ping = rule(1, .firewall, .icmp, icmp: (8, 0))
        #expect(conflict(rule(0, .firewall, .icmp, icmp: (8, 0)), [ping])?.code == .networkRuleConflict)
        #expect(conflict(rule(0, .firewall, .icmp, icmp: (0, 0)), [ping]) == nil)
    }

    @Test("egress rules are checked within their network, apart from ingress rules")
    func egress() {
        let out = rule(1, .firewall, .tcp, 80...80, ip: nil, traffic: .egress)
        #expect(conflict(rule(0, .firewall, .tcp, 80...80, ip: nil, traffic: .egress), [out])?.code == .networkRuleConflict)
        #expect(conflict(rule(0, .firewall, .tcp, 80...80, ip: nil, network: 11, traffic: .egress), [out]) == nil)
        #expect(conflict(rule(0, .firewall, .tcp, 80...80, ip: 1), [out]) == nil)
    }
}
