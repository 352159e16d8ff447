import SQLKit

extension Schema {
    /// Migration 11: volume snapshots, snapshot policies and instance snapshots.
    static func createSnapshots(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            // Filled in by the owner of this migration; `id` is the dialect's key column.
        ]
        _ = id
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
