import CirrusModel
import Foundation
import SQLKit

/// Role and role-permission rows.
public enum RoleRepository {
    static let roles = "roles"
    static let permissions = "role_permissions"

    static func mapRole(_ row: any SQLRow) throws -> Role {
        Role(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"),
             type: try row.enumValue("role_type", as: RoleType.self), description: try row.optionalString("description"),
             isPublic: try row.bool("is_public"), isDefault: try row.bool("is_default"))
    }

    static func mapPermission(_ row: any SQLRow) throws -> RolePermission {
        let pattern = try row.string("rule")
        guard let rule = APIRule(pattern) else { throw StoreError("Stored rule \(pattern) is not a valid API rule") }
        return RolePermission(id: try row.int64("id"), uuid: try row.uuid("uuid"), roleID: try row.int64("role_id"), rule: rule,
                              permission: try row.enumValue("permission", as: RulePermission.self),
                              description: try row.optionalString("description"), sortOrder: try row.int("sort_order"))
    }

    /// Inserts a role and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, uuid: UUID, name: String, type: RoleType, description: String?, isPublic: Bool, isDefault: Bool) async throws -> Role {
        let row = try await sql.insert(into: roles).columns("uuid", "name", "role_type", "description", "is_public", "is_default")
            .values(SQLBind(uuid.stored), SQLBind(name), SQLBind(type.rawValue), SQLBind(description), SQLBind(isPublic), SQLBind(isDefault))
            .returning("id").first()
        guard let newID = try row?.int64("id") else { throw StoreError("Inserting role \(name) returned no id") }
        return Role(id: newID, uuid: uuid, name: name, type: type, description: description, isPublic: isPublic, isDefault: isDefault)
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Role? {
        try await sql.select().column("*").from(roles).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(mapRole)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Role? {
        try await sql.select().column("*").from(roles).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(mapRole)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: Role] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: Role] = [:]
        for row in try await sql.select().column("*").from(roles).where("id", .in, Array(ids)).all() {
            let r = try mapRole(row); out[r.id] = r
        }
        return out
    }

    public static func findByName(_ sql: any SQLDatabase, name: String) async throws -> Role? {
        try await sql.select().column("*").from(roles).where(SQLFunction("lower", args: SQLIdentifier("name")), .equal, SQLBind(name.lowercased()))
            .where("removed", .is, SQLLiteral.null).first().map(mapRole)
    }

    public static func list(_ sql: any SQLDatabase, id: Int64?, name: String?, type: RoleType?, keyword: String?, publicOnlyExcept: Int64?, offset: Int, limit: Int?) async throws -> Listing<Role> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(roles).where("removed", .is, SQLLiteral.null)
            if let id { b = b.where("id", .equal, id) }
            if let name { b = b.where("name", .equal, name) }
            if let type { b = b.where("role_type", .equal, type.rawValue) }
            if let keyword { b = b.where(SQLFunction("lower", args: SQLIdentifier("name")), .like, SQLBind("%\(keyword.lowercased())%")) }
            if let own = publicOnlyExcept {
                b = b.where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("is_public"), .equal, SQLBind(true)), .or,
                                                                   SQLBinaryExpression(SQLIdentifier("id"), .equal, SQLBind(own)))))
            }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapRole)
    }

    public static func update(_ sql: any SQLDatabase, _ role: Role) async throws {
        try await sql.update(roles).set("name", to: role.name).set("description", to: SQLBind(role.description))
            .set("is_public", to: role.isPublic).set("role_type", to: role.type.rawValue).where("id", .equal, role.id).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.delete(from: permissions).where("role_id", .equal, id).run()
        try await sql.update(roles).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    // MARK: permissions

    public static func permissions(_ sql: any SQLDatabase, roleID: Int64) async throws -> [RolePermission] {
        try await sql.select().column("*").from(permissions).where("role_id", .equal, roleID).orderBy("sort_order").orderBy("id").all().map(mapPermission)
    }

    public static func permission(_ sql: any SQLDatabase, uuid: UUID) async throws -> RolePermission? {
        try await sql.select().column("*").from(permissions).where("uuid", .equal, uuid.stored).first().map(mapPermission)
    }

    /// Appends a rule at the end of the role's order.
    public static func insertPermission(_ sql: any SQLDatabase, uuid: UUID, roleID: Int64, rule: APIRule, permission: RulePermission, description: String?) async throws -> RolePermission {
        let maxRow = try await sql.select().column(SQLFunction("max", args: SQLIdentifier("sort_order")), as: "m").from(permissions).where("role_id", .equal, roleID).first()
        let next = (try maxRow?.decode(column: "m", as: Int64?.self)).flatMap { $0 }.map { Int($0) + 1 } ?? 0
        let row = try await sql.insert(into: permissions).columns("uuid", "role_id", "rule", "permission", "description", "sort_order")
            .values(SQLBind(uuid.stored), SQLBind(roleID), SQLBind(rule.pattern), SQLBind(permission.rawValue), SQLBind(description), SQLBind(next))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting a role permission returned no id") }
        return RolePermission(id: id, uuid: uuid, roleID: roleID, rule: rule, permission: permission, description: description, sortOrder: next)
    }

    public static func setPermission(_ sql: any SQLDatabase, id: Int64, permission: RulePermission) async throws {
        try await sql.update(permissions).set("permission", to: permission.rawValue).where("id", .equal, id).run()
    }

    public static func setSortOrder(_ sql: any SQLDatabase, id: Int64, order: Int) async throws {
        try await sql.update(permissions).set("sort_order", to: order).where("id", .equal, id).run()
    }

    public static func deletePermission(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: permissions).where("id", .equal, id).run()
    }
}
