import Foundation

/// The IPv6 part of a public range (4.17): the upstream gateway and the prefix from which each
/// dual-stack network's router takes its public IPv6 address, to which the network's /64 is
/// routed.
public struct PublicIPv6Range: Sendable, Equatable {
    public var gateway: IPv6Address
    public var cidr: IPv6CIDR
    public var start: IPv6Address?
    public var end: IPv6Address?

    /// Checks `ip6gateway`, `ip6cidr` (a network of /64 or shorter holding the gateway) and
    /// the optional `startipv6`–`endipv6` inside it.
    public static func check(gateway: String?, cidr: String?, start: String?, end: String?) throws(CloudError) -> PublicIPv6Range {
        guard let g = gateway, let c = cidr else { throw .invalidParameter("ip6gateway and ip6cidr are both required for an IPv6 public range") }
        guard let parsedCIDR = IPv6CIDR(c, strict: true), parsedCIDR.prefixLength <= 64 else {
            throw .invalidParameter("Invalid ip6cidr \(c): an IPv6 network of /64 or shorter is expected")
        }
        guard let parsedGateway = IPv6Address(g), parsedCIDR.contains(parsedGateway) else {
            throw .invalidParameter("Invalid ip6gateway \(g): an IPv6 address inside \(parsedCIDR) is expected")
        }
        var first: IPv6Address?, last: IPv6Address?
        if let s = start {
            guard let a = IPv6Address(s), parsedCIDR.contains(a) else { throw .invalidParameter("Invalid startipv6 \(s): an address inside \(parsedCIDR) is expected") }
            first = a
        }
        if let e = end {
            guard first != nil else { throw .invalidParameter("endipv6 needs startipv6") }
            guard let a = IPv6Address(e), parsedCIDR.contains(a) else { throw .invalidParameter("Invalid endipv6 \(e): an address inside \(parsedCIDR) is expected") }
            last = a
        }
        if let first, let last, last < first { throw .invalidParameter("startipv6 \(first) is after endipv6 \(last)") }
        return PublicIPv6Range(gateway: parsedGateway, cidr: parsedCIDR, start: first, end: last ?? first)
    }

    /// The public IPv6 address of a dual-stack network's router: the EUI-64 address, in the
    /// range's first /64, of a locally administered MAC made from the network's id — stable,
    /// and distinct for every network, without an allocation table.
    public static func routerAddress(cidr: IPv6CIDR, networkID: Int64) -> IPv6Address? {
        guard let first = cidr.subnet64(0) else { return nil }
        let v = UInt64(bitPattern: networkID)
        let mac = String(format: "1e:%02x:%02x:%02x:%02x:%02x", (v >> 32) & 0xff, (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
        return IPv6Address.eui64(prefix: first, mac: mac)
    }
}
