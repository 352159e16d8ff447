import SQLKit

extension Schema {
    /// Migration 12: zones, pods, clusters and hosts dedicated to a domain or an account.
    /// One dedication per resource (the unique index settles concurrent requests).
    static func createDedications(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE dedicated_resources (\(id), uuid TEXT NOT NULL UNIQUE, resource_type TEXT NOT NULL, resource_id BIGINT NOT NULL,
              domain_id BIGINT NOT NULL, account_id BIGINT, created BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX dedicated_resources_resource ON dedicated_resources (resource_type, resource_id)",
            "CREATE INDEX dedicated_resources_domain ON dedicated_resources (domain_id)",
        ]
        for statement in statements { try await sql.raw(SQLQueryString(statement)).run() }
    }
}
