import SQLKit

extension Schema {
    /// Migration 4: OS categories and types, templates and ISOs, their copies on image stores
    /// (with download state and progress) and their launch permissions.
    static func createTemplates(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            "CREATE TABLE os_categories (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE)",
            """
            CREATE TABLE os_types (\(id), uuid TEXT NOT NULL UNIQUE, category_id BIGINT NOT NULL REFERENCES os_categories(id),
              description TEXT NOT NULL UNIQUE, is_user_defined BOOLEAN NOT NULL, for_display BOOLEAN NOT NULL)
            """,
            "CREATE INDEX os_types_category ON os_types (category_id)",
            // One row per template or ISO (format ISO). hypervisor is NULL for ISOs.
            """
            CREATE TABLE templates (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, display_text TEXT NOT NULL,
              format TEXT NOT NULL, template_type TEXT NOT NULL, hypervisor TEXT, os_type_id BIGINT NOT NULL REFERENCES os_types(id),
              account_id BIGINT NOT NULL REFERENCES accounts(id), domain_id BIGINT NOT NULL REFERENCES domains(id),
              url TEXT, checksum TEXT, is_public BOOLEAN NOT NULL, is_featured BOOLEAN NOT NULL, is_extractable BOOLEAN NOT NULL,
              password_enabled BOOLEAN NOT NULL, sshkey_enabled BOOLEAN NOT NULL, requires_hvm BOOLEAN NOT NULL,
              bootable BOOLEAN NOT NULL, cross_zones BOOLEAN NOT NULL, dynamically_scalable BOOLEAN NOT NULL,
              bits INTEGER NOT NULL, sort_key INTEGER NOT NULL, template_tag TEXT, source_template_id BIGINT,
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX templates_account ON templates (account_id)",
            "CREATE INDEX templates_public ON templates (is_public, is_featured)",
            // A template's copy on one image store (CloudStack's template_store_ref). updated is
            // the download's heartbeat; owner_server the management server downloading it.
            """
            CREATE TABLE template_store_refs (\(id), template_id BIGINT NOT NULL REFERENCES templates(id),
              store_id BIGINT NOT NULL REFERENCES image_stores(id), zone_id BIGINT REFERENCES zones(id),
              download_state TEXT NOT NULL, download_pct INTEGER NOT NULL, size BIGINT NOT NULL, physical_size BIGINT NOT NULL,
              install_path TEXT, error TEXT, owner_server TEXT, updated BIGINT NOT NULL, created BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX template_store_refs_unique ON template_store_refs (template_id, store_id)",
            "CREATE INDEX template_store_refs_state ON template_store_refs (download_state)",
            "CREATE INDEX template_store_refs_zone ON template_store_refs (zone_id)",
            // Launch permissions: accounts a private template is shared with.
            """
            CREATE TABLE template_permissions (template_id BIGINT NOT NULL REFERENCES templates(id),
              account_id BIGINT NOT NULL REFERENCES accounts(id), PRIMARY KEY (template_id, account_id))
            """,
            "CREATE INDEX template_permissions_account ON template_permissions (account_id)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
