import Foundation

/// The request parameters as received: names with their original case (needed to check
/// signatures), in arrival order, query string first and then the form body.
public struct RawParameters: Sendable {
    public private(set) var pairs: [(name: String, value: String)]

    public init(pairs: [(name: String, value: String)] = []) {
        self.pairs = pairs
    }

    /// Decodes an `application/x-www-form-urlencoded` string (`+` is a space, `%XX` UTF-8 bytes)
    /// and appends its pairs. Malformed escapes are kept literally rather than failing.
    public mutating func appendForm(_ encoded: Substring) {
        guard !encoded.isEmpty else { return }
        for part in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let (rawName, rawValue): (Substring, Substring)
            if let eq = part.firstIndex(of: "=") {
                rawName = part[..<eq]
                rawValue = part[part.index(after: eq)...]
            } else {
                rawName = part
                rawValue = ""
            }
            pairs.append((Self.formDecode(rawName), Self.formDecode(rawValue)))
        }
    }

    public mutating func append(name: String, value: String) {
        pairs.append((name, value))
    }

    /// The first value of the parameter with exactly this name.
    public func first(exact name: String) -> String? {
        pairs.first(where: { $0.name == name })?.value
    }

    /// The first value of the parameter whose name matches case-insensitively.
    public func first(caseInsensitive name: String) -> String? {
        pairs.first(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame })?.value
    }

    /// The parameters with duplicates removed (first value wins), as the servlet sees them.
    public var unique: [(name: String, value: String)] {
        var seen = Set<String>()
        return pairs.filter { seen.insert($0.name).inserted }
    }

    static func formDecode(_ s: Substring) -> String {
        let utf8 = s.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(s) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if b == UInt8(ascii: "%"),
                      let h1 = utf8.index(i, offsetBy: 1, limitedBy: utf8.endIndex), h1 != utf8.endIndex,
                      let h2 = utf8.index(h1, offsetBy: 1, limitedBy: utf8.endIndex), h2 != utf8.endIndex,
                      let hi = hexValue(utf8[h1]), let lo = hexValue(utf8[h2]) {
                bytes.append(hi << 4 | lo)
                i = h2
            } else {
                bytes.append(b)
            }
            i = utf8.index(after: i)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
