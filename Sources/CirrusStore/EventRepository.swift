import CirrusModel
import Foundation
import SQLKit

/// Event rows.
public enum EventRepository {
    static let table = "events"

    static func map(_ row: any SQLRow) throws -> Event {
        Event(id: try row.int64("id"), uuid: try row.uuid("uuid"), type: try row.string("event_type"),
              state: try row.enumValue("state", as: EventState.self), level: try row.enumValue("level", as: EventLevel.self),
              description: try row.string("description"), userID: try row.int64("user_id"), accountID: try row.int64("account_id"),
              domainID: try row.int64("domain_id"), resourceType: try row.optionalString("resource_type"),
              resourceUUID: try row.optionalString("resource_uuid"), resourceName: try row.optionalString("resource_name"),
              startID: try row.optionalInt64("start_id"), archived: try row.bool("archived"), created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, _ e: Event) async throws -> Event {
        let row = try await sql.insert(into: table)
            .columns("uuid", "event_type", "state", "level", "description", "user_id", "account_id", "domain_id",
                     "resource_type", "resource_uuid", "resource_name", "start_id", "archived", "created")
            .values(SQLBind(e.uuid.stored), SQLBind(e.type), SQLBind(e.state.rawValue), SQLBind(e.level.rawValue), SQLBind(e.description),
                    SQLBind(e.userID), SQLBind(e.accountID), SQLBind(e.domainID), SQLBind(e.resourceType), SQLBind(e.resourceUUID),
                    SQLBind(e.resourceName), SQLBind(e.startID), SQLBind(e.archived), SQLBind(e.created.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Recording event \(e.type) returned no id") }
        var out = e
        out.id = id
        return out
    }

    public struct Filter: Sendable {
        public var scope: ListScope
        public var id: UUID?
        public var ids: [UUID]?
        public var type: String?
        public var level: EventLevel?
        public var startDate: Date?
        public var endDate: Date?
        public var resourceType: String?
        public var resourceUUID: String?
        public var keyword: String?
        public var startID: Int64?
        /// nil lists both; CloudStack lists unarchived events unless asked.
        public var archived: Bool?

        public init(scope: ListScope, id: UUID? = nil, ids: [UUID]? = nil, type: String? = nil, level: EventLevel? = nil, startDate: Date? = nil, endDate: Date? = nil, resourceType: String? = nil, resourceUUID: String? = nil, keyword: String? = nil, startID: Int64? = nil, archived: Bool? = false) {
            self.scope = scope
            self.id = id
            self.ids = ids
            self.type = type
            self.level = level
            self.startDate = startDate
            self.endDate = endDate
            self.resourceType = resourceType
            self.resourceUUID = resourceUUID
            self.keyword = keyword
            self.startID = startID
            self.archived = archived
        }
    }

    static func build(_ b: SQLSelectBuilder, _ f: Filter) -> SQLSelectBuilder {
        var b = b.from(table)
        b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
        return applyFilter(b, f)
    }

    static func applyFilter<B: SQLPredicateBuilder>(_ b: B, _ f: Filter) -> B {
        var b = b
        if let id = f.id { b = b.where("uuid", .equal, id.stored) }
        if let ids = f.ids { b = b.where("uuid", .in, ids.map(\.stored)) }
        if let type = f.type { b = b.where("event_type", .equal, type) }
        if let level = f.level { b = b.where("level", .equal, level.rawValue) }
        if let start = f.startDate { b = b.where("created", .greaterThanOrEqual, start.storedMillis) }
        if let end = f.endDate { b = b.where("created", .lessThanOrEqual, end.storedMillis) }
        if let rt = f.resourceType { b = b.where(SQLFunction("lower", args: SQLIdentifier("resource_type")), .equal, SQLBind(rt.lowercased())) }
        if let rid = f.resourceUUID { b = b.where("resource_uuid", .equal, rid) }
        if let startID = f.startID {
            // The Scheduled event itself and the events that continue it.
            b = b.where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("id"), .equal, SQLBind(startID)), .or,
                                                               SQLBinaryExpression(SQLIdentifier("start_id"), .equal, SQLBind(startID)))))
        }
        if let archived = f.archived { b = b.where("archived", .equal, archived) }
        if let keyword = f.keyword {
            let like = SQLBind("%\(keyword.lowercased())%")
            b = b.where(SQLGroupExpression(SQLBinaryExpression(
                SQLBinaryExpression(SQLFunction("lower", args: SQLIdentifier("description")), .like, like), .or,
                SQLBinaryExpression(SQLFunction("lower", args: SQLIdentifier("event_type")), .like, like))))
        }
        return b
    }

    public static func list(_ sql: any SQLDatabase, filter: Filter, offset: Int, limit: Int?) async throws -> Listing<Event> {
        try await fetchListing(sql, filtered: { build($0, filter) }, order: { $0.orderBy("id", .descending) }, offset: offset, limit: limit, map: map)
    }

    /// UUIDs of events by id.
    public static func uuids(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: UUID] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: UUID] = [:]
        for row in try await sql.select().column("id").column("uuid").from(table).where("id", .in, Array(ids)).all() {
            out[try row.int64("id")] = try row.uuid("uuid")
        }
        return out
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Event? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).first().map(map)
    }

    /// Archives matching events; returns how many changed.
    public static func archive(_ sql: any SQLDatabase, filter: Filter) async throws -> Int {
        var b = sql.update(table).set("archived", to: true)
        b = ScopeFilter.apply(filter.scope, to: b, accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
        b = applyFilter(b, filter)
        return try await b.returning("id").all().count
    }

    /// Deletes matching events; returns how many were removed.
    public static func delete(_ sql: any SQLDatabase, filter: Filter) async throws -> Int {
        var b = sql.delete(from: table)
        b = ScopeFilter.apply(filter.scope, to: b, accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
        b = applyFilter(b, filter)
        return try await b.returning("id").all().count
    }

    /// Removes events older than `cutoff` (`event.purge.delay`).
    public static func purge(_ sql: any SQLDatabase, before cutoff: Date) async throws {
        try await sql.delete(from: table).where("created", .lessThan, cutoff.storedMillis).run()
    }
}

/// Stored setting values. Only values that were set are stored; defaults live in code.
public enum ConfigurationRepository {
    static let table = "configuration"

    /// One stored value.
    public struct Value: Sendable, Equatable {
        public var name: String
        public var scope: ConfigScope
        public var scopeID: Int64
        public var value: String

        public init(name: String, scope: ConfigScope, scopeID: Int64, value: String) {
            self.name = name
            self.scope = scope
            self.scopeID = scopeID
            self.value = value
        }
    }

    public static func all(_ sql: any SQLDatabase) async throws -> [Value] {
        try await sql.select().column("*").from(table).all().map { row in
            Value(name: try row.string("name"), scope: try row.enumValue("scope", as: ConfigScope.self), scopeID: try row.int64("scope_id"), value: try row.string("value"))
        }
    }

    public static func set(_ sql: any SQLDatabase, _ v: Value, at date: Date) async throws {
        try await sql.delete(from: table).where("name", .equal, v.name).where("scope", .equal, v.scope.rawValue).where("scope_id", .equal, v.scopeID).run()
        try await sql.insert(into: table).columns("name", "scope", "scope_id", "value", "updated")
            .values(SQLBind(v.name), SQLBind(v.scope.rawValue), SQLBind(v.scopeID), SQLBind(v.value), SQLBind(date.storedMillis)).run()
    }

    public static func remove(_ sql: any SQLDatabase, name: String, scope: ConfigScope, scopeID: Int64) async throws {
        try await sql.delete(from: table).where("name", .equal, name).where("scope", .equal, scope.rawValue).where("scope_id", .equal, scopeID).run()
    }

    /// Newest update time, used to notice changes made by other management servers.
    public static func lastUpdate(_ sql: any SQLDatabase) async throws -> Int64 {
        let row = try await sql.select().column(SQLFunction("max", args: SQLIdentifier("updated")), as: "m").from(table).first()
        return (try row?.decode(column: "m", as: Int64?.self)).flatMap { $0 } ?? 0
    }
}
