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

/// Selects `table.column AS prefix_column` for each column.
func prefixedColumns(_ columns: [String], table: String, prefix: String) -> [any SQLExpression] {
    columns.map { SQLAlias(SQLColumn($0, table: table), as: SQLIdentifier(prefix + $0)) }
}

enum Columns {
    static let accounts = ["id", "uuid", "name", "account_type", "role_id", "domain_id", "state", "network_domain", "is_default", "created"]
    static let domains = ["id", "uuid", "name", "parent_id", "path", "level", "network_domain", "state", "created"]
    static let roles = ["id", "uuid", "name", "role_type", "description", "is_public", "is_default"]
}
