import CirrusModel
import Foundation
import SQLKit

/// User rows.
public enum UserRepository {
    static let table = "users"

    static func map(_ row: any SQLRow) throws -> User {
        User(id: try row.int64("id"), uuid: try row.uuid("uuid"), username: try row.string("username"),
             passwordHash: try row.string("password_hash"), firstName: try row.string("firstname"), lastName: try row.string("lastname"),
             email: try row.optionalString("email"), timezone: try row.optionalString("timezone"), accountID: try row.int64("account_id"),
             state: try row.enumValue("state", as: UserState.self), apiKey: try row.optionalString("api_key"),
             secretKey: try row.optionalString("secret_key"), source: try row.string("source"), isDefault: try row.bool("is_default"),
             created: try row.date("created"))
    }

    /// Inserts a user of an account in domain `domainID` (kept on the row so that the database
    /// enforces unique user names per domain).
    public static func insert(_ sql: any SQLDatabase, _ user: User, domainID: Int64) async throws -> User {
        let row = try await sql.insert(into: table)
            .columns("uuid", "username", "password_hash", "firstname", "lastname", "email", "timezone", "account_id", "domain_id", "state", "api_key", "secret_key", "source", "is_default", "created")
            .values(SQLBind(user.uuid.stored), SQLBind(user.username), SQLBind(user.passwordHash), SQLBind(user.firstName), SQLBind(user.lastName),
                    SQLBind(user.email), SQLBind(user.timezone), SQLBind(user.accountID), SQLBind(domainID), SQLBind(user.state.rawValue), SQLBind(user.apiKey),
                    SQLBind(user.secretKey), SQLBind(user.source), SQLBind(user.isDefault), SQLBind(user.created.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting user \(user.username) returned no id") }
        var out = user
        out.id = id
        return out
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> User? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> User? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// Users by id, removed ones included (events and jobs keep naming them).
    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: User] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: User] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all() {
            let u = try map(row); out[u.id] = u
        }
        return out
    }

