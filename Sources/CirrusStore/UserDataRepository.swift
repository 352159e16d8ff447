import CirrusModel
import Foundation
import SQLKit

/// Managed user data (`user_data`) and its links to templates (`template_user_data`).
public enum UserDataRepository {
    static let table = "user_data"
    static let links = "template_user_data"

    static func map(_ row: any SQLRow) throws -> UserData {
        UserData(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), accountID: try row.int64("account_id"),
                 domainID: try row.int64("domain_id"), content: try row.string("user_data"), params: try row.optionalString("params"),
                 created: try row.date("created"))
    }

    static func mapLink(_ row: any SQLRow) throws -> TemplateUserDataLink {
        TemplateUserDataLink(templateID: try row.int64("template_id"), userDataID: try row.int64("user_data_id"),
                             policy: try row.enumValue("policy", as: UserDataOverridePolicy.self))
    }

    /// Inserts user data and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ u: UserData) async throws -> UserData {
        var out = u
        out.id = try await insertReturningID(sql, into: table, [
            ("uuid", SQLBind(u.uuid.stored)), ("name", SQLBind(u.name)), ("account_id", SQLBind(u.accountID)), ("domain_id", SQLBind(u.domainID)),
            ("user_data", SQLBind(u.content)), ("params", SQLBind(u.params)), ("created", SQLBind(u.created.storedMillis)),
        ])
        return out
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> UserData? {
        try await sql.select().column("*").from(table).where("id", .equal, id).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> UserData? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).first().map(map)
    }

    /// By id, several at once.
    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: UserData] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: UserData] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all() {
            let u = try map(row); out[u.id] = u
        }
        return out
    }

    /// The account's user data with this exact name.
    public static func find(_ sql: any SQLDatabase, accountID: Int64, name: String) async throws -> UserData? {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("name", .equal, name).first().map(map)
    }

    /// The account's user data with exactly this content.
    public static func find(_ sql: any SQLDatabase, accountID: Int64, content: String) async throws -> UserData? {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("user_data", .equal, content).first().map(map)
    }

    public static func delete(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: links).where("user_data_id", .equal, id).run()
        try await sql.delete(from: table).where("id", .equal, id).run()
    }

    /// User data in `scope`, newest first: exact id and name, `keyword` in the name.
    public static func list(_ sql: any SQLDatabase, scope: ListScope, id: Int64?, name: String?, keyword: String?, offset: Int, limit: Int?) async throws -> Listing<UserData> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = ScopeFilter.apply(scope, to: b.from(table), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id { b = b.where("id", .equal, id) }
            if let name { b = b.where("name", .equal, name) }
            if let keyword { b = b.where(keywordPredicate("name", keyword)) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id", .descending) }, offset: offset, limit: limit, map: map)
    }

    // MARK: template links

    /// Links user data to a template, replacing any earlier link.
    public static func link(_ sql: any SQLDatabase, _ l: TemplateUserDataLink) async throws {
        try await sql.delete(from: links).where("template_id", .equal, l.templateID).run()
        try await sql.insert(into: links).columns("template_id", "user_data_id", "policy")
            .values(SQLBind(l.templateID), SQLBind(l.userDataID), SQLBind(l.policy.rawValue)).run()
    }

    public static func unlink(_ sql: any SQLDatabase, templateID: Int64) async throws {
        try await sql.delete(from: links).where("template_id", .equal, templateID).run()
    }

    /// The user data linked to a template, if any.
    public static func link(_ sql: any SQLDatabase, templateID: Int64) async throws -> TemplateUserDataLink? {
        try await sql.select().column("*").from(links).where("template_id", .equal, templateID).first().map(mapLink)
    }

    /// The links of several templates, by template id.
    public static func links(_ sql: any SQLDatabase, templateIDs: [Int64]) async throws -> [Int64: TemplateUserDataLink] {
        guard !templateIDs.isEmpty else { return [:] }
        var out: [Int64: TemplateUserDataLink] = [:]
        for row in try await sql.select().column("*").from(links).where("template_id", .in, templateIDs).all() {
            let l = try mapLink(row); out[l.templateID] = l
        }
        return out
    }

    /// How many live templates or ISOs the user data is linked to.
    public static func linkedTemplateCount(_ sql: any SQLDatabase, userDataID: Int64) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(links)
            .join("templates", on: SQLColumn("template_id", table: links), .equal, SQLColumn("id", table: "templates"))
            .where(SQLColumn("user_data_id", table: links), .equal, SQLBind(userDataID))
            .where(SQLColumn("removed", table: "templates"), .is, SQLLiteral.null).first().map { try $0.int("n") } ?? 0
    }

    /// How many live instances were deployed with (or reset to) the user data.
    public static func instanceCount(_ sql: any SQLDatabase, userDataID: Int64) async throws -> Int {
        try await countRows(sql, table: "vm_instances") { $0.where("user_data_id", .equal, userDataID).where("removed", .is, SQLLiteral.null) }
    }
}
