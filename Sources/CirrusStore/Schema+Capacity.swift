import SQLKit

extension Schema {
    /// Schema for capacity and alerts.
    static func createCapacity(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
        ]
        _ = id
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
