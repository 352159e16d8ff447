import CirrusModel
import Foundation
import SQLKit

/// Account rows.
public enum AccountRepository {
    static let table = "accounts"

    static func map(_ row: any SQLRow) throws -> Account {
        let rawType = try row.int("account_type")
        guard let type = AccountType(rawValue: rawType) else { throw StoreError("Stored account type \(rawType) is unknown") }
        return Account(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), type: type,
                       roleID: try row.int64("role_id"), domainID: try row.int64("domain_id"),
                       state: try row.enumValue("state", as: AccountState.self), networkDomain: try row.optionalString("network_domain"),
                       isDefault: try row.bool("is_default"), created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, uuid: UUID, name: String, type: AccountType, roleID: Int64, domainID: Int64, networkDomain: String?, isDefault: Bool, created: Date) async throws -> Account {
        let row = try await sql.insert(into: table)
            .columns("uuid", "name", "account_type", "role_id", "domain_id", "state", "network_domain", "is_default", "created")
            .values(SQLBind(uuid.stored), SQLBind(name), SQLBind(type.rawValue), SQLBind(roleID), SQLBind(domainID), SQLBind(AccountState.enabled.rawValue), SQLBind(networkDomain), SQLBind(isDefault), SQLBind(created.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting account \(name) returned no id") }
        return Account(id: id, uuid: uuid, name: name, type: type, roleID: roleID, domainID: domainID, state: .enabled, networkDomain: networkDomain, isDefault: isDefault, created: created)
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Account? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Account? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, name: String, domainID: Int64) async throws -> Account? {
        try await sql.select().column("*").from(table).where("name", .equal, name).where("domain_id", .equal, domainID)
            .where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// Accounts by id, removed ones included (events and jobs keep naming them).
    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: Account] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: Account] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all() {
            let a = try map(row); out[a.id] = a
        }
        return out
    }

    public struct Filter: Sendable {
        public var scope: ListScope
        public var id: Int64?
        public var name: String?
        public var type: AccountType?
        public var state: AccountState?
        public var keyword: String?

        public init(scope: ListScope, id: Int64? = nil, name: String? = nil, type: AccountType? = nil, state: AccountState? = nil, keyword: String? = nil) {
            self.scope = scope
            self.id = id
            self.name = name
            self.type = type
            self.state = state
            self.keyword = keyword
        }
    }

    public static func list(_ sql: any SQLDatabase, filter: Filter, offset: Int, limit: Int?) async throws -> Listing<Account> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null).where("id", .notEqual, Account.systemID)
            b = ScopeFilter.apply(filter.scope, to: b, accountColumn: SQLIdentifier("id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let type = filter.type { b = b.where("account_type", .equal, type.rawValue) }
            if let state = filter.state { b = b.where("state", .equal, state.rawValue) }
            if let keyword = filter.keyword { b = b.where(SQLFunction("lower", args: SQLIdentifier("name")), .like, SQLBind("%\(keyword.lowercased())%")) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    /// Live accounts in the given domains.
    public static func inDomains(_ sql: any SQLDatabase, domainIDs: [Int64]) async throws -> [Account] {
        guard !domainIDs.isEmpty else { return [] }
        return try await sql.select().column("*").from(table).where("domain_id", .in, domainIDs)
            .where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map)
    }

    public static func update(_ sql: any SQLDatabase, _ account: Account) async throws {
        try await sql.update(table).set("name", to: account.name).set("role_id", to: account.roleID)
            .set("network_domain", to: SQLBind(account.networkDomain)).set("state", to: account.state.rawValue)
            .set("account_type", to: account.type.rawValue)
            .where("id", .equal, account.id).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).set("state", to: AccountState.disabled.rawValue).where("id", .equal, id).run()
    }

    /// How many live accounts use a role (a role in use cannot be deleted).
    public static func count(_ sql: any SQLDatabase, roleID: Int64) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(table)
            .where("role_id", .equal, roleID).where("removed", .is, SQLLiteral.null).first().map { try $0.int("n") } ?? 0
    }
}
