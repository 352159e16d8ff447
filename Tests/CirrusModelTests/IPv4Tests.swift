import CirrusModel
import Testing

@Suite("IPv4 math")
struct IPv4Tests {
    @Test("dotted quads parse and print; malformed text is refused")
    func parsing() {
        #expect(IPv4Address("10.0.0.1")?.value == 0x0A00_0001)
        #expect(IPv4Address("255.255.255.255")?.value == UInt32.max)
        #expect(IPv4Address("0.0.0.0")?.value == 0)
        #expect(IPv4Address(0xC0A8_010A).description == "192.168.1.10")
        for bad in ["", "10.0.0", "10.0.0.1.2", "10.0.0.256", "10.0.0.-1", "10.0..1", "a.b.c.d", "010.0.0.1", " 10.0.0.1", "10.0.0.1 ", "1e1.0.0.1"] {
            #expect(IPv4Address(bad) == nil, "\(bad) should not parse")
        }
        #expect(IPv4Address("10.0.0.9")! < IPv4Address("10.0.0.10")!)
        #expect(IPv4Address("10.0.0.255")!.advanced(by: 1)?.description == "10.0.1.0")
        #expect(IPv4Address("255.255.255.255")!.advanced(by: 1) == nil)
        #expect(IPv4Address("10.0.0.1")!.number == 167_772_161)
    }

    @Test("netmasks convert to prefix lengths and back; non-contiguous masks are refused")
    func netmasks() {
        #expect(IPv4CIDR.prefixLength(netmask: "255.255.255.0") == 24)
        #expect(IPv4CIDR.prefixLength(netmask: "255.255.240.0") == 20)
        #expect(IPv4CIDR.prefixLength(netmask: "0.0.0.0") == 0)
        #expect(IPv4CIDR.prefixLength(netmask: "255.255.255.255") == 32)
        #expect(IPv4CIDR.prefixLength(netmask: "255.0.255.0") == nil)
        #expect(IPv4CIDR.prefixLength(netmask: "255.255.255.1") == nil)
        #expect(IPv4CIDR.prefixLength(netmask: "nonsense") == nil)
        #expect(IPv4CIDR.netmask(prefixLength: 24) == "255.255.255.0")
        #expect(IPv4CIDR.netmask(prefixLength: 0) == "0.0.0.0")
        #expect(IPv4CIDR.netmask(prefixLength: 32) == "255.255.255.255")
        #expect(IPv4CIDR.netmask(prefixLength: 17) == "255.255.128.0")
    }

    @Test("CIDRs parse, normalise, and know their bounds")
    func cidrs() throws {
        let c = try #require(IPv4CIDR("192.168.1.77/24"))
        #expect(c.description == "192.168.1.0/24")
        #expect(c.netmask == "255.255.255.0")
        #expect(c.first.description == "192.168.1.0")
        #expect(c.last.description == "192.168.1.255")
        #expect(c.size == 256)
        #expect(c.hostRange.description == "192.168.1.1-192.168.1.254")
        #expect(IPv4CIDR("192.168.1.77/24", strict: true) == nil)
        #expect(IPv4CIDR("192.168.1.0/24", strict: true) != nil)
        #expect(IPv4CIDR("10.0.0.0/33") == nil)
        #expect(IPv4CIDR("10.0.0.0/") == nil)
        #expect(IPv4CIDR("10.0.0.0") == nil)
        #expect(IPv4CIDR("10.0.0.0/-1") == nil)
        #expect(IPv4CIDR("0.0.0.0/0")?.size == 1 << 32)
        #expect(IPv4CIDR("10.0.0.5/32")?.hostRange.count == 1)
        #expect(IPv4CIDR("10.0.0.4/31")?.hostRange.count == 2)
        let byMask = try #require(IPv4CIDR(address: IPv4Address("172.16.5.1")!, netmask: "255.255.0.0"))
        #expect(byMask.description == "172.16.0.0/16")
        #expect(IPv4CIDR(address: IPv4Address("172.16.5.1")!, netmask: "255.0.255.0") == nil)
    }

    @Test("containment and overlap of networks")
    func containment() throws {
        let net = try #require(IPv4CIDR("10.1.0.0/16"))
        #expect(net.contains(IPv4Address("10.1.255.255")!))
        #expect(!net.contains(IPv4Address("10.2.0.0")!))
        #expect(net.contains(IPv4CIDR("10.1.4.0/24")!))
        #expect(!IPv4CIDR("10.1.4.0/24")!.contains(net))
        #expect(net.overlaps(IPv4CIDR("10.0.0.0/8")!))
        #expect(IPv4CIDR("10.0.0.0/8")!.overlaps(net))
        #expect(!net.overlaps(IPv4CIDR("10.2.0.0/16")!))
        #expect(IPv4CIDR("0.0.0.0/0")!.contains(IPv4Address("203.0.113.9")!))
    }

    @Test("ranges: order, containment, overlap at the edges, and iteration")
    func ranges() throws {
        #expect(IPv4Range(start: "10.0.0.10", end: "10.0.0.5") == nil)
        #expect(IPv4Range(start: "10.0.0.10", end: "bad") == nil)
        let a = try #require(IPv4Range(start: "10.0.0.10", end: "10.0.0.20"))
        #expect(a.count == 11)
        #expect(a.contains(IPv4Address("10.0.0.10")!) && a.contains(IPv4Address("10.0.0.20")!))
        #expect(!a.contains(IPv4Address("10.0.0.21")!))
        #expect(a.overlaps(IPv4Range(start: "10.0.0.20", end: "10.0.0.30")!))
        #expect(a.overlaps(IPv4Range(start: "10.0.0.1", end: "10.0.0.10")!))
        #expect(a.overlaps(IPv4Range(start: "10.0.0.12", end: "10.0.0.13")!))
        #expect(!a.overlaps(IPv4Range(start: "10.0.0.21", end: "10.0.0.30")!))
        #expect(!a.overlaps(IPv4Range(start: "10.0.0.1", end: "10.0.0.9")!))
        #expect(a.contains(IPv4Range(start: "10.0.0.12", end: "10.0.0.20")!))
        #expect(!a.contains(IPv4Range(start: "10.0.0.12", end: "10.0.0.21")!))
        #expect(a.numbers == 167_772_170...167_772_180)
        let walked = IPv4Range(start: "10.0.0.254", end: "10.0.1.1")!.map(\.description)
        #expect(walked == ["10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"])
        let top = IPv4Range(start: "255.255.255.254", end: "255.255.255.255")!
        #expect(Array(top).count == 2)
    }
}
