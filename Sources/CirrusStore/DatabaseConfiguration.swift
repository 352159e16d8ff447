import Foundation
import Logging

/// Where the relational store lives: the embedded SQLite file (default) or a
/// PostgreSQL server shared by several management servers.
public enum DatabaseConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite database file.
    case sqlite(path: String)
    /// A PostgreSQL database. `tls` follows libpq's `sslmode` (default `prefer`).
    case postgres(host: String, port: Int, username: String, password: String?, database: String, tls: PostgresTLSMode = .prefer)

    /// The name of the SQLite file inside the data directory.
    public static let defaultSQLiteFileName = "cirrus.sqlite"

    /// Parses a database URL.
    ///
    /// - `nil` or an empty string: the SQLite file `<dataDirectory>/cirrus.sqlite`.
    /// - `postgres://user:password@host:port/database` or `postgresql://…`: user name
    ///   and password may be percent-encoded; the port defaults to 5432; an IPv6
    ///   address goes in brackets. The one query parameter understood is
    ///   `sslmode` (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`;
    ///   `allow` is taken as `prefer`).
    ///
    /// - Throws: ``StoreError`` for anything else, naming what is wrong. The message
    ///   never contains the password.
    public static func parse(_ url: String?, dataDirectory: String) throws -> DatabaseConfiguration {
        guard let url = url?.trimmingCharacters(in: .whitespacesAndNewlines), !url.isEmpty else {
            let directory = dataDirectory.hasSuffix("/") && dataDirectory.count > 1 ? String(dataDirectory.dropLast()) : dataDirectory
            return .sqlite(path: directory + "/" + defaultSQLiteFileName)
        }

        let expected = "expected postgres://user:password@host:port/database"
        guard let schemeEnd = url.range(of: "://") else {
            throw StoreError("Unsupported database URL '\(redacted(url))': \(expected)")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw StoreError(
                "Unsupported database URL scheme '\(scheme)' in \(redacted(url)): \(expected) (leave the URL unset for the embedded SQLite database)"
            )
        }
        guard let components = URLComponents(string: url) else {
            throw StoreError("Malformed database URL \(redacted(url)): \(expected)")
        }

        guard var host = components.host, !host.isEmpty else {
            throw StoreError("The database URL \(redacted(url)) has no host: \(expected)")
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        host = host.removingPercentEncoding ?? host

        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw StoreError("The database URL \(redacted(url)) has an invalid port \(port)")
        }

        guard let username = components.user, !username.isEmpty else {
            throw StoreError("The database URL \(redacted(url)) has no user name: \(expected)")
        }
        let password = components.password

        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        database = database.removingPercentEncoding ?? database
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError("The database URL \(redacted(url)) must name exactly one database after the host: \(expected)")
        }

        var tls = PostgresTLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                let value = item.value ?? ""
                if value == "allow" {
                    tls = .prefer
                } else if let mode = PostgresTLSMode(rawValue: value) {
                    tls = mode
                } else {
                    throw StoreError(
                        "Unsupported sslmode '\(value)' in the database URL; use one of disable, prefer, require, verify-ca, verify-full"
                    )
                }
            default:
                throw StoreError("Unsupported parameter '\(item.name)' in the database URL; only sslmode is understood")
            }
        }

        return .postgres(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// Whether this is the embedded SQLite database. A management server using the
    /// default SQLite file should hold a ``DataDirectoryLock`` on its data directory.
    public var isEmbedded: Bool {
        if case .sqlite = self { return true }
        return false
    }

    /// A description safe for logs: the password is never included.
    public var description: String {
        switch self {
        case .sqlite(let path):
            return "sqlite:\(path)"
        case .postgres(let host, let port, let username, let password, let database, let tls):
            let hostPart = host.contains(":") ? "[\(host)]" : host
            let credentials = password == nil ? username : "\(username):***"
            return "postgres://\(credentials)@\(hostPart):\(port)/\(database)?sslmode=\(tls.rawValue)"
        }
    }

    /// Opens the configured database.
    ///
    /// - Parameters:
    ///   - logger: Passed to the database.
    ///   - maximumConnections: For PostgreSQL, the connection pool's size limit.
    /// - Throws: ``StoreError`` when the database cannot be opened or reached.
    public func open(
        logger: Logger,
        maximumConnections: Int = PostgresDatabase.defaultMaximumConnections
    ) async throws -> any Database {
        switch self {
        case .sqlite(let path):
            return try await SQLiteDatabase.open(path: path, logger: logger)
        case .postgres(let host, let port, let username, let password, let database, let tls):
            return try await PostgresDatabase.open(
                host: host, port: port, username: username, password: password, database: database,
                tls: tls, maximumConnections: maximumConnections, logger: logger
            )
        }
    }

    /// The URL with any password replaced by `***`, for error messages.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest[..<(rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex)]
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
