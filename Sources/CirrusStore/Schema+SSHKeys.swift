import SQLKit

extension Schema {
    /// Migration 8: SSH key pairs, user data and affinity groups.
    static func createKeysAndUserData(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
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
