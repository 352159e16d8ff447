import CirrusModel
import Foundation
import SQLKit

/// Image (secondary) store rows.
public enum ImageStoreRepository {
    static let table = "image_stores"

    /// Optional predicates of ``list(_:_:offset:limit:)``.
    public struct Filter: Sendable {
        public var id: Int64?
        public var zoneID: Int64?
        public var name: String?
        public var keyword: String?
        public var provider: String?
        public var protocolName: String?
        public var readOnly: Bool?
        public init(id: Int64? = nil, zoneID: Int64? = nil, name: String? = nil, keyword: String? = nil, provider: String? = nil,
                    protocolName: String? = nil, readOnly: Bool? = nil) {
            self.id = id; self.zoneID = zoneID; self.name = name; self.keyword = keyword; self.provider = provider
            self.protocolName = protocolName; self.readOnly = readOnly
        }
    }

    static func map(_ row: any SQLRow) throws -> ImageStore {
        ImageStore(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), zoneID: try row.optionalInt64("zone_id"),
                   provider: try row.string("provider"), protocolName: try row.string("protocol"), url: try row.string("url"),
                   path: try row.string("path"), scope: try row.string("scope"), role: try row.string("role"),
                   totalBytes: try row.int64("total_bytes"), usedBytes: try row.int64("used_bytes"), readOnly: try row.bool("readonly"),
                   created: try row.date("created"))
    }

    static func fields(_ s: ImageStore) -> [ColumnValue] {
        [("name", SQLBind(s.name)), ("zone_id", SQLBind(s.zoneID)), ("provider", SQLBind(s.provider)), ("protocol", SQLBind(s.protocolName)),
         ("url", SQLBind(s.url)), ("path", SQLBind(s.path)), ("scope", SQLBind(s.scope)), ("role", SQLBind(s.role)),
         ("total_bytes", SQLBind(s.totalBytes)), ("used_bytes", SQLBind(s.usedBytes)), ("readonly", SQLBind(s.readOnly))]
    }

    /// Inserts an image store (its `id` is ignored) and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ store: ImageStore) async throws -> ImageStore {
        var s = store
        s.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(store.uuid.stored))] + fields(store) + [("created", SQLBind(store.created.storedMillis))])
        return s
    }

    /// Writes the mutable columns of `store`.
    public static func update(_ sql: any SQLDatabase, _ store: ImageStore) async throws {
        try await updateColumns(sql, table: table, id: store.id, fields(store))
    }

    /// Records measured capacity.
    public static func updateCapacity(_ sql: any SQLDatabase, id: Int64, totalBytes: Int64, usedBytes: Int64) async throws {
        try await sql.update(table).set("total_bytes", to: totalBytes).set("used_bytes", to: usedBytes).where("id", .equal, id).run()
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> ImageStore? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> ImageStore? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live image stores of a zone (and region-wide stores), ordered by id.
    public static func list(_ sql: any SQLDatabase, zoneID: Int64) async throws -> [ImageStore] {
        try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null)
            .where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("zone_id"), .equal, SQLBind(zoneID)), .or,
                                                          SQLBinaryExpression(SQLIdentifier("zone_id"), .is, SQLLiteral.null))))
            .orderBy("id").all().map(map)
    }

    /// Live image stores matching `filter`, ordered by id.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter = Filter(), offset: Int = 0, limit: Int? = nil) async throws -> Listing<ImageStore> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let z = filter.zoneID { b = b.where("zone_id", .equal, z) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let keyword = filter.keyword { b = b.where(keywordPredicate("name", keyword)) }
            if let p = filter.provider { b = b.where(SQLFunction("lower", args: SQLIdentifier("provider")), .equal, SQLBind(p.lowercased())) }
            if let p = filter.protocolName { b = b.where(SQLFunction("lower", args: SQLIdentifier("protocol")), .equal, SQLBind(p.lowercased())) }
            if let r = filter.readOnly { b = b.where("readonly", .equal, r) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    /// Template and ISO copies held by a store, for `deleteImageStore`'s refusal.
    public static func templateCount(_ sql: any SQLDatabase, storeID: Int64) async throws -> Int {
        try await TemplateRepository.refCount(sql, storeID: storeID)
    }
}
