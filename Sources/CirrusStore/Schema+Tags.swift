import SQLKit

extension Schema {
    /// Migration 9: resource tags. One row per key on one resource; `resource_id` is the
    /// tagged row's internal id within the table of `resource_type`, `resource_uuid` its API
    /// id. The owner columns copy the resource's owner when the tag was made, so that
    /// `listTags` scopes without joining every taggable table.
    static func createTags(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE resource_tags (\(id), uuid TEXT NOT NULL UNIQUE, tag_key TEXT NOT NULL, value TEXT NOT NULL,
              resource_type TEXT NOT NULL, resource_id BIGINT NOT NULL, resource_uuid TEXT NOT NULL,
              account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, customer TEXT, created BIGINT NOT NULL)
            """,
            // One value per key on a resource; also the index the tag filters and loaders use.
            "CREATE UNIQUE INDEX resource_tags_key ON resource_tags (resource_type, resource_id, tag_key)",
            "CREATE INDEX resource_tags_pair ON resource_tags (resource_type, tag_key, value)",
            "CREATE INDEX resource_tags_uuid ON resource_tags (resource_uuid)",
            "CREATE INDEX resource_tags_account ON resource_tags (account_id)",
            "CREATE INDEX resource_tags_domain ON resource_tags (domain_id)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
