/// An IPv4 address as a 32-bit number, with parsing and formatting in dotted-quad form.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address as an unsigned integer (`10.0.0.1` is `0x0A000001`).
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Parses a dotted quad such as `192.168.1.10`. Exactly four decimal parts of 0–255,
    /// without signs, spaces or leading zeros beyond a single `0`; nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(part.count > 1 && part.first == "0"), let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        self.value = value
    }

    /// The address as a signed 64-bit integer, as stored in `address_num` columns.
    public var number: Int64 { Int64(value) }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }

    /// The address `n` places later, or nil past `255.255.255.255`.
    public func advanced(by n: Int64) -> IPv4Address? {
        let v = Int64(value) + n
        guard v >= 0, v <= Int64(UInt32.max) else { return nil }
        return IPv4Address(UInt32(v))
    }
}

/// An IPv4 network in CIDR form (`10.1.0.0/16`), stored normalised to its network address.
public struct IPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits cleared).
    public let network: IPv4Address
    /// The prefix length, 0–32.
    public let prefixLength: Int

    /// The network containing `address` with `prefixLength` bits of prefix.
    public init?(address: IPv4Address, prefixLength: Int) {
        guard (0...32).contains(prefixLength) else { return nil }
        self.prefixLength = prefixLength
        self.network = IPv4Address(address.value & IPv4CIDR.mask(prefixLength))
    }

    /// Parses `a.b.c.d/n`. With `strict`, the address must be the network address itself
    /// (`10.0.0.1/24` is then refused).
    public init?(_ text: String, strict: Bool = false) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])), !parts[1].isEmpty, parts[1].count <= 2,
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(parts[1]) else { return nil }
        self.init(address: address, prefixLength: length)
        if strict && network != address { return nil }
    }

    /// The network of `gateway` under `netmask` (a dotted netmask such as `255.255.255.0`).
    public init?(address: IPv4Address, netmask: String) {
        guard let length = IPv4CIDR.prefixLength(netmask: netmask) else { return nil }
        self.init(address: address, prefixLength: length)
    }

    /// The mask of a prefix length as an integer.
    public static func mask(_ prefixLength: Int) -> UInt32 {
        prefixLength <= 0 ? 0 : prefixLength >= 32 ? UInt32.max : ~(UInt32.max >> UInt32(prefixLength))
    }

    /// The dotted netmask of a prefix length: 24 → `255.255.255.0`.
    public static func netmask(prefixLength: Int) -> String { IPv4Address(mask(prefixLength)).description }

    /// The prefix length of a dotted netmask, or nil when it is not a valid netmask (its one
    /// bits must be contiguous from the left).
    public static func prefixLength(netmask: String) -> Int? {
        guard let m = IPv4Address(netmask)?.value else { return nil }
        let ones = m.nonzeroBitCount
        return mask(ones) == m ? ones : nil
    }

    /// The dotted netmask: `255.255.0.0` for `/16`.
    public var netmask: String { IPv4CIDR.netmask(prefixLength: prefixLength) }
    /// The first address of the network (the network address).
    public var first: IPv4Address { network }
    /// The last address of the network (the broadcast address for prefixes below 31).
    public var last: IPv4Address { IPv4Address(network.value | ~IPv4CIDR.mask(prefixLength)) }
    /// Number of addresses in the network.
    public var size: Int64 { Int64(1) << Int64(32 - prefixLength) }
    /// The whole network as an address range.
    public var range: IPv4Range { IPv4Range(uncheckedFirst: first, last: last) }

    /// The usable host range: the network minus its network and broadcast addresses (for
    /// `/31` and `/32`, the whole network).
    public var hostRange: IPv4Range {
        prefixLength >= 31 ? range : IPv4Range(uncheckedFirst: IPv4Address(first.value + 1), last: IPv4Address(last.value - 1))
    }

    public func contains(_ address: IPv4Address) -> Bool {
        address.value & IPv4CIDR.mask(prefixLength) == network.value
    }

    /// True when `other` lies wholly inside this network.
    public func contains(_ other: IPv4CIDR) -> Bool {
        other.prefixLength >= prefixLength && contains(other.network)
    }

    /// True when the two networks share at least one address.
    public func overlaps(_ other: IPv4CIDR) -> Bool { contains(other.network) || other.contains(network) }

    public var description: String { "\(network)/\(prefixLength)" }
}

/// An inclusive range of IPv4 addresses, such as a pod's or public IP range's start and end.
public struct IPv4Range: Sendable, Hashable, Sequence, CustomStringConvertible {
    public let first: IPv4Address
    public let last: IPv4Address

    /// The range `first...last`, or nil when `first` comes after `last`.
    public init?(first: IPv4Address, last: IPv4Address) {
        guard first <= last else { return nil }
        self.first = first; self.last = last
    }

    /// Parses the two ends; nil when either is not an address or start is after end.
    public init?(start: String, end: String) {
        guard let a = IPv4Address(start), let b = IPv4Address(end) else { return nil }
        self.init(first: a, last: b)
    }

    init(uncheckedFirst first: IPv4Address, last: IPv4Address) { self.first = first; self.last = last }

    /// Number of addresses in the range.
    public var count: Int64 { Int64(last.value) - Int64(first.value) + 1 }

    public func contains(_ address: IPv4Address) -> Bool { first <= address && address <= last }

    /// True when `other` lies wholly inside this range.
    public func contains(_ other: IPv4Range) -> Bool { first <= other.first && other.last <= last }

    /// True when the two ranges share at least one address.
    public func overlaps(_ other: IPv4Range) -> Bool { first <= other.last && other.first <= last }

    /// The integer bounds, as stored in `address_num` columns.
    public var numbers: ClosedRange<Int64> { first.number...last.number }

    public func makeIterator() -> Iterator { Iterator(current: Int64(first.value), last: Int64(last.value)) }

    /// Walks the addresses from first to last.
    public struct Iterator: IteratorProtocol {
        var current: Int64
        let last: Int64
        public mutating func next() -> IPv4Address? {
            guard current <= last else { return nil }
            defer { current += 1 }
            return IPv4Address(UInt32(current))
        }
    }

    public var description: String { "\(first)-\(last)" }
}
