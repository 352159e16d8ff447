import SQLKit

extension Schema {
    /// Migration 5: the Simulator's mocks (`configureSimulator`). Scope columns are the
    /// internal ids of the zone, pod, cluster and host the mock applies to (NULL = any);
    /// `remaining` counts down on each use (NULL = forever).
    static func createAgentState(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE simulator_mocks (\(id), zone_id BIGINT, pod_id BIGINT, cluster_id BIGINT, host_id BIGINT,
              name TEXT NOT NULL, value TEXT NOT NULL, remaining INTEGER, json_response TEXT,
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX simulator_mocks_name ON simulator_mocks (name, removed)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