    public static func find(_ sql: any SQLDatabase, apiKey: String) async throws -> User? {
        try await sql.select().column("*").from(table).where("api_key", .equal, apiKey).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live user with this name among the accounts of one domain (user names are unique per domain).
    public static func find(_ sql: any SQLDatabase, username: String, domainID: Int64) async throws -> User? {
        try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("u"))).from(SQLAlias(SQLIdentifier(table), as: SQLIdentifier("u")))
            .join(SQLAlias(SQLIdentifier("accounts"), as: SQLIdentifier("a")), on: SQLColumn("account_id", table: "u"), .equal, SQLColumn("id", table: "a"))
            .where(SQLColumn("username", table: "u"), .equal, SQLBind(username))
            .where(SQLColumn("domain_id", table: "a"), .equal, SQLBind(domainID))
            .where(SQLColumn("removed", table: "u"), .is, SQLLiteral.null)
            .where(SQLColumn("removed", table: "a"), .is, SQLLiteral.null)
            .first().map(map)
    }

    public struct Filter: Sendable {
        public var scope: ListScope
        public var id: Int64?
        public var username: String?
        public var accountType: AccountType?
        public var state: UserState?
        public var keyword: String?
        public var accountID: Int64?

        public init(scope: ListScope, id: Int64? = nil, username: String? = nil, accountType: AccountType? = nil, state: UserState? = nil, keyword: String? = nil, accountID: Int64? = nil) {
            self.scope = scope
            self.id = id
            self.username = username
            self.accountType = accountType
            self.state = state
            self.keyword = keyword
            self.accountID = accountID
        }
    }

    /// The joins and predicates of a user listing (`u` users, `a` accounts).
    static func applyFilter(_ b: SQLSelectBuilder, _ filter: Filter) -> SQLSelectBuilder {
        var b = b.where(SQLColumn("removed", table: "u"), .is, SQLLiteral.null)
            .where(SQLColumn("id", table: "u"), .notEqual, literal(User.systemID))
        b = ScopeFilter.apply(filter.scope, to: b, accountColumn: SQLColumn("id", table: "a"), domainColumn: SQLColumn("domain_id", table: "a"))
        if let id = filter.id { b = b.where(SQLColumn("id", table: "u"), .equal, literal(id)) }
        if let name = filter.username { b = b.where(SQLColumn("username", table: "u"), .equal, SQLBind(name)) }
        if let type = filter.accountType { b = b.where(SQLColumn("account_type", table: "a"), .equal, SQLBind(type.rawValue)) }
        if let state = filter.state { b = b.where(SQLColumn("state", table: "u"), .equal, SQLBind(state.rawValue)) }
        if let account = filter.accountID { b = b.where(SQLColumn("account_id", table: "u"), .equal, SQLBind(account)) }
        if let keyword = filter.keyword {
            let like = SQLBind("%\(keyword.lowercased())%")
            b = b.where(SQLGroupExpression(SQLBinaryExpression(
                SQLBinaryExpression(SQLFunction("lower", args: SQLColumn("username", table: "u")), .like, like), .or,
                SQLBinaryExpression(SQLBinaryExpression(SQLFunction("lower", args: SQLColumn("firstname", table: "u")), .like, like), .or,
                                    SQLBinaryExpression(SQLFunction("lower", args: SQLColumn("lastname", table: "u")), .like, like)))))
        }
        return b
    }

    public static func list(_ sql: any SQLDatabase, filter: Filter, offset: Int, limit: Int?) async throws -> Listing<User> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            applyFilter(b.from(SQLAlias(SQLIdentifier(table), as: SQLIdentifier("u")))
                .join(SQLAlias(SQLIdentifier("accounts"), as: SQLIdentifier("a")), on: SQLColumn("account_id", table: "u"), .equal, SQLColumn("id", table: "a")), filter)
        }
        return try await fetchListing(sql, columns: SQLColumn(SQLLiteral.all, table: SQLIdentifier("u")), filtered: build,
                                      order: { $0.orderBy(SQLColumn("id", table: "u")) }, offset: offset, limit: limit, map: map)
    }

    /// A user with its account, domain and role, as list responses show them.
    public struct Owned: Sendable {
        public var user: User
        public var account: Account
        public var domain: Domain
        public var role: Role
    }

    static let ownedColumns = [
        prefixedColumns(Columns.accounts, table: "a", prefix: "a_"),
        prefixedColumns(Columns.domains, table: "d", prefix: "d_"),
        prefixedColumns(Columns.roles, table: "r", prefix: "r_"),
    ].joined(separator: ", ")

    /// Like ``list(_:filter:offset:limit:)`` but with each user's account, domain and role in
    /// one query: the hot path of `listUsers`. The total needs a second (count) query only
    /// when the page is full or lies past the end; otherwise it follows from the page.
    ///
    /// The SQL is written as text (``ownedQuery(_:count:)``) rather than built from SQLKit
    /// expressions: serialising the builder's expression tree cost as much as the query
    /// itself on every `listUsers`.
    public static func listOwned(_ sql: any SQLDatabase, filter: Filter, offset: Int, limit: Int?) async throws -> Listing<Owned> {
        var query = ownedQuery(filter, count: false)
        query.appendInterpolation(unsafeRaw: #" ORDER BY "u"."id" ASC"#)
        if let limit { query.appendInterpolation(unsafeRaw: " LIMIT \(limit)") }
        if offset > 0 { query.appendInterpolation(unsafeRaw: " OFFSET \(offset)") }
        let rows = try await sql.raw(query).all()
        let items = try rows.map { row in
            Owned(user: try map(row), account: try AccountRepository.map(PrefixedRow(base: row, prefix: "a_")),
                  domain: try DomainRepository.map(PrefixedRow(base: row, prefix: "d_")), role: try RoleRepository.mapRole(PrefixedRow(base: row, prefix: "r_")))
        }
        let pageIsPartial = limit.map { rows.count < $0 } ?? true
        if pageIsPartial && (!rows.isEmpty || offset == 0) {
            return Listing(items: items, total: offset + rows.count)
        }
        let total = try await sql.raw(ownedQuery(filter, count: true)).first().map { try $0.int("n") } ?? 0
        return Listing(items: items, total: total)
    }

    static let ownedSelect = #"SELECT "u".*, "# + ownedColumns + #" FROM "users" AS "u""#
        + #" JOIN "accounts" AS "a" ON "u"."account_id" = "a"."id""#
        + #" JOIN "domains" AS "d" ON "a"."domain_id" = "d"."id""#
        + #" JOIN "roles" AS "r" ON "a"."role_id" = "r"."id""#
    static let ownedCount = #"SELECT count(*) AS "n" FROM "users" AS "u" JOIN "accounts" AS "a" ON "u"."account_id" = "a"."id""#

    /// The select (or count) of ``listOwned(_:filter:offset:limit:)`` with the predicates of
    /// ``applyFilter(_:_:)``, as SQL text with bound values. Integer ids are literals (no
    /// re-prepare); every text value is bound. Portable: both engines quote identifiers with
    /// double quotes and accept `<>`, `LIKE`, `lower`, `substr` and `CAST(… AS INTEGER)`.
    static func ownedQuery(_ filter: Filter, count: Bool) -> SQLQueryString {
        var q = SQLQueryString(count ? ownedCount : ownedSelect)
        q.appendInterpolation(unsafeRaw: #" WHERE "u"."removed" IS NULL AND "u"."id" <> \#(User.systemID)"#)
        switch filter.scope {
        case .everything: break
        case .account(let id): q.appendInterpolation(unsafeRaw: #" AND "a"."id" = \#(id)"#)
        case .domain(let id): q.appendInterpolation(unsafeRaw: #" AND "a"."domain_id" = \#(id)"#)
        case .domainTree(let path):
            // As SQLSubdomains: the domain and those below it, by path prefix, without LIKE.
            q.appendInterpolation(unsafeRaw: #" AND "a"."domain_id" IN (SELECT "id" FROM "domains" WHERE substr("path", 1, CAST("#)
            q.appendInterpolation(bind: path.count)
            q.appendInterpolation(unsafeRaw: " AS INTEGER)) = ")
            q.appendInterpolation(bind: path)
            q.appendInterpolation(unsafeRaw: ")")
        }
        if let id = filter.id { q.appendInterpolation(unsafeRaw: #" AND "u"."id" = \#(id)"#) }
        if let name = filter.username {
            q.appendInterpolation(unsafeRaw: #" AND "u"."username" = "#)
            q.appendInterpolation(bind: name)
        }
        if let type = filter.accountType {
            q.appendInterpolation(unsafeRaw: #" AND "a"."account_type" = "#)
            q.appendInterpolation(bind: type.rawValue)
        }
        if let state = filter.state {
            q.appendInterpolation(unsafeRaw: #" AND "u"."state" = "#)
            q.appendInterpolation(bind: state.rawValue)
        }
        if let account = filter.accountID { q.appendInterpolation(unsafeRaw: #" AND "u"."account_id" = \#(account)"#) }
        if let keyword = filter.keyword {
            let like = "%\(keyword.lowercased())%"
            q.appendInterpolation(unsafeRaw: #" AND (lower("u"."username") LIKE "#)
            q.appendInterpolation(bind: like)
            q.appendInterpolation(unsafeRaw: #" OR lower("u"."firstname") LIKE "#)
            q.appendInterpolation(bind: like)
            q.appendInterpolation(unsafeRaw: #" OR lower("u"."lastname") LIKE "#)
            q.appendInterpolation(bind: like)
            q.appendInterpolation(unsafeRaw: ")")
        }
        return q
    }

    /// Live users of one account.
    public static func inAccount(_ sql: any SQLDatabase, accountID: Int64) async throws -> [User] {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map)
    }

    /// Live users of several accounts, grouped by account id.
    public static func inAccounts(_ sql: any SQLDatabase, accountIDs: [Int64]) async throws -> [Int64: [User]] {
        guard !accountIDs.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from(table).where("account_id", .in, accountIDs).where("removed", .is, SQLLiteral.null).orderBy("id").all()
        return Dictionary(grouping: try rows.map(map), by: \.accountID)
    }

    public static func update(_ sql: any SQLDatabase, _ user: User) async throws {
        try await sql.update(table)
            .set("username", to: user.username).set("password_hash", to: user.passwordHash)
            .set("firstname", to: user.firstName).set("lastname", to: user.lastName)
            .set("email", to: SQLBind(user.email)).set("timezone", to: SQLBind(user.timezone))
            .set("state", to: user.state.rawValue).set("api_key", to: SQLBind(user.apiKey)).set("secret_key", to: SQLBind(user.secretKey))
            .where("id", .equal, user.id).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        // The API key is dropped so that it can never authenticate again.
        try await sql.update(table).set("removed", to: date.storedMillis).set("api_key", to: SQLLiteral.null).set("secret_key", to: SQLLiteral.null)
            .set("state", to: UserState.disabled.rawValue).where("id", .equal, id).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, accountID: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).set("api_key", to: SQLLiteral.null).set("secret_key", to: SQLLiteral.null)
            .set("state", to: UserState.disabled.rawValue).where("account_id", .equal, accountID).where("removed", .is, SQLLiteral.null).run()
    }
}
