import Logging
import SQLKit

/// Which SQL engine a ``Database`` talks to. Repositories use it only where the
/// two engines truly differ (locking clauses); everything else is portable SQLKit.
public enum DatabaseDialect: String, Sendable {
    case sqlite
    case postgres
}

/// The one way Cirrus reaches its relational store.
///
/// Two implementations exist: ``SQLiteDatabase`` (embedded default, one file in the
/// data directory, WAL, a single serialised writer plus read connections) and
/// ``PostgresDatabase`` (several management servers share one PostgreSQL server).
/// Repositories receive an `any SQLDatabase` inside ``read(_:)`` or
/// ``transaction(_:)`` and never hold on to it afterwards.
public protocol Database: Sendable {
    /// The engine behind this database.
    var dialect: DatabaseDialect { get }

    /// Runs `body` with a connection suitable for reads. Reads may run concurrently
    /// with each other and with the writer.
    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T

    /// Runs `body` inside one transaction: committed when `body` returns, rolled back
    /// when it throws (the error is rethrown unchanged).
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T

    /// Closes every connection. The database is unusable afterwards.
    func shutdown() async
}
