import SQLKit

/// A left join of a listing: `table AS alias ON alias.id = <listed table>.column`.
struct ListingJoin {
    let table: String
    let alias: String
    let column: String
}

/// The one count-window-join listing of large tables (instances, volumes): the total is
/// counted over the listed table alone; the page's ids are a window over that table alone
/// (a subquery), and only those rows are joined for their names. A late page of 100,000
/// rows then joins 500 rows, not the ones it skips.
///
/// `count` and `window` apply the same filter to the two queries (SQLKit's builders differ
/// in type, so the caller passes its generic filter twice).
func fetchWindowedListing<T: Sendable>(_ sql: any SQLDatabase, table: String, columns: String, joins: [ListingJoin],
                                       count: (SQLSelectBuilder) -> SQLSelectBuilder,
                                       window: (SQLSubqueryBuilder) -> SQLSubqueryBuilder,
                                       offset: Int, limit: Int?, map: (any SQLRow) throws -> T) async throws -> Listing<T> {
    let total = try await count(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(table)).first().map { try $0.int("n") } ?? 0
    guard limit != 0, total > offset else { return Listing(items: [], total: total) }
    var page = sql.select().column(SQLRaw(columns)).from(table)
    for j in joins {
        page = page.join(SQLAlias(SQLIdentifier(j.table), as: SQLIdentifier(j.alias)), method: SQLJoinMethod.left,
                         on: SQLColumn("id", table: j.alias), .equal, SQLColumn(j.column, table: table))
    }
    let ids = SQLSubqueryBuilder()
    var w = window(ids.column(SQLColumn("id", table: table)).from(table)).orderBy(SQLColumn("id", table: table))
    if let limit { w = w.limit(limit) }
    if offset > 0 { w = w.offset(offset) }
    let rows = try await page.where(SQLColumn("id", table: table), .in, w.query).orderBy(SQLColumn("id", table: table)).all()
    return Listing(items: try rows.map(map), total: total)
}
