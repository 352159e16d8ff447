import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// Usage events: services record them in the transaction of the change they bill for
/// (CloudStack's UsageEventUtils); the usage server reads them in id order.
public struct UsageService: Sendable {
    let db: any Database

    public init(db: any Database) {
        self.db = db
    }

    /// Records `event` in the caller's transaction and returns it with its id.
    @discardableResult
    public func record(_ sql: any SQLDatabase, _ event: UsageEvent) async throws -> UsageEvent {
        try await UsageEventRepository.insert(sql, event)
    }

    /// Events after `id`, oldest first (optionally one account's).
    public func list(after id: Int64 = 0, limit: Int = 1000, accountID: Int64? = nil) async throws -> [UsageEvent] {
        try await db.read { try await UsageEventRepository.list($0, after: id, limit: limit, accountID: accountID) }
    }
}
