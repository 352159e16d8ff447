import CirrusModel
import CirrusStore
import Foundation
import SQLKit
import Synchronization

/// Per-server cache of what authentication and role checks read on every request: callers
/// by API key and the rules of each role.
///
/// Every change to identity, roles or settings bumps the `identity` generation in the same
/// transaction. This server drops the cache at once after its own changes; changes made by
/// another management server are noticed at the next request after `recheckInterval` (one
/// second), when the stored generation is read again.
public final class IdentityCache: Sendable {
    struct State {
        var generation: Int64 = -1
        var checkedAt: ContinuousClock.Instant?
        var callers: [String: (caller: Caller, secret: String?)] = [:]
        var rules: [Int64: [RolePermission]] = [:]
    }

    private let state = Mutex(State())
    private let db: any Database
    let recheckInterval: Duration
    /// Bounded so that a flood of unknown keys cannot grow memory without limit.
    static let maxEntries = 10_000

    public init(db: any Database, recheckInterval: Duration = .seconds(1)) {
        self.db = db
        self.recheckInterval = recheckInterval
    }

    /// Makes sure the cache belongs to the current generation, reading it from the database
    /// at most once per `recheckInterval`.
    func validate() async throws {
        let now = ContinuousClock.now
        let due = state.withLock { s in s.checkedAt.map { now - $0 >= recheckInterval } ?? true }
        guard due else { return }
        let current = try await db.read { try await GenerationRepository.value($0, GenerationRepository.identity) }
        state.withLock { s in
            if s.generation != current {
                s.callers.removeAll()
                s.rules.removeAll()
                s.generation = current
            }
            s.checkedAt = now
        }
    }

    /// The caller for `apiKey`, loading it with `load` on a miss. Misses for unknown keys are
    /// not cached.
    func caller(apiKey: String, load: () async throws -> (Caller, String?)?) async throws -> (caller: Caller, secret: String?)? {
        try await validate()
        if let hit = state.withLock({ $0.callers[apiKey] }) { return hit }
        guard let loaded = try await load() else { return nil }
        state.withLock { s in
            if s.callers.count >= Self.maxEntries { s.callers.removeAll() }
            s.callers[apiKey] = loaded
        }
        return loaded
    }

    /// The ordered rules of a role, loading them with `load` on a miss.
    func rules(roleID: Int64, load: () async throws -> [RolePermission]) async throws -> [RolePermission] {
        try await validate()
        if let hit = state.withLock({ $0.rules[roleID] }) { return hit }
        let loaded = try await load()
        state.withLock { s in s.rules[roleID] = loaded }
        return loaded
    }

    /// Forgets everything; the next lookup re-reads the generation.
    public func invalidate() {
        state.withLock { s in
            s.callers.removeAll()
            s.rules.removeAll()
            s.checkedAt = nil
        }
    }

    /// Runs a change to identity data in one transaction that also bumps the generation,
    /// then drops this server's cache.
    public func mutate<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        defer { invalidate() }
        return try await db.transaction { sql in
            let result = try await body(sql)
            try await GenerationRepository.bump(sql, GenerationRepository.identity)
            return result
        }
    }
}
