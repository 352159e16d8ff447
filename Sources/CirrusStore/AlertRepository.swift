import CirrusModel
import Foundation
import SQLKit

/// Operator alerts.
public enum AlertRepository {
    static let table = "alerts"

    /// Filters of `listAlerts`, `archiveAlerts` and `deleteAlerts`.
    public struct Filter: Sendable {
        public var id: Int64?
        public var ids: [UUID]?
        public var type: Int?
        public var name: String?
        public var keyword: String?
        public var start: Date?
        public var end: Date?
        public var includeArchived: Bool

        public init(id: Int64? = nil, ids: [UUID]? = nil, type: Int? = nil, name: String? = nil, keyword: String? = nil, start: Date? = nil, end: Date? = nil, includeArchived: Bool = false) {
            self.id = id; self.ids = ids; self.type = type; self.name = name; self.keyword = keyword
            self.start = start; self.end = end; self.includeArchived = includeArchived
        }

        func apply<B: SQLPredicateBuilder>(_ b: B) -> B {
            var b = b
            if !includeArchived { b = b.where("archived", .equal, SQLBind(false)) }
            if let id { b = b.where("id", .equal, id) }
            if let ids { b = b.where("uuid", .in, ids.map(\.stored)) }
            if let type { b = b.where("alert_type", .equal, type) }
            if let name { b = b.where("name", .equal, name) }
            if let keyword { b = b.where(SQLFunction("lower", args: SQLIdentifier("subject")), .like, SQLBind("%\(keyword.lowercased())%")) }
            if let start { b = b.where("created", .greaterThanOrEqual, start.storedMillis) }
            if let end { b = b.where("created", .lessThanOrEqual, end.storedMillis) }
            return b
        }
    }

    static func map(_ row: any SQLRow) throws -> Alert {
        Alert(id: try row.int64("id"), uuid: try row.uuid("uuid"), type: try row.int("alert_type"), name: try row.string("name"),
              subject: try row.string("subject"), content: try row.optionalString("content"), zoneID: try row.optionalInt64("zone_id"),
              podID: try row.optionalInt64("pod_id"), clusterID: try row.optionalInt64("cluster_id"), sentCount: try row.int("sent_count"),
              archived: try row.bool("archived"), created: try row.date("created"), lastSent: try row.date("last_sent"))
    }

    public static func insert(_ sql: any SQLDatabase, _ alert: Alert) async throws -> Alert {
        let row = try await sql.insert(into: table)
            .columns("uuid", "alert_type", "name", "subject", "content", "zone_id", "pod_id", "cluster_id", "sent_count", "archived", "created", "last_sent")
            .values(SQLBind(alert.uuid.stored), SQLBind(alert.type), SQLBind(alert.name), SQLBind(alert.subject), SQLBind(alert.content),
                    SQLBind(alert.zoneID), SQLBind(alert.podID), SQLBind(alert.clusterID), SQLBind(alert.sentCount), SQLBind(alert.archived),
                    SQLBind(alert.created.storedMillis), SQLBind(alert.lastSent.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting an alert returned no id") }
        var out = alert
        out.id = id
        return out
    }

    /// The newest unarchived alert of a type for one place, if any.
    public static func latestOpen(_ sql: any SQLDatabase, type: Int, zoneID: Int64?, podID: Int64?, clusterID: Int64?) async throws -> Alert? {
        func match(_ b: SQLSelectBuilder, _ column: String, _ value: Int64?) -> SQLSelectBuilder {
            value.map { b.where(SQLIdentifier(column), .equal, SQLBind($0)) } ?? b.where(SQLIdentifier(column), .is, SQLLiteral.null)
        }
        var q = sql.select().column("*").from(table).where("alert_type", .equal, type).where("archived", .equal, SQLBind(false))
        q = match(q, "zone_id", zoneID)
        q = match(q, "pod_id", podID)
        q = match(q, "cluster_id", clusterID)
        return try await q.orderBy("id", .descending).limit(1).first().map(map)
    }

    /// Counts one more notification of an open alert.
    public static func markSent(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("last_sent", to: date.storedMillis)
            .set(SQLIdentifier("sent_count"), to: SQLBinaryExpression(SQLIdentifier("sent_count"), .add, SQLLiteral.numeric("1")))
            .where("id", .equal, id).run()
    }

    public static func list(_ sql: any SQLDatabase, filter: Filter, offset: Int, limit: Int?) async throws -> Listing<Alert> {
        try await fetchListing(sql, filtered: { filter.apply($0.from(table)) }, order: { $0.orderBy("created", .descending).orderBy("id", .descending) },
                               offset: offset, limit: limit, map: map)
    }

    public static func archive(_ sql: any SQLDatabase, filter: Filter) async throws -> Int {
        let ids = try await filter.apply(sql.select().column("id").from(table)).all().map { try $0.int64("id") }
        guard !ids.isEmpty else { return 0 }
        try await sql.update(table).set("archived", to: SQLBind(true)).where("id", .in, ids).run()
        return ids.count
    }

    public static func delete(_ sql: any SQLDatabase, filter: Filter) async throws -> Int {
        let ids = try await filter.apply(sql.select().column("id").from(table)).all().map { try $0.int64("id") }
        guard !ids.isEmpty else { return 0 }
        try await sql.delete(from: table).where("id", .in, ids).run()
        return ids.count
    }
}
