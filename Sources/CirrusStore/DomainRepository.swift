import CirrusModel
import Foundation
import SQLKit

/// Domain rows.
public enum DomainRepository {
    static let table = "domains"

    static func map(_ row: any SQLRow) throws -> Domain {
        Domain(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"),
               parentID: try row.optionalInt64("parent_id"), path: try row.string("path"), level: try row.int("level"),
               networkDomain: try row.optionalString("network_domain"), state: try row.enumValue("state", as: DomainState.self),
               created: try row.date("created"))
    }

    /// Inserts a domain and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, uuid: UUID, name: String, parentID: Int64?, path: String, level: Int, networkDomain: String?, created: Date) async throws -> Domain {
        let row = try await sql.insert(into: table)
            .columns("uuid", "name", "parent_id", "path", "level", "network_domain", "state", "created")
            .values(SQLBind(uuid.stored), SQLBind(name), SQLBind(parentID), SQLBind(path), SQLBind(level), SQLBind(networkDomain), SQLBind(DomainState.active.rawValue), SQLBind(created.storedMillis))
            .returning("id")
            .first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting domain \(name) returned no id") }
        return Domain(id: id, uuid: uuid, name: name, parentID: parentID, path: path, level: level, networkDomain: networkDomain, state: .active, created: created)
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Domain? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Domain? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, path: String) async throws -> Domain? {
        try await sql.select().column("*").from(table).where("path", .equal, path).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// Live domains whose ids are given, keyed by id (for rendering parents and owners).
    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: Domain] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all()
        var out: [Int64: Domain] = [:]
        for row in rows { let d = try map(row); out[d.id] = d }
        return out
    }

    /// Filters for ``list(_:filter:offset:limit:)``.
    public struct Filter: Sendable {
        /// Restrict to this domain (exact) or this subtree.
        public var scope: DomainScope
        public var id: Int64?
        public var name: String?
        public var level: Int?
        public var keyword: String?
        public var parentID: Int64?

        public init(scope: DomainScope, id: Int64? = nil, name: String? = nil, level: Int? = nil, keyword: String? = nil, parentID: Int64? = nil) {
            self.scope = scope
            self.id = id
            self.name = name
            self.level = level
            self.keyword = keyword
            self.parentID = parentID
        }
    }

    /// Which domains a domain listing covers.
    public enum DomainScope: Sendable, Equatable {
        case all
        case exactly(Int64)
        case subtree(path: String)
        /// The subtree without its top.
        case below(path: String)
    }

    public static func list(_ sql: any SQLDatabase, filter: Filter, offset: Int, limit: Int?) async throws -> Listing<Domain> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            switch filter.scope {
            case .all: break
            case .exactly(let id): b = b.where("id", .equal, id)
            case .subtree(let path): b = b.where(SQLIdentifier("id"), .in, SQLSubdomains(path: path))
            case .below(let path): b = b.where(SQLIdentifier("id"), .in, SQLSubdomains(path: path)).where("path", .notEqual, path)
            }
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let level = filter.level { b = b.where("level", .equal, level) }
            if let parent = filter.parentID { b = b.where("parent_id", .equal, parent) }
            if let keyword = filter.keyword { b = b.where(SQLFunction("lower", args: SQLIdentifier("name")), .like, SQLBind("%\(keyword.lowercased())%")) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    /// Ids of live direct children of the given domains, for `haschild`.
    public static func parentsWithChildren(_ sql: any SQLDatabase, among ids: [Int64]) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let rows = try await sql.select().distinct().column("parent_id").from(table)
            .where("parent_id", .in, ids).where("removed", .is, SQLLiteral.null).all()
        return Set(try rows.compactMap { try $0.optionalInt64("parent_id") })
    }

    /// Live domains in the subtree of `path` (itself included), deepest first.
    public static func subtree(_ sql: any SQLDatabase, path: String) async throws -> [Domain] {
        let rows = try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null)
            .where(SQLIdentifier("id"), .in, SQLSubdomains(path: path)).orderBy("level", .descending).all()
        return try rows.map(map)
    }

    public static func update(_ sql: any SQLDatabase, id: Int64, name: String, path: String, networkDomain: String?) async throws {
        try await sql.update(table).set("name", to: name).set("path", to: path).set("network_domain", to: SQLBind(networkDomain)).where("id", .equal, id).run()
    }

    /// Rewrites the path prefix of every descendant after a rename.
    public static func replacePathPrefix(_ sql: any SQLDatabase, oldPrefix: String, newPrefix: String) async throws {
        let rows = try await sql.select().column("id").column("path").from(table)
            .where(SQLIdentifier("id"), .in, SQLSubdomains(path: oldPrefix)).where("path", .notEqual, oldPrefix).all()
        for row in rows {
            let path = try row.string("path")
            try await sql.update(table).set("path", to: newPrefix + path.dropFirst(oldPrefix.count)).where("id", .equal, try row.int64("id")).run()
        }
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).set("state", to: DomainState.inactive.rawValue).where("id", .equal, id).run()
    }
}
