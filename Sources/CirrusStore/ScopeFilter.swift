import CirrusModel
import SQLKit

/// Translates a ``ListScope`` into SQL predicates on a table that records its owner's
/// account and domain. The one place where tenancy becomes SQL.
enum ScopeFilter {
    static func apply<B: SQLPredicateBuilder>(_ scope: ListScope, to builder: B, accountColumn: any SQLExpression, domainColumn: any SQLExpression) -> B {
        switch scope {
        case .everything:
            return builder
        case .account(let id):
            return builder.where(accountColumn, .equal, literal(id))
        case .domain(let id):
            return builder.where(domainColumn, .equal, literal(id))
        case .domainTree(let path):
            return builder.where(domainColumn, .in, SQLSubdomains(path: path))
        }
    }
}

/// `(SELECT id FROM domains WHERE substr(path, 1, n) = path)`: the ids of a domain and all
/// domains below it, without LIKE (domain names may contain `%` or `_`).
struct SQLSubdomains: SQLExpression {
    let path: String

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write("(SELECT ")
        SQLIdentifier("id").serialize(to: &serializer)
        serializer.write(" FROM ")
        SQLIdentifier("domains").serialize(to: &serializer)
        serializer.write(" WHERE substr(")
        SQLIdentifier("path").serialize(to: &serializer)
        // PostgreSQL has no substr(text, integer, bigint): the length is cast explicitly.
        serializer.write(", 1, CAST(")
        SQLBind(path.count).serialize(to: &serializer)
        serializer.write(" AS INTEGER)) = ")
        SQLBind(path).serialize(to: &serializer)
        serializer.write(")")
    }
}

/// Applies an optional `LIMIT`/`OFFSET` window.
extension SQLSelectBuilder {
    func window(offset: Int, limit: Int?) -> Self {
        var b = self
        if let limit { b = b.limit(limit) }
        if offset > 0 { b = b.offset(offset) }
        return b
    }
}

/// The one count-then-page query of list repositories: `filtered` adds the FROM, joins and
/// predicates to a select; the total is counted over them and the page is read in `order`.
func fetchListing<T: Sendable>(_ sql: any SQLDatabase, columns: any SQLExpression = SQLLiteral.all,
                               filtered: (SQLSelectBuilder) -> SQLSelectBuilder,
                               order: (SQLSelectBuilder) -> SQLSelectBuilder,
                               offset: Int, limit: Int?, map: (any SQLRow) throws -> T) async throws -> Listing<T> {
    let total = try await filtered(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")).first().map { try $0.int("n") } ?? 0
    guard limit != 0 else { return Listing(items: [], total: total) }
    let rows = try await order(filtered(sql.select().column(columns))).window(offset: offset, limit: limit).all()
    return Listing(items: try rows.map(map), total: total)
}

/// A page of rows plus the total number of rows matching the filter.
public struct Listing<T: Sendable>: Sendable {
    public var items: [T]
    public var total: Int

    public init(items: [T], total: Int) {
        self.items = items
        self.total = total
    }
}
