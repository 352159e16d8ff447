import SQLKit

extension Schema {
    /// Migration 13: guest networks, NICs and their addresses, network permissions and
    /// virtual routers. `network_ip_allocations` holds every guest address taken on a network
    /// (NIC primary and secondary addresses, router addresses): its unique index is what
    /// guarantees an address is never handed out twice, across management servers.
    static func createNetworks(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE networks (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, display_text TEXT NOT NULL,
              zone_id BIGINT NOT NULL REFERENCES zones(id), physical_network_id BIGINT, network_offering_id BIGINT NOT NULL,
              guest_type TEXT NOT NULL, traffic_type TEXT NOT NULL, state TEXT NOT NULL, acl_type TEXT NOT NULL,
              account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, subdomain_access BOOLEAN,
              cidr TEXT, gateway TEXT, network_cidr TEXT, start_ip TEXT, end_ip TEXT, ip6_cidr TEXT, ip6_gateway TEXT,
              vlan TEXT, broadcast_uri TEXT, network_domain TEXT, dns1 TEXT, dns2 TEXT, ip6_dns1 TEXT, ip6_dns2 TEXT,
              vpc_id BIGINT, external_id TEXT, display_network BOOLEAN NOT NULL, restart_required BOOLEAN NOT NULL,
              redundant BOOLEAN NOT NULL, is_persistent BOOLEAN NOT NULL, public_mtu INTEGER NOT NULL, private_mtu INTEGER NOT NULL,
              is_account_default BOOLEAN NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX networks_account ON networks (account_id, removed)",
            "CREATE INDEX networks_zone ON networks (zone_id, removed)",
            // One automatically made network per account and zone, however many deploys race.
            "CREATE UNIQUE INDEX networks_account_default ON networks (account_id, zone_id) WHERE is_account_default AND removed IS NULL",
            """
            CREATE TABLE nics (\(id), uuid TEXT NOT NULL UNIQUE, owner_type TEXT NOT NULL, instance_id BIGINT NOT NULL,
              network_id BIGINT NOT NULL REFERENCES networks(id), mac_address TEXT NOT NULL, ip4_address TEXT, netmask TEXT, gateway TEXT,
              ip6_address TEXT, ip6_cidr TEXT, ip6_gateway TEXT, broadcast_uri TEXT, isolation_uri TEXT, device_id INTEGER NOT NULL,
              is_default BOOLEAN NOT NULL, state TEXT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX nics_instance ON nics (owner_type, instance_id, removed)",
            "CREATE INDEX nics_network ON nics (network_id, removed)",
            "CREATE UNIQUE INDEX nics_mac_live ON nics (network_id, mac_address) WHERE removed IS NULL",
            """
            CREATE TABLE nic_secondary_ips (\(id), uuid TEXT NOT NULL UNIQUE, nic_id BIGINT NOT NULL, instance_id BIGINT NOT NULL,
              network_id BIGINT NOT NULL, address TEXT NOT NULL, created BIGINT NOT NULL)
            """,
            "CREATE INDEX nic_secondary_ips_nic ON nic_secondary_ips (nic_id)",
            """
            CREATE TABLE network_ip_allocations (network_id BIGINT NOT NULL, address_num BIGINT NOT NULL, address TEXT NOT NULL,
              nic_id BIGINT, purpose TEXT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY (network_id, address_num))
            """,
            "CREATE INDEX network_ip_allocations_nic ON network_ip_allocations (nic_id)",
            """
            CREATE TABLE network_permissions (network_id BIGINT NOT NULL, account_id BIGINT NOT NULL, created BIGINT NOT NULL,
              PRIMARY KEY (network_id, account_id))
            """,
            """
            CREATE TABLE routers (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, network_id BIGINT, vpc_id BIGINT,
              zone_id BIGINT NOT NULL, pod_id BIGINT, host_id BIGINT, last_host_id BIGINT, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL,
              service_offering_id BIGINT, state TEXT NOT NULL, is_redundant BOOLEAN NOT NULL, redundant_state TEXT NOT NULL, priority INTEGER NOT NULL,
              guest_ip TEXT, public_ip TEXT, link_local_ip TEXT, template_version TEXT NOT NULL, software_version TEXT NOT NULL,
              document_generation BIGINT NOT NULL, applied_generation BIGINT NOT NULL, health_checks TEXT, health_checked BIGINT,
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX routers_network ON routers (network_id, removed)",
            "CREATE INDEX routers_vpc ON routers (vpc_id, removed)",
        ]
        for statement in statements { try await sql.raw(SQLQueryString(statement)).run() }
    }
}
