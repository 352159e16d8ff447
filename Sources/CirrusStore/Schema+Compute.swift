import SQLKit

extension Schema {
    /// Migration 7: instances, volumes, and the CPU/memory/storage they hold on hosts and
    /// pools. `host_allocations` and `pool_allocations` are what placement reserves
    /// against, with conditional updates, so that parallel deploys never oversubscribe.
    static func createCompute(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE vm_instances (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, display_name TEXT NOT NULL,
              host_name TEXT NOT NULL, vm_type TEXT NOT NULL, state TEXT NOT NULL, power_state TEXT NOT NULL,
              power_state_updated BIGINT, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, user_id BIGINT NOT NULL,
              zone_id BIGINT NOT NULL, pod_id BIGINT, cluster_id BIGINT, host_id BIGINT, last_host_id BIGINT,
              template_id BIGINT, iso_id BIGINT, service_offering_id BIGINT NOT NULL, disk_offering_id BIGINT,
              cpu INTEGER NOT NULL, cpu_speed BIGINT NOT NULL, memory BIGINT NOT NULL, ha_enabled BOOLEAN NOT NULL,
              display_vm BOOLEAN NOT NULL, limit_cpu_use BOOLEAN NOT NULL, dynamically_scalable BOOLEAN NOT NULL,
              os_type_id BIGINT NOT NULL, hypervisor_type TEXT NOT NULL, instance_group TEXT, password TEXT,
              keypairs TEXT NOT NULL, user_data TEXT, user_data_id BIGINT, user_data_details TEXT NOT NULL,
              details TEXT NOT NULL, update_count BIGINT NOT NULL, created BIGINT NOT NULL, destroyed BIGINT, removed BIGINT)
            """,
            "CREATE INDEX vm_instances_account ON vm_instances (account_id, removed)",
            "CREATE INDEX vm_instances_domain ON vm_instances (domain_id, removed)",
            "CREATE INDEX vm_instances_host ON vm_instances (host_id, state)",
            "CREATE INDEX vm_instances_state ON vm_instances (state, removed)",
            "CREATE INDEX vm_instances_name ON vm_instances (name)",
            """
            CREATE TABLE volumes (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, volume_type TEXT NOT NULL,
              state TEXT NOT NULL, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, zone_id BIGINT NOT NULL,
              pod_id BIGINT, pool_id BIGINT, last_pool_id BIGINT, instance_id BIGINT, device_id INTEGER,
              disk_offering_id BIGINT, template_id BIGINT, size BIGINT NOT NULL, min_iops BIGINT, max_iops BIGINT,
              provisioning_type TEXT NOT NULL, format TEXT, path TEXT, display_volume BOOLEAN NOT NULL,
              hypervisor_type TEXT, update_count BIGINT NOT NULL, attached BIGINT, created BIGINT NOT NULL,
              destroyed BIGINT, removed BIGINT)
            """,
            "CREATE INDEX volumes_instance ON volumes (instance_id, removed)",
            "CREATE INDEX volumes_account ON volumes (account_id, removed)",
            "CREATE INDEX volumes_pool ON volumes (pool_id, removed)",
            "CREATE INDEX volumes_state ON volumes (state, removed)",
            // CPU (MHz) and memory (bytes) held on a host by its instances; `reserved` is held
            // for stopped instances that may come back (capacity.skipcounting.hours).
            """
            CREATE TABLE host_allocations (host_id BIGINT PRIMARY KEY, cpu_used BIGINT NOT NULL, memory_used BIGINT NOT NULL,
              cpu_reserved BIGINT NOT NULL, memory_reserved BIGINT NOT NULL, instances INTEGER NOT NULL)
            """,
            // Bytes of volumes allocated on a pool.
            "CREATE TABLE pool_allocations (pool_id BIGINT PRIMARY KEY, allocated BIGINT NOT NULL, volumes INTEGER NOT NULL)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
