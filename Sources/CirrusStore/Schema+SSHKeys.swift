import SQLKit

extension Schema {
    /// Migration 8: SSH key pairs, managed user data (and its links to templates), affinity
    /// groups and their instance memberships. Key pairs, user data and affinity groups are
    /// deleted for good, as CloudStack does; names are unique per account.
    static func createKeysAndUserData(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE ssh_keypairs (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
              account_id BIGINT NOT NULL REFERENCES accounts(id), domain_id BIGINT NOT NULL REFERENCES domains(id),
              public_key TEXT NOT NULL, fingerprint TEXT NOT NULL, created BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX ssh_keypairs_name ON ssh_keypairs (account_id, name)",
            "CREATE INDEX ssh_keypairs_domain ON ssh_keypairs (domain_id)",
            """
            CREATE TABLE user_data (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
              account_id BIGINT NOT NULL REFERENCES accounts(id), domain_id BIGINT NOT NULL REFERENCES domains(id),
              user_data TEXT NOT NULL, params TEXT, created BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX user_data_name ON user_data (account_id, name)",
            "CREATE INDEX user_data_domain ON user_data (domain_id)",
            // The user data linked to a template or ISO (linkUserDataToTemplate), one per template.
            """
            CREATE TABLE template_user_data (template_id BIGINT PRIMARY KEY REFERENCES templates(id),
              user_data_id BIGINT NOT NULL REFERENCES user_data(id), policy TEXT NOT NULL)
            """,
            "CREATE INDEX template_user_data_user_data ON template_user_data (user_data_id)",
            """
            CREATE TABLE affinity_groups (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, description TEXT,
              group_type TEXT NOT NULL, account_id BIGINT NOT NULL REFERENCES accounts(id),
              domain_id BIGINT NOT NULL REFERENCES domains(id), created BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX affinity_groups_name ON affinity_groups (account_id, name)",
            "CREATE INDEX affinity_groups_domain ON affinity_groups (domain_id)",
            """
            CREATE TABLE affinity_group_vm_map (affinity_group_id BIGINT NOT NULL REFERENCES affinity_groups(id),
              instance_id BIGINT NOT NULL REFERENCES vm_instances(id), PRIMARY KEY (affinity_group_id, instance_id))
            """,
            "CREATE INDEX affinity_group_vm_map_instance ON affinity_group_vm_map (instance_id)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
