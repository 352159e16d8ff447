/// An IPv6 address as 128 bits (two 64-bit halves), parsed from any valid text form and
/// written in RFC 5952's canonical form (lowercase, leading zeros dropped, the longest run of
/// two or more zero groups compressed to `::`, the first such run on a tie).
public struct IPv6Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses `text` (no zone index, no embedded IPv4).
    public init?(_ text: String) {
        guard !text.isEmpty, text.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all: [UInt16]
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        high = all[0..<4].reduce(0) { $0 << 16 | UInt64($1) }
        low = all[4..<8].reduce(0) { $0 << 16 | UInt64($1) }
    }

    /// The eight 16-bit groups.
    public var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) } + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
    }

    public var description: String {
        let g = groups
        // The longest run of zero groups (length ≥ 2), first one on a tie.
        var best = (start: -1, length: 0), current = (start: -1, length: 0)
        for (i, v) in g.enumerated() {
            if v == 0 {
                current = current.start < 0 ? (i, 1) : (current.start, current.length + 1)
                if current.length > best.length { best = current }
            } else {
                current = (-1, 0)
            }
        }
        let hex = g.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[0..<best.start].joined(separator: ":"), tail = hex[(best.start + best.length)...].joined(separator: ":")
        return "\(head)::\(tail)"
    }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// The SLAAC address of `mac` in the /64 `prefix` (RFC 4291 appendix A): the MAC split by
    /// `ff:fe`, with the universal/local bit flipped, as the interface identifier.
    public static func eui64(prefix: IPv6CIDR, mac: String) -> IPv6Address? {
        let bytes = mac.split(separator: ":").compactMap { UInt8($0, radix: 16) }
        guard bytes.count == 6, prefix.prefixLength == 64 else { return nil }
        let id: [UInt8] = [bytes[0] ^ 0x02, bytes[1], bytes[2], 0xff, 0xfe, bytes[3], bytes[4], bytes[5]]
        return IPv6Address(high: prefix.network.high, low: id.reduce(0) { $0 << 8 | UInt64($1) })
    }
}

/// An IPv6 network: an address and a prefix length, the host bits cleared.
public struct IPv6CIDR: Sendable, Hashable, CustomStringConvertible {
    public let network: IPv6Address
    public let prefixLength: Int

    /// Parses "fd00:1:2::/48"; host bits are cleared (`strict` refuses them instead).
    public init?(_ text: String, strict: Bool = false) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv6Address(String(parts[0])), let length = Int(parts[1]), (0...128).contains(length) else { return nil }
        let masked = Self.mask(address, length)
        if strict && masked != address { return nil }
        network = masked
        prefixLength = length
    }

    public init(network: IPv6Address, prefixLength: Int) {
        self.network = Self.mask(network, prefixLength)
        self.prefixLength = prefixLength
    }

    static func mask(_ a: IPv6Address, _ length: Int) -> IPv6Address {
        let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : ~UInt64(0) << (64 - length))
        let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? .max : ~UInt64(0) << (128 - length))
        return IPv6Address(high: a.high & highMask, low: a.low & lowMask)
    }

    public func contains(_ a: IPv6Address) -> Bool { Self.mask(a, prefixLength) == network }

    public func contains(_ other: IPv6CIDR) -> Bool { other.prefixLength >= prefixLength && contains(other.network) }

    public func overlaps(_ other: IPv6CIDR) -> Bool { contains(other.network) || other.contains(network) }

    /// How many /64 subnets it holds (capped at `Int.max`); 0 for prefixes longer than /64.
    public var subnet64Count: Int {
        guard prefixLength <= 64 else { return 0 }
        let bits = 64 - prefixLength
        return bits >= 62 ? Int.max : 1 << bits
    }

    /// The `index`-th /64 inside this prefix, without listing the others.
    public func subnet64(_ index: Int) -> IPv6CIDR? {
        guard prefixLength <= 64, index >= 0, index < subnet64Count else { return nil }
        return IPv6CIDR(network: IPv6Address(high: network.high | UInt64(index), low: 0), prefixLength: 64)
    }

    /// The first address after the network address (`::1`), the gateway CloudStack gives a /64.
    public var firstHost: IPv6Address { IPv6Address(high: network.high, low: network.low | 1) }

    public var description: String { "\(network)/\(prefixLength)" }
}
