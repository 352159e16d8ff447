import CirrusModel
import Foundation
import SQLKit

/// OS categories and OS types.
public enum OSTypeRepository {
    static let categories = "os_categories"
    static let types = "os_types"

    static func mapCategory(_ row: any SQLRow) throws -> OSCategory {
        OSCategory(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"))
    }

    static func mapType(_ row: any SQLRow) throws -> OSType {
        OSType(id: try row.int64("id"), uuid: try row.uuid("uuid"), categoryID: try row.int64("category_id"), description: try row.string("description"),
               isUserDefined: try row.bool("is_user_defined"), forDisplay: try row.bool("for_display"))
    }

    /// Inserts the shipped categories and types that are missing. Safe to run on every start.
    public static func seed(_ sql: any SQLDatabase) async throws {
        let existingCategories = try await sql.select().column("*").from(categories).all().map(mapCategory)
        let existingTypes = Set(try await sql.select().column("description").from(types).all().map { try $0.string("description") })
        var byName = Dictionary(existingCategories.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        for (category, descriptions) in OSCatalog.seed {
            if byName[category] == nil {
                let row = try await sql.insert(into: categories).columns("uuid", "name").values(SQLBind(UUID().stored), SQLBind(category)).returning("id").first()
                guard let id = try row?.int64("id") else { throw StoreError("Inserting OS category \(category) returned no id") }
                byName[category] = id
            }
            for description in descriptions where !existingTypes.contains(description) {
                try await sql.insert(into: types).columns("uuid", "category_id", "description", "is_user_defined", "for_display")
                    .values(SQLBind(UUID().stored), SQLBind(byName[category]!), SQLBind(description), SQLBind(false), SQLBind(true)).run()
            }
        }
    }

    public static func findCategory(_ sql: any SQLDatabase, uuid: UUID) async throws -> OSCategory? {
        try await sql.select().column("*").from(categories).where("uuid", .equal, uuid.stored).first().map(mapCategory)
    }

    public static func categories(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: OSCategory] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: OSCategory] = [:]
        for row in try await sql.select().column("*").from(categories).where("id", .in, Array(ids)).all() {
            let c = try mapCategory(row); out[c.id] = c
        }
        return out
    }

    public static func listCategories(_ sql: any SQLDatabase, id: Int64?, name: String?, keyword: String?, offset: Int, limit: Int?) async throws -> Listing<OSCategory> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(categories)
            if let id { b = b.where("id", .equal, id) }
            if let name { b = b.where(SQLFunction("lower", args: SQLIdentifier("name")), .equal, SQLBind(name.lowercased())) }
            if let keyword { b = b.where(SQLFunction("lower", args: SQLIdentifier("name")), .like, SQLBind("%\(keyword.lowercased())%")) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapCategory)
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> OSType? {
        try await sql.select().column("*").from(types).where("id", .equal, id).first().map(mapType)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> OSType? {
        try await sql.select().column("*").from(types).where("uuid", .equal, uuid.stored).first().map(mapType)
    }

    public static func find(_ sql: any SQLDatabase, description: String) async throws -> OSType? {
        try await sql.select().column("*").from(types).where("description", .equal, description).first().map(mapType)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: OSType] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: OSType] = [:]
        for row in try await sql.select().column("*").from(types).where("id", .in, Array(ids)).all() {
            let t = try mapType(row); out[t.id] = t
        }
        return out
    }

    public static func listTypes(_ sql: any SQLDatabase, id: Int64?, categoryID: Int64?, description: String?, forDisplay: Bool?, keyword: String?,
                                 offset: Int, limit: Int?) async throws -> Listing<OSType> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(types)
            if let id { b = b.where("id", .equal, id) }
            if let categoryID { b = b.where("category_id", .equal, categoryID) }
            if let description { b = b.where(SQLFunction("lower", args: SQLIdentifier("description")), .like, SQLBind("%\(description.lowercased())%")) }
            if let forDisplay { b = b.where("for_display", .equal, forDisplay) }
            if let keyword { b = b.where(SQLFunction("lower", args: SQLIdentifier("description")), .like, SQLBind("%\(keyword.lowercased())%")) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapType)
    }
}
