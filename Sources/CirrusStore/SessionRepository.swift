import Foundation
import SQLKit

/// A logged-in API session (the `JSESSIONID` cookie and its `sessionkey`).
public struct SessionRecord: Sendable, Equatable {
    public var sessionID: String
    public var sessionKey: String
    public var userID: Int64
    public var created: Date
    public var lastAccess: Date

    public init(sessionID: String, sessionKey: String, userID: Int64, created: Date, lastAccess: Date) {
        self.sessionID = sessionID
        self.sessionKey = sessionKey
        self.userID = userID
        self.created = created
        self.lastAccess = lastAccess
    }
}

/// Session rows: kept in the database so that any management server can serve a session.
public enum SessionRepository {
    static let table = "sessions"

    public static func insert(_ sql: any SQLDatabase, _ s: SessionRecord) async throws {
        try await sql.insert(into: table).columns("session_id", "session_key", "user_id", "created", "last_access")
            .values(SQLBind(s.sessionID), SQLBind(s.sessionKey), SQLBind(s.userID), SQLBind(s.created.storedMillis), SQLBind(s.lastAccess.storedMillis)).run()
    }

    public static func find(_ sql: any SQLDatabase, sessionID: String) async throws -> SessionRecord? {
        try await sql.select().column("*").from(table).where("session_id", .equal, sessionID).first().map { row in
            SessionRecord(sessionID: try row.string("session_id"), sessionKey: try row.string("session_key"), userID: try row.int64("user_id"),
                          created: try row.date("created"), lastAccess: try row.date("last_access"))
        }
    }

    public static func touch(_ sql: any SQLDatabase, sessionID: String, at date: Date) async throws {
        try await sql.update(table).set("last_access", to: date.storedMillis).where("session_id", .equal, sessionID).run()
    }

    public static func delete(_ sql: any SQLDatabase, sessionID: String) async throws {
        try await sql.delete(from: table).where("session_id", .equal, sessionID).run()
    }

    public static func delete(_ sql: any SQLDatabase, userID: Int64) async throws {
        try await sql.delete(from: table).where("user_id", .equal, userID).run()
    }

    /// Removes sessions idle since before `cutoff`.
    public static func deleteIdle(_ sql: any SQLDatabase, before cutoff: Date) async throws {
        try await sql.delete(from: table).where("last_access", .lessThan, cutoff.storedMillis).run()
    }
}
