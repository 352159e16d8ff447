import SQLKit

extension Schema {
    /// Migration 3: service (compute), disk, network and VPC offerings, the services and
    /// providers of network and VPC offerings, and the domains and zones each offering is
    /// limited to (no rows: every domain, every zone).
    ///
    /// `unique_name` marks seeded offerings so that seeding runs once even after an admin
    /// deletes or renames one. Removal is soft (`removed`).
    static func createOfferings(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE disk_offerings (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, display_text TEXT NOT NULL,
              disk_size_gb BIGINT NOT NULL, customized BOOLEAN NOT NULL, customized_iops BOOLEAN NOT NULL, min_iops BIGINT, max_iops BIGINT,
              rates TEXT, tags TEXT, provisioning_type TEXT NOT NULL, cache_mode TEXT NOT NULL, storage_type TEXT NOT NULL,
              display_offering BOOLEAN NOT NULL, encrypt BOOLEAN NOT NULL, hv_snapshot_reserve INTEGER, disk_size_strictness BOOLEAN NOT NULL,
              state TEXT NOT NULL, sort_key INTEGER NOT NULL, compute_only BOOLEAN NOT NULL, unique_name TEXT UNIQUE,
              created BIGINT NOT NULL, removed BIGINT)
            """,
            """
            CREATE TABLE service_offerings (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, display_text TEXT NOT NULL,
              cpu_number INTEGER, cpu_speed INTEGER, memory INTEGER, customized BOOLEAN NOT NULL,
              min_cpu_number INTEGER, max_cpu_number INTEGER, min_memory INTEGER, max_memory INTEGER,
              offer_ha BOOLEAN NOT NULL, limit_cpu_use BOOLEAN NOT NULL, is_volatile BOOLEAN NOT NULL, host_tags TEXT,
              is_system BOOLEAN NOT NULL, system_vm_type TEXT, default_use BOOLEAN NOT NULL, deployment_planner TEXT, network_rate INTEGER,
              dynamic_scaling BOOLEAN NOT NULL, disk_offering_id BIGINT NOT NULL REFERENCES disk_offerings(id),
              disk_offering_strictness BOOLEAN NOT NULL, state TEXT NOT NULL, sort_key INTEGER NOT NULL, unique_name TEXT UNIQUE,
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX service_offerings_live ON service_offerings (removed, is_system)",
            """
            CREATE TABLE network_offerings (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, unique_name TEXT UNIQUE,
              display_text TEXT NOT NULL, guest_ip_type TEXT, traffic_type TEXT NOT NULL, tags TEXT,
              specify_vlan BOOLEAN NOT NULL, specify_ip_ranges BOOLEAN NOT NULL, conserve_mode BOOLEAN NOT NULL,
              egress_default_policy BOOLEAN NOT NULL, is_persistent BOOLEAN NOT NULL, availability TEXT NOT NULL, state TEXT NOT NULL,
              for_vpc BOOLEAN NOT NULL, network_rate INTEGER, is_default BOOLEAN NOT NULL, system_only BOOLEAN NOT NULL,
              internet_protocol TEXT, max_connections INTEGER, keep_alive BOOLEAN NOT NULL, service_offering_id BIGINT,
              capabilities TEXT NOT NULL, sort_key INTEGER NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            """
            CREATE TABLE vpc_offerings (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, unique_name TEXT UNIQUE,
              display_text TEXT NOT NULL, state TEXT NOT NULL, is_default BOOLEAN NOT NULL, capabilities TEXT NOT NULL,
              internet_protocol TEXT, service_offering_id BIGINT, sort_key INTEGER NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            // Services of network (kind 'network') and VPC (kind 'vpc') offerings; provider ''
            // for a service without one (Connectivity).
            """
            CREATE TABLE offering_services (kind TEXT NOT NULL, offering_id BIGINT NOT NULL, service TEXT NOT NULL,
              provider TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (kind, offering_id, service, provider))
            """,
            // Domains (scope 'domain') and zones (scope 'zone') an offering of any kind is limited to.
            """
            CREATE TABLE offering_scopes (kind TEXT NOT NULL, offering_id BIGINT NOT NULL, scope TEXT NOT NULL, ref_id BIGINT NOT NULL,
              PRIMARY KEY (kind, offering_id, scope, ref_id))
            """,
            "CREATE INDEX offering_scopes_ref ON offering_scopes (scope, ref_id)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
