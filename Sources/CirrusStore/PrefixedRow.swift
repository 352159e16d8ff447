import SQLKit

/// A view of a joined row that reads the columns of one table, selected with a prefix
/// (`a_name` for `accounts.name`), under their plain names, so that one mapping function
/// serves both plain and joined queries.
struct PrefixedRow: SQLRow {
    let base: any SQLRow
    let prefix: String

    var allColumns: [String] {
        base.allColumns.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    func contains(column: String) -> Bool { base.contains(column: prefix + column) }

    func decodeNil(column: String) throws -> Bool { try base.decodeNil(column: prefix + column) }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D { try base.decode(column: prefix + column, as: D.self) }
}

/// `"table"."column" AS "prefix_column", …` for each column, as one pre-rendered piece of
/// SQL: both engines quote identifiers with double quotes, and rendering forty identifiers
/// through SQLKit's serializer on every request showed up as a fifth of a listUsers profile.
func prefixedColumns(_ columns: [String], table: String, prefix: String) -> String {
    columns.map { #""\#(table)"."\#($0)" AS "\#(prefix)\#($0)""# }.joined(separator: ", ")
}

/// An integer as an SQL literal. Used instead of a bound parameter for internal ids, so that
/// SQLite does not re-plan the statement for each new value (bound values in WHERE clauses
/// can force a re-prepare); integers cannot carry injection.
func literal(_ value: Int64) -> SQLLiteral { .numeric(String(value)) }

enum Columns {
    static let accounts = ["id", "uuid", "name", "account_type", "role_id", "domain_id", "state", "network_domain", "is_default", "created"]
    static let domains = ["id", "uuid", "name", "parent_id", "path", "level", "network_domain", "state", "created"]
    static let roles = ["id", "uuid", "name", "role_type", "description", "is_public", "is_default"]
}
