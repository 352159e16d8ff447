import SQLKit

extension Schema {
    /// Migration 10: resource limits, counts and usage events.
    ///
    /// `resource_limits` holds only the limits someone set (a missing row means the
    /// `max.account.*`/`max.domain.*` default). `resource_counts` holds one row per owner
    /// and type, created lazily; reservations move it with a conditional UPDATE so that
    /// parallel reservations never both take the last unit. Storage is in bytes, memory
    /// in MiB.
    static func createLimits(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE resource_limits (\(id), owner_type TEXT NOT NULL, owner_id BIGINT NOT NULL,
              resource_type INTEGER NOT NULL, max_value BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX resource_limits_owner ON resource_limits (owner_type, owner_id, resource_type)",
            """
            CREATE TABLE resource_counts (owner_type TEXT NOT NULL, owner_id BIGINT NOT NULL, resource_type INTEGER NOT NULL,
              count_value BIGINT NOT NULL, PRIMARY KEY (owner_type, owner_id, resource_type))
            """,
            """
            CREATE TABLE usage_events (\(id), event_type TEXT NOT NULL, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL,
              zone_id BIGINT, resource_id BIGINT, resource_uuid TEXT, resource_name TEXT, offering_id BIGINT, template_id BIGINT,
              size BIGINT, virtual_size BIGINT, resource_type TEXT, processed BOOLEAN NOT NULL, created BIGINT NOT NULL)
            """,
            "CREATE INDEX usage_events_account ON usage_events (account_id, id)",
            "CREATE INDEX usage_events_processed ON usage_events (processed, id)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
