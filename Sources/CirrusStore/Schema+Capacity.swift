import SQLKit

extension Schema {
    /// Migration 6: measured capacity (CloudStack's `op_host_capacity`) and operator alerts.
    static func createCapacity(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            // One row per (owner, capacity type); rewritten by each capacity check.
            """
            CREATE TABLE capacity (owner TEXT NOT NULL, owner_id BIGINT NOT NULL, capacity_type INTEGER NOT NULL,
              zone_id BIGINT NOT NULL, pod_id BIGINT, cluster_id BIGINT, used BIGINT NOT NULL, reserved BIGINT NOT NULL,
              total BIGINT NOT NULL, tag TEXT, updated BIGINT NOT NULL, PRIMARY KEY (owner, owner_id, capacity_type))
            """,
            "CREATE INDEX capacity_zone ON capacity (zone_id, capacity_type)",
            """
            CREATE TABLE alerts (\(id), uuid TEXT NOT NULL UNIQUE, alert_type INTEGER NOT NULL, name TEXT NOT NULL,
              subject TEXT NOT NULL, content TEXT, zone_id BIGINT, pod_id BIGINT, cluster_id BIGINT,
              sent_count INTEGER NOT NULL, archived BOOLEAN NOT NULL, created BIGINT NOT NULL, last_sent BIGINT NOT NULL)
            """,
            "CREATE INDEX alerts_type ON alerts (alert_type, zone_id, pod_id, cluster_id)",
            "CREATE INDEX alerts_created ON alerts (created)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
