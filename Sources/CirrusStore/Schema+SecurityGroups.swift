import Foundation
import SQLKit

extension Schema {
    /// Migration 17: security groups, their rules and memberships, and the rule set each
    /// instance's host was last sent. Groups are soft-deleted (`removed`) so that tags and
    /// events can still name them; their rules and memberships are deleted rows. An account
    /// has at most one live group of a name. `security_group_rulesets` keeps, per instance,
    /// the sequence number of the last rule set sent, what it contained (a signature) and the
    /// host that applied it, so that only changed rule sets are pushed again.
    static func createSecurityGroups(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE security_groups (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, description TEXT,
              account_id BIGINT NOT NULL REFERENCES accounts(id), domain_id BIGINT NOT NULL REFERENCES domains(id),
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE UNIQUE INDEX security_groups_name_live ON security_groups (account_id, name) WHERE removed IS NULL",
            "CREATE INDEX security_groups_domain ON security_groups (domain_id)",
            """
            CREATE TABLE security_group_rules (\(id), uuid TEXT NOT NULL UNIQUE,
              group_id BIGINT NOT NULL REFERENCES security_groups(id), rule_type TEXT NOT NULL, protocol TEXT NOT NULL,
              start_port INTEGER, end_port INTEGER, icmp_type INTEGER, icmp_code INTEGER, cidr TEXT,
              allowed_group_id BIGINT REFERENCES security_groups(id), created BIGINT NOT NULL)
            """,
            "CREATE INDEX security_group_rules_group ON security_group_rules (group_id, rule_type)",
            "CREATE INDEX security_group_rules_allowed ON security_group_rules (allowed_group_id)",
            """
            CREATE TABLE security_group_vm_map (group_id BIGINT NOT NULL REFERENCES security_groups(id),
              instance_id BIGINT NOT NULL REFERENCES vm_instances(id), PRIMARY KEY (group_id, instance_id))
            """,
            "CREATE INDEX security_group_vm_map_instance ON security_group_vm_map (instance_id)",
            """
            CREATE TABLE security_group_rulesets (instance_id BIGINT PRIMARY KEY REFERENCES vm_instances(id),
              sequence BIGINT NOT NULL, signature TEXT, host_id BIGINT, applied BIGINT)
            """,
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
        // Every account has its "default" group; accounts made before this migration get theirs now.
        let now = Date().storedMillis
        for row in try await sql.select().column("id").column("domain_id").from("accounts").where("removed", .is, SQLLiteral.null).all() {
            try await sql.insert(into: "security_groups").columns("uuid", "name", "description", "account_id", "domain_id", "created")
                .values(SQLBind(UUID().stored), SQLBind("default"), SQLBind("Default Security Group"),
                        SQLBind(try row.decode(column: "id", as: Int64.self)), SQLBind(try row.decode(column: "domain_id", as: Int64.self)), SQLBind(now)).run()
        }
    }
}
