import CirrusModel
import Foundation
import SQLKit

// Small SQL helpers every repository shares.

/// A column name and the value written to it, for the repositories'
/// insert and update helpers.
typealias ColumnValue = (String, any SQLExpression)

/// Inserts one row built from `fields` and returns its new id.
func insertReturningID(_ sql: any SQLDatabase, into table: String, _ fields: [ColumnValue]) async throws -> Int64 {
    let row = try await sql.insert(into: table).columns(fields.map(\.0)).values(fields.map(\.1)).returning("id").first()
    guard let id = try row?.int64("id") else { throw StoreError("Inserting into \(table) returned no id") }
    return id
}

/// Overwrites the given columns of the row with `id`.
func updateColumns(_ sql: any SQLDatabase, table: String, id: Int64, _ fields: [ColumnValue]) async throws {
    guard !fields.isEmpty else { return }
    var b = sql.update(table)
    for (column, value) in fields { b = b.set(SQLIdentifier(column), to: value) }
    try await b.where("id", .equal, id).run()
}

/// Counts the rows of `table` matching `filter` (soft-deleted rows are the caller's concern).
func countRows(_ sql: any SQLDatabase, table: String, _ filter: (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> Int {
    try await filter(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(table)).first().map { try $0.int("n") } ?? 0
}

/// A case-insensitive substring predicate on one column.
func keywordPredicate(_ column: String, _ keyword: String) -> any SQLExpression {
    SQLBinaryExpression(SQLFunction("lower", args: SQLIdentifier(column)), .like, SQLBind("%\(keyword.lowercased())%"))
}
