import CirrusModel
import Foundation
import Testing

/// What `authorizeSecurityGroupIngress`/`Egress` accept: CloudStack's checks and texts on the
/// shared port, protocol and CIDR parsers.
@Suite("Security group rule matches")
struct SecurityGroupModelTests {
    func parse(_ proto: String?, _ start: Int? = nil, _ end: Int? = nil, type: Int? = nil, code: Int? = nil, cidrs: [String]? = ["0.0.0.0/0"],
               groups: Bool = false) throws(CloudError) -> SecurityGroupRuleMatch {
        try SecurityGroupRuleMatch.parse(protocol: proto, startPort: start, endPort: end, icmpType: type, icmpCode: code, cidrList: cidrs, hasGroupReferences: groups)
    }

    func error(_ body: () throws -> SecurityGroupRuleMatch) -> String? {
        do { _ = try body(); return nil } catch {
            guard let e = error as? CloudError else { return "not a CloudError: \(error)" }
            return e.code == .parameterError ? e.message : "code \(e.code)"
        }
    }

    @Test("protocols: names in any case, all by default, numbers 0–255 with 1 meaning ICMP any")
    func protocols() throws {
        #expect(try parse("TCP", 80, 80).proto == .named(.tcp))
        #expect(try parse(nil).proto == .named(.all))
        #expect(try parse("47").proto == .number(47))
        let one = try parse("1")
        #expect(one.proto == .named(.icmp) && one.icmpType == -1 && one.icmpCode == -1)
        #expect(error { try parse("300") } == "Invalid protocol number: 300")
        #expect(error { try parse("gre") }?.contains("protocol gre is not supported") == true)
        #expect(SecurityGroupProtocol(stored: "47") == .number(47) && SecurityGroupProtocol(stored: "udp") == .named(.udp))
        #expect(SecurityGroupProtocol(stored: "x") == nil)
    }

    @Test("ports: TCP and UDP need both; 0/0 is every port; ranges are checked by PortRange; others take none")
    func ports() throws {
        #expect(try parse("udp", 53, 53).ports == PortRange(uncheckedStart: 53, end: 53))
        #expect(try parse("tcp", 0, 0).ports == PortRange(uncheckedStart: 0, end: 65535))
        #expect(error { try parse("tcp", 80) } == "Invalid port range specified, startPort = 80, endPort = null")
        #expect(error { try parse("tcp", 90, 80) }?.hasPrefix("Start port can't be bigger than end port") == true)
        #expect(error { try parse("tcp", 1, 65536) }?.hasPrefix("endport is an invalid value") == true)
        #expect(error { try parse("all", 1, 2) } == "Cannot specify startPort or endPort without specifying protocol")
        #expect(error { try parse("tcp", 80, 80, type: 8, code: 0) } == "Can specify icmpCode and icmpType for ICMP protocol only")
    }

    @Test("ICMP: type and code both given, -1 together, 0–255")
    func icmp() throws {
        let echo = try parse("icmp", type: 8, code: 0)
        #expect(echo.icmpType == 8 && echo.icmpCode == 0 && echo.ports == nil)
        #expect(try parse("icmp", type: -1, code: -1).icmpType == -1)
        #expect(error { try parse("icmp", type: 8) }?.hasPrefix("Invalid ICMP type/code specified") == true)
        #expect(error { try parse("icmp", type: -1, code: 0) } == "Invalid icmp code")
        #expect(error { try parse("icmp", type: 3, code: -1) } == "Invalid icmp code: need non-negative icmp code ")
        #expect(error { try parse("icmp", type: 256, code: 0) }?.hasPrefix("Invalid icmptype 256") == true)
    }

    @Test("sources: IPv4 and IPv6 CIDRs normalised and deduplicated, single addresses become hosts; a CIDR or a group is needed")
    func sources() throws {
        #expect(try parse("tcp", 22, 22, cidrs: ["10.1.2.3", "10.0.0.0/8", "10.1.2.3/32", "2001:db8::/32"]).cidrs == ["10.1.2.3/32", "10.0.0.0/8", "2001:db8::/32"])
        #expect(error { try parse("tcp", 22, 22, cidrs: ["10.0.0.256/8"]) } == "Invalid cidr 10.0.0.256/8")
        #expect(error { try parse("tcp", 22, 22, cidrs: nil) } == "At least one cidr or at least one security group needs to be specified")
        #expect(try parse("tcp", 22, 22, cidrs: nil, groups: true).cidrs.isEmpty)
    }

    @Test("rules made from a match; duplicates are recognised; the default group's name in any case")
    func rules() throws {
        let m = try parse("tcp", 80, 81, cidrs: ["192.0.2.0/24"])
        let a = m.rule(groupID: 1, type: .ingress, cidr: "192.0.2.0/24")
        var b = m.rule(groupID: 1, type: .ingress, cidr: "192.0.2.0/24")
        #expect(a.sameMatch(as: b))
        b.type = .egress
        #expect(!a.sameMatch(as: b))
        #expect(!a.sameMatch(as: m.rule(groupID: 1, type: .ingress, allowedGroupID: 5)))
        #expect(SecurityGroup(name: "Default", description: nil, accountID: 1, domainID: 1).isDefault)
        #expect(!SecurityGroup(name: "web", description: nil, accountID: 1, domainID: 1).isDefault)
    }
}
