import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// Raises and manages operator alerts. An alert stays open (unarchived) until an operator
/// archives or deletes it; raising the same alert for the same place again only counts
/// another notification instead of adding a row.
public struct AlertService: Sendable {
    let db: any Database
    let logger: Logger

    public init(db: any Database, logger: Logger) {
        self.db = db
        self.logger = logger
    }

    /// Raises `type` for a place inside the caller's transaction. Returns the alert and
    /// whether it is new.
    @discardableResult
    public func raise(_ sql: any SQLDatabase, type: (Int, String), subject: String, content: String? = nil,
                      zoneID: Int64? = nil, podID: Int64? = nil, clusterID: Int64? = nil, now: Date = Date()) async throws -> (alert: Alert, isNew: Bool) {
        if let open = try await AlertRepository.latestOpen(sql, type: type.0, zoneID: zoneID, podID: podID, clusterID: clusterID) {
            try await AlertRepository.markSent(sql, id: open.id, at: now)
            return (open, false)
        }
        let alert = try await AlertRepository.insert(sql, Alert(id: 0, uuid: UUID(), type: type.0, name: type.1, subject: subject, content: content,
                                                                zoneID: zoneID, podID: podID, clusterID: clusterID, sentCount: 1, archived: false,
                                                                created: now, lastSent: now))
        logger.warning("Alert raised", metadata: ["type": "\(type.1)", "subject": "\(subject)"])
        return (alert, true)
    }

    /// Raises an alert in its own transaction.
    @discardableResult
    public func raise(type: (Int, String), subject: String, content: String? = nil, zoneID: Int64? = nil, podID: Int64? = nil, clusterID: Int64? = nil) async throws -> Alert {
        try await db.transaction { try await raise($0, type: type, subject: subject, content: content, zoneID: zoneID, podID: podID, clusterID: clusterID).alert }
    }

    public func list(filter: AlertRepository.Filter, page: (offset: Int, limit: Int?)) async throws -> Listing<Alert> {
        try await db.read { try await AlertRepository.list($0, filter: filter, offset: page.offset, limit: page.limit) }
    }

    /// Archives the alerts matching `filter`; CloudStack requires at least one criterion.
    public func archive(filter: AlertRepository.Filter) async throws -> Int {
        try Self.requireCriterion(filter)
        return try await db.transaction { try await AlertRepository.archive($0, filter: filter) }
    }

    public func delete(filter: AlertRepository.Filter) async throws -> Int {
        try Self.requireCriterion(filter)
        var widened = filter
        widened.includeArchived = true
        let all = widened
        return try await db.transaction { try await AlertRepository.delete($0, filter: all) }
    }

    static func requireCriterion(_ f: AlertRepository.Filter) throws {
        if f.ids == nil && f.type == nil && f.start == nil && f.end == nil {
            throw CloudError.invalidParameter("Either ids, type, startdate or enddate must be specified")
        }
    }
}
