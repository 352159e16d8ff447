import SQLKit

extension Schema {
    /// Migration 14: static NAT on public addresses, and the rules on public addresses and
    /// networks. Every rule has a `firewall_rules` row (purpose Firewall, PortForwarding,
    /// LoadBalancing or StaticNat; ingress on an address, or egress on a network) as in
    /// CloudStack; port forwarding and load balancing keep their details in their own tables.
    /// Deleted rules are deleted rows: nothing refers to a rule once it is gone.
    static func createRules(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            "ALTER TABLE public_ip_addresses ADD COLUMN one_to_one_nat BOOLEAN NOT NULL DEFAULT FALSE",
            "ALTER TABLE public_ip_addresses ADD COLUMN vm_id BIGINT",
            "ALTER TABLE public_ip_addresses ADD COLUMN vm_ip TEXT",
            "ALTER TABLE public_ip_addresses ADD COLUMN for_display BOOLEAN NOT NULL DEFAULT TRUE",
            "CREATE INDEX public_ips_network ON public_ip_addresses (network_id)",
            """
            CREATE TABLE firewall_rules (\(id), uuid TEXT NOT NULL UNIQUE, purpose TEXT NOT NULL, traffic_type TEXT NOT NULL,
              protocol TEXT NOT NULL, start_port INTEGER, end_port INTEGER, icmp_type INTEGER, icmp_code INTEGER,
              ip_address_id BIGINT, network_id BIGINT NOT NULL, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL,
              state TEXT NOT NULL, source_cidrs TEXT NOT NULL, dest_cidrs TEXT NOT NULL, display BOOLEAN NOT NULL,
              related_rule_id BIGINT, created BIGINT NOT NULL)
            """,
            "CREATE INDEX firewall_rules_ip ON firewall_rules (ip_address_id, purpose)",
            "CREATE INDEX firewall_rules_network ON firewall_rules (network_id, purpose)",
            """
            CREATE TABLE port_forwarding_rules (rule_id BIGINT PRIMARY KEY REFERENCES firewall_rules(id) ON DELETE CASCADE,
              instance_id BIGINT NOT NULL, dest_ip TEXT NOT NULL, dest_start_port INTEGER NOT NULL, dest_end_port INTEGER NOT NULL)
            """,
            "CREATE INDEX port_forwarding_instance ON port_forwarding_rules (instance_id)",
            """
            CREATE TABLE load_balancer_rules (rule_id BIGINT PRIMARY KEY REFERENCES firewall_rules(id) ON DELETE CASCADE,
              name TEXT NOT NULL, description TEXT, algorithm TEXT NOT NULL, private_port INTEGER NOT NULL, lb_protocol TEXT NOT NULL)
            """,
            """
            CREATE TABLE load_balancer_members (rule_id BIGINT NOT NULL REFERENCES firewall_rules(id) ON DELETE CASCADE,
              instance_id BIGINT NOT NULL, guest_ip TEXT NOT NULL, PRIMARY KEY (rule_id, instance_id, guest_ip))
            """,
            "CREATE INDEX load_balancer_members_instance ON load_balancer_members (instance_id)",
            """
            CREATE TABLE load_balancer_policies (\(id), uuid TEXT NOT NULL UNIQUE,
              rule_id BIGINT NOT NULL REFERENCES firewall_rules(id) ON DELETE CASCADE, kind TEXT NOT NULL,
              name TEXT, method TEXT, params TEXT NOT NULL, description TEXT, ping_path TEXT, response_timeout INTEGER,
              check_interval INTEGER, healthy_threshold INTEGER, unhealthy_threshold INTEGER, display BOOLEAN NOT NULL)
            """,
            "CREATE INDEX load_balancer_policies_rule ON load_balancer_policies (rule_id, kind)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
