import CirrusStore
import Foundation
import Logging
import Synchronization

/// A background loop that runs `body` every `interval` until stopped. With a `lease`, only
/// one management server at a time runs it: each round first takes (or renews) the named
/// lease row, and skips the round when another server holds it.
public final class PeriodicTask: Sendable {
    public let name: String
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// Starts the loop. `interval` is read before every round so settings changes apply.
    public init(name: String, db: any Database, serverID: String, singleton: Bool, logger: Logger,
                interval: @escaping @Sendable () async -> Duration, body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        let t = Task {
            while !Task.isCancelled {
                let every = await interval()
                try? await Task.sleep(for: every)
                if Task.isCancelled { return }
                do {
                    if singleton {
                        let now = Date()
                        let ttl = Double(every.components.seconds) * 2 + 5
                        let mine = try await db.transaction { sql in
                            try await LeaseRepository.acquire(sql, name: "periodic:" + name, owner: serverID, now: now, expires: now.addingTimeInterval(ttl))
                        }
                        if !mine { continue }
                    }
                    try await body()
                } catch {
                    logger.error("Periodic task failed", metadata: ["task": "\(name)", "error": "\(StoreError.describe(error))"])
                }
            }
        }
        task.withLock { $0 = t }
    }

    /// Stops the loop; a round in progress is cancelled.
    public func stop() {
        task.withLock { $0?.cancel(); $0 = nil }
    }

    deinit { stop() }
}
