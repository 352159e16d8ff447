import Foundation
import SQLKit

extension Date {
    /// Milliseconds since the epoch: how every timestamp is stored.
    public var storedMillis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    /// The date of a stored millisecond timestamp.
    public init(storedMillis: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(storedMillis) / 1000)
    }
}

// Decoding is the per-row cost of every listing (a 500-host page decodes some 19,000
// values), so these helpers take the cheapest route the `SQLRow` protocol offers:
// - an optional column is checked with `decodeNil` and then decoded as the plain type.
//   Decoding `T?` directly goes through a generic `Decoder` (SQLiteKit allocates one per
//   value and unwraps `Optional` through `init(from:)`), which cost more than everything
//   else a row does;
// - UUIDs are parsed by hand (Foundation's parser calls `sscanf`).
// SQLKit's rows are only addressable by column name; neither SQLiteKit nor PostgresKit
// exposes access by index through `SQLRow`, so that is not available here.
extension SQLRow {
    func int64(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
    func optionalInt64(_ column: String) throws -> Int64? {
        if try isNull(column) { return nil }
        return try decode(column: column, as: Int64.self)
    }
    func int(_ column: String) throws -> Int { Int(try decode(column: column, as: Int64.self)) }
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? {
        if try isNull(column) { return nil }
        return try decode(column: column, as: String.self)
    }
    func bool(_ column: String) throws -> Bool {
        // SQLite stores booleans as integers; PostgreSQL as booleans.
        if let b = try? decode(column: column, as: Bool.self) { return b }
        return try decode(column: column, as: Int64.self) != 0
    }
    func date(_ column: String) throws -> Date { Date(storedMillis: try int64(column)) }
    func optionalDate(_ column: String) throws -> Date? { try optionalInt64(column).map(Date.init(storedMillis:)) }
    func uuid(_ column: String) throws -> UUID {
        let raw = try string(column)
        guard let id = UUID(storedString: raw) else { throw StoreError("Stored value \(raw) in column \(column) is not a UUID") }
        return id
    }
    /// A nullable UUID column (typically the UUID of a LEFT JOINed row); `nil` for NULL or
    /// a value that is not a UUID.
    func optionalUUID(_ column: String) throws -> UUID? {
        try optionalString(column).flatMap(UUID.init(storedString:))
    }
    func enumValue<E: RawRepresentable>(_ column: String, as type: E.Type) throws -> E where E.RawValue == String {
        let raw = try string(column)
        guard let value = E(rawValue: raw) else { throw StoreError("Stored value \(raw) in column \(column) is not a valid \(E.self)") }
        return value
    }

    /// Whether `column` is NULL. A column the row does not have is an error, as decoding it would be
    /// (SQLiteKit's `decodeNil` answers true for a missing column).
    private func isNull(_ column: String) throws -> Bool {
        guard try decodeNil(column: column) else { return false }
        guard contains(column: column) else { throw StoreError("The row has no column \(column)") }
        return true
    }
}

/// UUIDs are stored lower-case, as CloudStack shows them.
extension UUID {
    /// The form UUIDs are stored (and bound) in.
    public var stored: String { lowercasedString }

    /// The lower-case 8-4-4-4-12 form CloudStack shows (`uuidString.lowercased()` without
    /// Foundation's `sprintf` and a second string).
    public var lowercasedString: String {
        let hex: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                hex.withUTF8Buffer { digits in
                    var o = 0
                    for i in 0..<16 {
                        if i == 4 || i == 6 || i == 8 || i == 10 {
                            out[o] = UInt8(ascii: "-")
                            o += 1
                        }
                        out[o] = digits[Int(raw[i] >> 4)]
                        out[o + 1] = digits[Int(raw[i] & 0xF)]
                        o += 2
                    }
                }
                return 36
            }
        }
    }

    /// Parses the 8-4-4-4-12 hexadecimal form (either case), as `UUID(uuidString:)` does, without
    /// going through `sscanf`.
    public init?(storedString s: String) {
        var s = s
        let parsed: uuid_t? = s.withUTF8 { utf8 -> uuid_t? in
            guard utf8.count == 36 else { return nil }
            var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let ok = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
                var i = 0
                for n in 0..<16 {
                    if i == 8 || i == 13 || i == 18 || i == 23 {
                        guard utf8[i] == UInt8(ascii: "-") else { return false }
                        i += 1
                    }
                    guard let hi = Self.hexValue(utf8[i]), let lo = Self.hexValue(utf8[i + 1]) else { return false }
                    out[n] = hi << 4 | lo
                    i += 2
                }
                return true
            }
            return ok ? bytes : nil
        }
        guard let parsed else { return nil }
        self.init(uuid: parsed)
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
