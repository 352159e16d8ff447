import CirrusModel
import Testing

/// The pure rules of VPCs: their CIDR, tiers inside it, ACL item fields, private gateway
/// addressing and static route destinations.
@Suite("VPC rules")
struct VPCModelTests {
    @Test("a VPC CIDR is an RFC 1918 network address of /8 to /28")
    func vpcCIDR() throws {
        #expect(try VPCAddressing.vpcCIDR("10.0.0.0/16").description == "10.0.0.0/16")
        #expect(try VPCAddressing.vpcCIDR("172.20.0.0/24").description == "172.20.0.0/24")
        #expect(try VPCAddressing.vpcCIDR("192.168.0.0/28").prefixLength == 28)
        for bad in ["8.8.8.0/24", "172.32.0.0/16", "10.0.0.1/16", "10.0.0.0/29", "10.0.0.0", "fd00::/8", "0.0.0.0/0"] {
            #expect(throws: CloudError.self, "\(bad)") { try VPCAddressing.vpcCIDR(bad) }
        }
    }

    @Test("a tier lies inside its VPC and crosses no other tier")
    func tiers() throws {
        let vpc = try #require(IPv4CIDR("10.1.0.0/16"))
        let others = [(name: "web", cidr: try #require(IPv4CIDR("10.1.1.0/24")))]
        try VPCAddressing.checkTier(try #require(IPv4CIDR("10.1.2.0/24")), vpcName: "v", vpcCIDR: vpc, others: others)
        let outside = try #require(IPv4CIDR("10.2.0.0/24"))
        #expect { try VPCAddressing.checkTier(outside, vpcName: "v", vpcCIDR: vpc, others: others) } throws: { ($0 as? CloudError)?.message.contains("not within") == true }
        let crossing = try #require(IPv4CIDR("10.1.1.128/25"))
        #expect { try VPCAddressing.checkTier(crossing, vpcName: "v", vpcCIDR: vpc, others: others) } throws: { ($0 as? CloudError)?.message.contains("crosses") == true }
        let bigger = try #require(IPv4CIDR("10.1.0.0/23"))
        #expect(throws: CloudError.self) { try VPCAddressing.checkTier(bigger, vpcName: "v", vpcCIDR: vpc, others: others) }
    }

    @Test("ACL item fields: protocols by name or number, ports only for tcp/udp, ICMP only for ICMP, defaults Allow/Ingress/0.0.0.0/0")
    func aclItems() throws {
        let ssh = try NetworkACLItemInput(proto: "TCP", startPort: 22).checked()
        let port22 = try PortRange(start: 22)
        #expect(ssh.proto == "tcp" && ssh.ports == port22 && ssh.action == .allow && ssh.trafficType == .ingress && ssh.cidrs == ["0.0.0.0/0"])
        let ping = try NetworkACLItemInput(proto: "icmp", action: "deny", trafficType: "egress").checked()
        #expect(ping.icmpType == -1 && ping.icmpCode == -1 && ping.action == .deny && ping.trafficType == .egress)
        #expect(try NetworkACLItemInput(proto: "47").checked().proto == "47")
        #expect(try NetworkACLItemInput(proto: "all", cidrList: ["10.0.0.5"]).checked().cidrs == ["10.0.0.5/32"])
        let bad: [NetworkACLItemInput] = [
            NetworkACLItemInput(proto: "gopher"), NetworkACLItemInput(proto: "256"), NetworkACLItemInput(proto: "all", startPort: 22),
            NetworkACLItemInput(proto: "tcp", icmpType: 8), NetworkACLItemInput(proto: "tcp", startPort: 90, endPort: 80),
            NetworkACLItemInput(proto: "udp", startPort: 70000), NetworkACLItemInput(proto: "tcp", endPort: 80),
            NetworkACLItemInput(proto: "icmp", icmpType: 300), NetworkACLItemInput(proto: "tcp", action: "Maybe"),
            NetworkACLItemInput(proto: "tcp", trafficType: "sideways"), NetworkACLItemInput(proto: "tcp", cidrList: ["10.0.0.0/40"]),
        ]
        for input in bad { #expect(throws: CloudError.self, "\(input)") { try input.checked() } }
    }

    @Test("private gateway addressing and static route destinations")
    func gatewaysAndRoutes() throws {
        #expect(try PrivateGateway.checkAddressing(ipAddress: "172.16.0.2", gateway: "172.16.0.1", netmask: "255.255.255.0").description == "172.16.0.0/24")
        for (ip, gw, mask) in [("172.16.1.2", "172.16.0.1", "255.255.255.0"), ("172.16.0.1", "172.16.0.1", "255.255.255.0"),
                               ("172.16.0.2", "172.16.0.0", "255.255.255.0"), ("172.16.0.2", "172.16.0.1", "255.0.255.0"), ("x", "172.16.0.1", "255.255.255.0")] {
            #expect(throws: CloudError.self, "\(ip) \(gw) \(mask)") { try PrivateGateway.checkAddressing(ipAddress: ip, gateway: gw, netmask: mask) }
        }
        let vpc = try #require(IPv4CIDR("10.1.0.0/16"))
        #expect(try StaticRoute.checkCIDR("192.168.1.0/24", vpcCIDR: vpc, existing: []).description == "192.168.1.0/24")
        #expect(throws: CloudError.self) { try StaticRoute.checkCIDR("10.1.5.0/24", vpcCIDR: vpc, existing: []) }
        #expect(throws: CloudError.self) { try StaticRoute.checkCIDR("10.0.0.0/8", vpcCIDR: vpc, existing: []) }
        #expect(throws: CloudError.self) { try StaticRoute.checkCIDR("192.168.1.1/24", vpcCIDR: vpc, existing: []) }
        #expect(throws: CloudError.self) { try StaticRoute.checkCIDR("192.168.1.0/25", vpcCIDR: vpc, existing: [try #require(IPv4CIDR("192.168.0.0/16"))]) }
    }
}
