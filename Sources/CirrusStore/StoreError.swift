import PostgresNIO

/// An error raised by the storage layer itself: configuration, connection set-up,
/// migrations, locking, or a transaction that could not be committed.
///
/// Errors thrown by a caller's own closure inside ``Database/read(_:)`` or
/// ``Database/transaction(_:)`` are rethrown unchanged and are never wrapped in a
/// `StoreError`.
public struct StoreError: Error, CustomStringConvertible {
    /// A sentence saying what went wrong, written for an operator.
    public var message: String

    /// The lower-level error that caused this one, if any (a SQLite or PostgreSQL
    /// error, a system call failure, ...).
    public var underlying: (any Error)?

    /// Creates an error with a message and an optional underlying cause.
    public init(_ message: String, underlying: (any Error)? = nil) {
        self.message = message
        self.underlying = underlying
    }

    /// The message, followed by a description of the underlying error if there is one.
    public var description: String {
        guard let underlying else { return message }
        return "\(message): \(StoreError.describe(underlying))"
    }

    /// A human-readable description of any error. PostgresNIO's `PSQLError`
    /// deliberately hides details from `description`; this spells out the SQLSTATE
    /// and the server's message so that logs and operator messages are useful.
    public static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            var parts: [String] = []
            if let info = psql.serverInfo {
                if let severity = info[.localizedSeverity] ?? info[.severity] { parts.append(severity) }
                if let state = info[.sqlState] { parts.append("SQLSTATE \(state)") }
                if let message = info[.message] { parts.append(message) }
                if let detail = info[.detail] { parts.append("(\(detail))") }
            } else {
                parts.append("PostgreSQL client error \(psql.code)")
                if let cause = psql.underlying { parts.append("caused by \(describe(cause))") }
            }
            return parts.joined(separator: " ")
        }
        if let store = error as? StoreError { return store.description }
        return String(describing: error)
    }
}

import SQLiteNIO

extension StoreError {
    /// True when `error` (or what it wraps) is a unique-constraint violation on either
    /// engine: two concurrent requests created the same name, and the database refused the
    /// second. The API reports it as a duplicate (431) rather than an internal error.
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        if let psql = error as? PSQLError { return psql.serverInfo?[.sqlState] == "23505" }
        if let sqlite = error as? SQLiteError {
            return sqlite.reason == .constraintUniqueFailed || sqlite.reason == .constraintPrimaryKeyFailed
                || (sqlite.reason == .constraint && sqlite.message.contains("UNIQUE"))
        }
        if let store = error as? StoreError, let underlying = store.underlying { return isUniqueViolation(underlying) }
        return false
    }
}

extension StoreError {
    /// True when PostgreSQL ended a transaction to resolve a conflict between concurrent
    /// ones (deadlock detected, 40P01; serialization failure, 40001): running the same
    /// transaction again is the remedy.
    public static func isTransientConflict(_ error: any Error) -> Bool {
        if let psql = error as? PSQLError, let state = psql.serverInfo?[.sqlState] { return state == "40P01" || state == "40001" }
        if let store = error as? StoreError, let underlying = store.underlying { return isTransientConflict(underlying) }
        return false
    }
}
