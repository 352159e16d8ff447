import CirrusModel
import Testing

/// IPv6 values: parsing, RFC 5952 text, prefixes and their /64 subnets, SLAAC EUI-64.
@Suite("IPv6 values")
struct IPv6Tests {
    @Test("RFC 5952 canonical text: lowercase, no leading zeros, the longest zero run compressed (the first on a tie), a single zero group kept")
    func canonicalText() {
        let cases: [(String, String)] = [
            ("2001:0DB8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("0:0:0:0:0:0:0:0", "::"),
            ("::1", "::1"),
            ("fe80::", "fe80::"),
        ]
        for (input, canonical) in cases {
            #expect(IPv6Address(input)?.description == canonical, "\(input)")
        }
        for bad in ["", "1::2::3", "12345::", "g::1", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "192.0.2.1"] {
            #expect(IPv6Address(bad) == nil, "\(bad)")
        }
    }

    @Test("prefixes: host bits cleared (or refused when strict), containment and overlap, the n-th /64")
    func prefixes() throws {
        let p = try #require(IPv6CIDR("fd00:1:2::/48"))
        #expect(p.description == "fd00:1:2::/48")
        #expect(IPv6CIDR("fd00:1:2::5/48")?.description == "fd00:1:2::/48")
        #expect(IPv6CIDR("fd00:1:2::5/48", strict: true) == nil)
        #expect(IPv6CIDR("fd00::/129") == nil)
        #expect(p.subnet64Count == 65536)
        #expect(p.subnet64(0)?.description == "fd00:1:2::/64")
        #expect(p.subnet64(1)?.description == "fd00:1:2:1::/64")
        #expect(p.subnet64(65535)?.description == "fd00:1:2:ffff::/64")
        #expect(p.subnet64(65536) == nil)
        #expect(p.contains(try #require(IPv6CIDR("fd00:1:2:ab::/64"))))
        #expect(!p.contains(try #require(IPv6CIDR("fd00:1:3::/64"))))
        #expect(p.overlaps(try #require(IPv6CIDR("fd00::/16"))))
        #expect(!p.overlaps(try #require(IPv6CIDR("fd00:1:3::/48"))))
        #expect(try #require(p.subnet64(1)).firstHost.description == "fd00:1:2:1::1")
    }

    @Test("SLAAC EUI-64: the MAC split by ff:fe with the universal/local bit flipped (RFC 4291 appendix A)")
    func eui64() throws {
        let prefix = try #require(IPv6CIDR("2001:db8:1:2::/64"))
        // 00:1b:21:3c:4d:5e -> 021b:21ff:fe3c:4d5e
        #expect(IPv6Address.eui64(prefix: prefix, mac: "00:1b:21:3c:4d:5e")?.description == "2001:db8:1:2:21b:21ff:fe3c:4d5e")
        // A locally administered MAC (02:…) gets the bit cleared.
        #expect(IPv6Address.eui64(prefix: prefix, mac: "02:00:0a:0b:0c:0d")?.description == "2001:db8:1:2:0:aff:fe0b:c0d")
        #expect(IPv6Address.eui64(prefix: try #require(IPv6CIDR("2001:db8::/48")), mac: "00:1b:21:3c:4d:5e") == nil)
        #expect(IPv6Address.eui64(prefix: prefix, mac: "not-a-mac") == nil)
    }
}
