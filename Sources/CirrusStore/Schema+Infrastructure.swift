import SQLKit

extension Schema {
    /// Migration 2: the infrastructure tree (zones, physical networks, pods, clusters, hosts),
    /// primary storage pools, image stores, public IP ranges and their addresses, guest
    /// VLAN/VNI allocation and pod (private) address allocation.
    ///
    /// Timestamps are milliseconds since the epoch; `removed` marks soft-deleted rows, and
    /// every uniqueness rule applies to live rows only.
    static func createInfrastructure(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements = [
            """
            CREATE TABLE zones (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, description TEXT,
              network_type TEXT NOT NULL, zone_type TEXT NOT NULL, dns1 TEXT, dns2 TEXT, ip6_dns1 TEXT, ip6_dns2 TEXT,
              internal_dns1 TEXT NOT NULL, internal_dns2 TEXT, guest_cidr TEXT, network_domain TEXT,
              domain_id BIGINT REFERENCES domains(id), allocation_state TEXT NOT NULL,
              security_group_enabled BOOLEAN NOT NULL, local_storage_enabled BOOLEAN NOT NULL,
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE UNIQUE INDEX zones_name_live ON zones (name) WHERE removed IS NULL",
            """
            CREATE TABLE physical_networks (\(id), uuid TEXT NOT NULL UNIQUE, zone_id BIGINT NOT NULL REFERENCES zones(id),
              name TEXT NOT NULL, vlan TEXT, isolation_methods TEXT NOT NULL, broadcast_domain_range TEXT NOT NULL,
              network_speed TEXT, tags TEXT, domain_id BIGINT REFERENCES domains(id), state TEXT NOT NULL,
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX physical_networks_zone ON physical_networks (zone_id)",
            """
            CREATE TABLE physical_network_traffic_types (\(id), uuid TEXT NOT NULL UNIQUE,
              physical_network_id BIGINT NOT NULL REFERENCES physical_networks(id), traffic_type TEXT NOT NULL,
              kvm_label TEXT, simulator_label TEXT, vlan TEXT, isolation_method TEXT)
            """,
            "CREATE UNIQUE INDEX traffic_types_unique ON physical_network_traffic_types (physical_network_id, traffic_type)",
            """
            CREATE TABLE network_service_providers (\(id), uuid TEXT NOT NULL UNIQUE,
              physical_network_id BIGINT NOT NULL REFERENCES physical_networks(id), provider_name TEXT NOT NULL,
              state TEXT NOT NULL, services TEXT NOT NULL, dest_physical_network_id BIGINT, removed BIGINT)
            """,
            "CREATE INDEX nsp_physical_network ON network_service_providers (physical_network_id)",
            """
            CREATE TABLE virtual_router_elements (\(id), uuid TEXT NOT NULL UNIQUE,
              nsp_id BIGINT NOT NULL REFERENCES network_service_providers(id), element_type TEXT NOT NULL,
              enabled BOOLEAN NOT NULL, removed BIGINT)
            """,
            """
            CREATE TABLE pods (\(id), uuid TEXT NOT NULL UNIQUE, zone_id BIGINT NOT NULL REFERENCES zones(id),
              name TEXT NOT NULL, gateway TEXT NOT NULL, cidr TEXT NOT NULL, start_ip TEXT, end_ip TEXT,
              allocation_state TEXT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX pods_zone ON pods (zone_id)",
            "CREATE UNIQUE INDEX pods_name_live ON pods (zone_id, name) WHERE removed IS NULL",
            """
            CREATE TABLE clusters (\(id), uuid TEXT NOT NULL UNIQUE, zone_id BIGINT NOT NULL REFERENCES zones(id),
              pod_id BIGINT NOT NULL REFERENCES pods(id), name TEXT NOT NULL, hypervisor_type TEXT NOT NULL,
              cluster_type TEXT NOT NULL, allocation_state TEXT NOT NULL, managed_state TEXT NOT NULL,
              arch TEXT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX clusters_pod ON clusters (pod_id)",
            "CREATE UNIQUE INDEX clusters_name_live ON clusters (pod_id, name) WHERE removed IS NULL",
            // status: the agent connection (HostStatus); resource_state: the administrative state.
            // owner_server: the management server holding the agent's connection; last_ping in ms.
            """
            CREATE TABLE hosts (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, guid TEXT NOT NULL,
              host_type TEXT NOT NULL, status TEXT NOT NULL, resource_state TEXT NOT NULL,
              zone_id BIGINT NOT NULL REFERENCES zones(id), pod_id BIGINT REFERENCES pods(id),
              cluster_id BIGINT REFERENCES clusters(id), hypervisor_type TEXT NOT NULL, hypervisor_version TEXT,
              url TEXT, private_ip TEXT, private_mac TEXT, public_ip TEXT, storage_ip TEXT,
              cpu_sockets INTEGER NOT NULL, cpus INTEGER NOT NULL, cpu_speed BIGINT NOT NULL, total_memory BIGINT NOT NULL,
              dom0_memory BIGINT NOT NULL, arch TEXT NOT NULL, capabilities TEXT, agent_version TEXT,
              owner_server TEXT, last_ping BIGINT, disconnected BIGINT, maintenance_reason TEXT,
              details TEXT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE UNIQUE INDEX hosts_guid_live ON hosts (guid) WHERE removed IS NULL",
            "CREATE INDEX hosts_cluster ON hosts (cluster_id)",
            "CREATE INDEX hosts_zone ON hosts (zone_id, id)",
            "CREATE INDEX hosts_status ON hosts (status, last_ping)",
            "CREATE TABLE host_tags (host_id BIGINT NOT NULL REFERENCES hosts(id), tag TEXT NOT NULL, PRIMARY KEY (host_id, tag))",
            "CREATE INDEX host_tags_tag ON host_tags (tag)",
            // scope: HOST (local storage, host_id set), CLUSTER or ZONE. Capacities in bytes.
            """
            CREATE TABLE storage_pools (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
              zone_id BIGINT NOT NULL REFERENCES zones(id), pod_id BIGINT REFERENCES pods(id),
              cluster_id BIGINT REFERENCES clusters(id), host_id BIGINT REFERENCES hosts(id),
              scope TEXT NOT NULL, pool_type TEXT NOT NULL, url TEXT, host_address TEXT, path TEXT NOT NULL,
              hypervisor_type TEXT, provider TEXT NOT NULL, capacity_bytes BIGINT NOT NULL, used_bytes BIGINT NOT NULL,
              capacity_iops BIGINT, status TEXT NOT NULL, managed BOOLEAN NOT NULL,
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX storage_pools_zone ON storage_pools (zone_id)",
            "CREATE INDEX storage_pools_cluster ON storage_pools (cluster_id)",
            "CREATE INDEX storage_pools_host ON storage_pools (host_id)",
            "CREATE TABLE storage_pool_tags (pool_id BIGINT NOT NULL REFERENCES storage_pools(id), tag TEXT NOT NULL, PRIMARY KEY (pool_id, tag))",
            """
            CREATE TABLE image_stores (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
              zone_id BIGINT REFERENCES zones(id), provider TEXT NOT NULL, protocol TEXT NOT NULL, url TEXT NOT NULL,
              path TEXT NOT NULL, scope TEXT NOT NULL, role TEXT NOT NULL, total_bytes BIGINT NOT NULL,
              used_bytes BIGINT NOT NULL, readonly BOOLEAN NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX image_stores_zone ON image_stores (zone_id)",
            // CloudStack's `vlan` table: one public (or shared-network) IP range.
            """
            CREATE TABLE vlan_ip_ranges (\(id), uuid TEXT NOT NULL UNIQUE, vlan_tag TEXT NOT NULL,
              gateway TEXT, netmask TEXT, start_ip TEXT, end_ip TEXT,
              ip6_gateway TEXT, ip6_cidr TEXT, ip6_start TEXT, ip6_end TEXT,
              zone_id BIGINT NOT NULL REFERENCES zones(id), pod_id BIGINT REFERENCES pods(id),
              physical_network_id BIGINT REFERENCES physical_networks(id), network_id BIGINT,
              vlan_type TEXT NOT NULL, for_system_vms BOOLEAN NOT NULL,
              account_id BIGINT REFERENCES accounts(id), domain_id BIGINT REFERENCES domains(id),
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX vlan_ip_ranges_zone ON vlan_ip_ranges (zone_id)",
            // One row per public address of a range (CloudStack's `user_ip_address`).
            // address_num is the IPv4 address as an integer, for ordering and overlap checks.
            """
            CREATE TABLE public_ip_addresses (\(id), uuid TEXT NOT NULL UNIQUE, address TEXT NOT NULL,
              address_num BIGINT NOT NULL, zone_id BIGINT NOT NULL REFERENCES zones(id),
              vlan_id BIGINT NOT NULL REFERENCES vlan_ip_ranges(id), physical_network_id BIGINT,
              state TEXT NOT NULL, account_id BIGINT, domain_id BIGINT, network_id BIGINT, vpc_id BIGINT,
              source_nat BOOLEAN NOT NULL, is_system BOOLEAN NOT NULL, allocated BIGINT, removed BIGINT)
            """,
            "CREATE UNIQUE INDEX public_ips_address_live ON public_ip_addresses (zone_id, address) WHERE removed IS NULL",
            "CREATE INDEX public_ips_vlan ON public_ip_addresses (vlan_id)",
            "CREATE INDEX public_ips_state ON public_ip_addresses (zone_id, state)",
            // Guest VLAN/VNI allocation (CloudStack's op_dc_vnet_alloc): one row per VNI of a
            // physical network's range; account_id and reservation_id are set while taken.
            """
            CREATE TABLE guest_vnets (\(id), vnet TEXT NOT NULL, vnet_num BIGINT NOT NULL,
              zone_id BIGINT NOT NULL REFERENCES zones(id), physical_network_id BIGINT NOT NULL REFERENCES physical_networks(id),
              account_id BIGINT, reservation_id TEXT, taken BIGINT)
            """,
            "CREATE UNIQUE INDEX guest_vnets_unique ON guest_vnets (physical_network_id, vnet_num)",
            "CREATE INDEX guest_vnets_free ON guest_vnets (physical_network_id, taken)",
            // Pod management addresses for system VMs (CloudStack's op_dc_ip_address_alloc).
            """
            CREATE TABLE pod_ip_addresses (\(id), address TEXT NOT NULL, address_num BIGINT NOT NULL,
              zone_id BIGINT NOT NULL REFERENCES zones(id), pod_id BIGINT NOT NULL REFERENCES pods(id),
              reservation_id TEXT, taken BIGINT)
            """,
            "CREATE UNIQUE INDEX pod_ips_unique ON pod_ip_addresses (pod_id, address_num)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
