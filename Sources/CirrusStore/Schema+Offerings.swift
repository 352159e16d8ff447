import SQLKit

extension Schema {
    /// Schema for offerings (owned by the offerings work).
    static func createOfferings(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
        ]
        _ = id
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
