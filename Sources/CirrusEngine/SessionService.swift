import CirrusModel
import CirrusStore
import Foundation

/// Login sessions, stored in the database so that every management server can serve them.
public struct SessionService: Sendable {
    let db: any Database
    let config: ConfigService

    public init(db: any Database, config: ConfigService) {
        self.db = db
        self.config = config
    }

    /// Opens a session for a user who has just logged in.
    public func open(for caller: Caller) async throws -> SessionRecord {
        let now = Date()
        let record = SessionRecord(sessionID: TokenGenerator.token(byteCount: 24), sessionKey: TokenGenerator.token(byteCount: 20),
                                   userID: caller.user.id, created: now, lastAccess: now)
        try await db.transaction { try await SessionRepository.insert($0, record) }
        return record
    }

    /// The live session with this id, refreshing its idle timer; nil when unknown or expired.
    public func resume(sessionID: String) async throws -> SessionRecord? {
        guard let record = try await db.read({ try await SessionRepository.find($0, sessionID: sessionID) }) else { return nil }
        let timeout = TimeInterval(try await config.int(Settings.sessionTimeout))
        let now = Date()
        if now.timeIntervalSince(record.lastAccess) > timeout {
            try await close(sessionID: sessionID)
            return nil
        }
        // Touch at most once a minute: a write per request would be wasteful.
        if now.timeIntervalSince(record.lastAccess) > 60 {
            try await db.transaction { try await SessionRepository.touch($0, sessionID: sessionID, at: now) }
        }
        return record
    }

    public func close(sessionID: String) async throws {
        try await db.transaction { try await SessionRepository.delete($0, sessionID: sessionID) }
    }

    public func timeoutSeconds() async throws -> Int { try await config.int(Settings.sessionTimeout) }
}
