import SQLKit

extension Schema {
    /// Schema for the agent link and the Simulator's mocks.
    static func createAgentState(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
        ]
        _ = id
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
