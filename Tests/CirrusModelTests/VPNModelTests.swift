import CirrusModel
import Testing

/// The pure rules of site-to-site and remote access VPN: IPsec policies, lifetimes, IKE
/// versions, pre-shared keys, customer gateway addresses and subnets, connection overlaps,
/// VPN user names and passwords, client ranges and generated keys.
@Suite("VPN rules")
struct VPNModelTests {
    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as CloudError { return e.message } catch { return "\(error)" }
    }

    @Test("IKE and ESP policies are cipher-hash[;dhgroup] proposals, comma separated, with CloudStack's ciphers, hashes and groups")
    func policies() throws {
        for good in ["aes128-sha1", "aes128-sha1;modp1536", "AES256-SHA512;MODP8192", "3des-md5;modp1024", "aes192-sha384,aes128-sha1;modp2048",
                     "aes256-sha256;modp3072"] {
            #expect(try VPNRules.policy(good, kind: .ike) == good.lowercased(), "\(good)")
            #expect(try VPNRules.policy(good, kind: .esp) == good.lowercased(), "\(good)")
        }
        for bad in ["", "aes128", "aes128-sha1;", "aes128-sha1;modp1000", "blowfish-sha1", "aes128-sha3", "aes128-sha1-modp1536", "aes128-sha1;modp1536;x",
                    "aes128-sha1,", ",aes128-sha1", "aes128_sha1"] {
            #expect(throws: CloudError.self, "\(bad)") { try VPNRules.policy(bad, kind: .ike) }
        }
        #expect(message { _ = try VPNRules.policy("des-md5", kind: .esp) }?.contains("ESP policy des-md5 is invalid") == true)
        #expect(message { _ = try VPNRules.policy("des-md5", kind: .ike) }?.contains("IKE policy des-md5 is invalid") == true)
    }

    @Test("lifetimes default to 86400 s (IKE) and 3600 s (ESP) and may not exceed 86400 s or be below 1")
    func lifetimes() throws {
        #expect(try VPNRules.lifetime(nil, kind: .ike) == 86_400)
        #expect(try VPNRules.lifetime(nil, kind: .esp) == 3_600)
        #expect(try VPNRules.lifetime(86_400, kind: .esp) == 86_400)
        #expect(try VPNRules.lifetime(1, kind: .ike) == 1)
        for bad in [0, -5, 86_401, 1_000_000] {
            #expect(throws: CloudError.self, "\(bad)") { try VPNRules.lifetime(bad, kind: .ike) }
        }
        #expect(message { _ = try VPNRules.lifetime(90_000, kind: .ike) }?.contains("IKE lifetime 90000") == true)
    }

    @Test("IKE versions are ike (default), ikev1 and ikev2")
    func ikeVersions() throws {
        #expect(try VPNRules.ikeVersion(nil) == "ike")
        #expect(try VPNRules.ikeVersion("IKEv2") == "ikev2")
        #expect(try VPNRules.ikeVersion("ikev1") == "ikev1")
        #expect(throws: CloudError.self) { try VPNRules.ikeVersion("ikev3") }
        #expect(throws: CloudError.self) { try VPNRules.ikeVersion("") }
    }

    @Test("a pre-shared key is not empty and has no commas, quotes or line breaks")
    func presharedKeys() throws {
        #expect(try VPNRules.presharedKey("s3cr3t!#") == "s3cr3t!#")
        for bad in ["", "a,b", "a\"b", "a'b", "a\nb"] {
            #expect(throws: CloudError.self, "\(bad)") { try VPNRules.presharedKey(bad) }
        }
    }

    @Test("a customer gateway is an IPv4 address or a DNS name")
    func gatewayAddresses() throws {
        #expect(try VPNRules.gatewayAddress("198.51.100.7") == "198.51.100.7")
        #expect(try VPNRules.gatewayAddress("VPN.Example.com") == "vpn.example.com")
        for bad in ["", "300.1.1.1", "1.2.3", "-bad.example.com", "a..b", "under_score.example", "x y"] {
            #expect(throws: CloudError.self, "\(bad)") { try VPNRules.gatewayAddress(bad) }
        }
    }

    @Test("customer subnets are valid networks, within the subnet limit, and do not overlap each other")
    func customerCIDRs() throws {
        #expect(try VPNRules.customerCIDRs("172.16.0.0/16, 192.168.5.0/24", limit: 10).map(\.description) == ["172.16.0.0/16", "192.168.5.0/24"])
        #expect(message { _ = try VPNRules.customerCIDRs("172.16.0.0/16,172.16.5.0/24", limit: 10) }?.contains("overlapped with another subnet") == true)
        #expect(message { _ = try VPNRules.customerCIDRs("10.0.0.0/24,10.0.1.0/24,10.0.2.0/24", limit: 2) }?.contains("The limit is 2") == true)
        for bad in ["", ",", "nonsense", "10.0.0.1/24", "10.0.0.0/33"] {
            #expect(throws: CloudError.self, "\(bad)") { try VPNRules.customerCIDRs(bad, limit: 10) }
        }
    }

    @Test("a connection's peer subnets may not overlap the VPC or the gateway's other connections")
    func connectionOverlaps() throws {
        let vpc = try #require(IPv4CIDR("10.20.0.0/16"))
        let peer = [try #require(IPv4CIDR("172.16.0.0/16"))]
        try VPNRules.checkConnection(peer: peer, gatewayName: "hq", vpcCIDR: vpc, others: [(name: "branch", cidrs: [try #require(IPv4CIDR("172.17.0.0/16"))])])
        let inside = [try #require(IPv4CIDR("10.20.5.0/24"))]
        #expect(message { try VPNRules.checkConnection(peer: inside, gatewayName: "hq", vpcCIDR: vpc, others: []) }?.contains("overlapped with VPC cidr 10.20.0.0/16") == true)
        let crossing = [(name: "branch", cidrs: [try #require(IPv4CIDR("172.16.8.0/24"))])]
        #expect(message { try VPNRules.checkConnection(peer: peer, gatewayName: "hq", vpcCIDR: vpc, others: crossing) }?
            .contains("customer gateway branch's subnet 172.16.8.0/24") == true)
    }

    @Test("VPN user names and passwords follow CloudStack's patterns")
    func usersAndPasswords() throws {
        for good in ["bob", "alice@example.com", "a.b_c-d", "007", String(repeating: "x", count: 64)] {
            #expect(try VPNRules.username(good) == good)
        }
        for bad in ["ab", "_bob", "bo b", "bob!", "bøb", String(repeating: "x", count: 65)] {
            #expect(throws: CloudError.self, "\(bad)") { try VPNRules.username(bad) }
        }
        for good in ["pw1", "Secret+=@._-9", String(repeating: "p", count: 32)] {
            #expect(try VPNRules.password(good) == good)
        }
        for bad in ["pw", "-pw1", "pass word", "pass#1", String(repeating: "p", count: 33)] {
            #expect(throws: CloudError.self, "\(bad)") { try VPNRules.password(bad) }
        }
    }

    @Test("a client range has two ascending addresses outside the guest CIDR; the first is the server's")
    func clientRanges() throws {
        let guest = try #require(IPv4CIDR("10.1.1.0/24"))
        let range = try VPNRules.clientRange("10.1.2.1-10.1.2.8", guestCIDR: guest)
        #expect(range.localIP.description == "10.1.2.1" && range.clients.description == "10.1.2.2-10.1.2.8")
        #expect(message { _ = try VPNRules.clientRange("10.1.1.200-10.1.2.8", guestCIDR: guest) }?.contains("overlaps with guest ip range 10.1.1.0-10.1.1.255") == true)
        #expect(message { _ = try VPNRules.clientRange("10.1.2.1", guestCIDR: guest) }?.contains("invalid IP range") == true)
        #expect(message { _ = try VPNRules.clientRange("10.1.2.1-10.1.2.300", guestCIDR: guest) }?.contains("invalid IPs") == true)
        #expect(throws: CloudError.self) { try VPNRules.clientRange("10.1.2.8-10.1.2.1", guestCIDR: guest) }
        #expect(throws: CloudError.self) { try VPNRules.clientRange("10.1.2.1-10.1.2.1", guestCIDR: guest) }
    }

    @Test("generated pre-shared keys have the asked length (at least 8) of letters and digits, and differ")
    func generatedKeys() {
        var rng = SystemRandomNumberGenerator()
        let a = VPNRules.generatePresharedKey(length: 24, using: &rng)
        let b = VPNRules.generatePresharedKey(length: 24, using: &rng)
        #expect(a.count == 24 && b.count == 24 && a != b)
        #expect(a.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(VPNRules.generatePresharedKey(length: 3, using: &rng).count == 8)
    }

    @Test("a connection applied is Connected, or Disconnected when passive")
    func appliedStates() {
        #expect(VPNConnection(vpnGatewayID: 1, customerGatewayID: 2, accountID: 3, domainID: 4).appliedState == .connected)
        #expect(VPNConnection(vpnGatewayID: 1, customerGatewayID: 2, passive: true, accountID: 3, domainID: 4).appliedState == .disconnected)
        #expect(VPNConnectionState(caseInsensitive: "connected") == .connected)
    }
}
