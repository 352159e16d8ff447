import CirrusModel
import Foundation
import SQLKit

/// Usage event rows: written in the transaction of the change they record, read in id
/// order by the usage server (and tests).
public enum UsageEventRepository {
    static let table = "usage_events"

    static func map(_ row: any SQLRow) throws -> UsageEvent {
        UsageEvent(id: try row.int64("id"), type: try row.string("event_type"), accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"),
                   zoneID: try row.optionalInt64("zone_id"), resourceID: try row.optionalInt64("resource_id"),
                   resourceUUID: try row.optionalString("resource_uuid").flatMap(UUID.init(uuidString:)), resourceName: try row.optionalString("resource_name"),
                   offeringID: try row.optionalInt64("offering_id"), templateID: try row.optionalInt64("template_id"), size: try row.optionalInt64("size"),
                   virtualSize: try row.optionalInt64("virtual_size"), resourceType: try row.optionalString("resource_type"),
                   processed: try row.bool("processed"), created: try row.date("created"))
    }

    /// Stores an event and returns it with its id.
    public static func insert(_ sql: any SQLDatabase, _ e: UsageEvent) async throws -> UsageEvent {
        let id = try await insertReturningID(sql, into: table, [
            ("event_type", SQLBind(e.type)), ("account_id", SQLBind(e.accountID)), ("domain_id", SQLBind(e.domainID)), ("zone_id", SQLBind(e.zoneID)),
            ("resource_id", SQLBind(e.resourceID)), ("resource_uuid", SQLBind(e.resourceUUID?.stored)), ("resource_name", SQLBind(e.resourceName)),
            ("offering_id", SQLBind(e.offeringID)), ("template_id", SQLBind(e.templateID)), ("size", SQLBind(e.size)),
            ("virtual_size", SQLBind(e.virtualSize)), ("resource_type", SQLBind(e.resourceType)), ("processed", SQLBind(e.processed)),
            ("created", SQLBind(e.created.storedMillis)),
        ])
        var out = e
        out.id = id
        return out
    }

    /// Events with an id above `after`, oldest first, at most `limit`; optionally only one
    /// account's or only unprocessed ones.
    public static func list(_ sql: any SQLDatabase, after id: Int64 = 0, limit: Int = 1000, accountID: Int64? = nil, unprocessedOnly: Bool = false) async throws -> [UsageEvent] {
        var b = sql.select().column("*").from(table).where("id", .greaterThan, id)
        if let accountID { b = b.where("account_id", .equal, accountID) }
        if unprocessedOnly { b = b.where("processed", .equal, false) }
        return try await b.orderBy("id").limit(limit).all().map(map)
    }

    /// Marks events as taken by the usage server.
    public static func markProcessed(_ sql: any SQLDatabase, ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await sql.update(table).set("processed", to: true).where("id", .in, ids).run()
    }
}
