import Foundation
import SQLKit

extension Date {
    /// Milliseconds since the epoch: how every timestamp is stored.
    var storedMillis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    init(storedMillis: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(storedMillis) / 1000)
    }
}

extension SQLRow {
    func int64(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
    func optionalInt64(_ column: String) throws -> Int64? { try decode(column: column, as: Int64?.self) }
    func int(_ column: String) throws -> Int { Int(try decode(column: column, as: Int64.self)) }
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func bool(_ column: String) throws -> Bool {
        // SQLite stores booleans as integers; PostgreSQL as booleans.
        if let b = try? decode(column: column, as: Bool.self) { return b }
        return try decode(column: column, as: Int64.self) != 0
    }
    func date(_ column: String) throws -> Date { Date(storedMillis: try int64(column)) }
    func optionalDate(_ column: String) throws -> Date? { try optionalInt64(column).map(Date.init(storedMillis:)) }
    func uuid(_ column: String) throws -> UUID {
        let raw = try string(column)
        guard let id = UUID(uuidString: raw) else { throw StoreError("Stored value \(raw) in column \(column) is not a UUID") }
        return id
    }
    func enumValue<E: RawRepresentable>(_ column: String, as type: E.Type) throws -> E where E.RawValue == String {
        let raw = try string(column)
        guard let value = E(rawValue: raw) else { throw StoreError("Stored value \(raw) in column \(column) is not a valid \(E.self)") }
        return value
    }
}

/// UUIDs are stored lower-case, as CloudStack shows them.
extension UUID {
    var stored: String { uuidString.lowercased() }
}
