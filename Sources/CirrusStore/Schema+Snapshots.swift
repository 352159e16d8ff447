import SQLKit

extension Schema {
    /// Migration 11: volume snapshots, their copies on zones' image stores, snapshot policies
    /// and instance snapshots.
    ///
    /// `snapshots.physical_size` is the bytes counted against `secondary_storage` while the row
    /// is not `removed`; a snapshot that failed or was deleted gets `removed`. A policy keeps its
    /// next run in `next_run` (one row per volume and interval type while not removed), so the
    /// scheduler needs no other table.
    static func createSnapshots(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE snapshots (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL,
              zone_id BIGINT NOT NULL, volume_id BIGINT NOT NULL, disk_offering_id BIGINT, snapshot_type TEXT NOT NULL, state TEXT NOT NULL,
              size BIGINT NOT NULL, physical_size BIGINT NOT NULL, hypervisor_type TEXT, location_type TEXT, policy_id BIGINT,
              update_count BIGINT NOT NULL DEFAULT 0, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX snapshots_volume ON snapshots (volume_id, removed)",
            "CREATE INDEX snapshots_account ON snapshots (account_id, removed)",
            "CREATE INDEX snapshots_policy ON snapshots (policy_id, removed)",
            """
            CREATE TABLE snapshot_store_refs (\(id), snapshot_id BIGINT NOT NULL, zone_id BIGINT NOT NULL, store_id BIGINT,
              state TEXT NOT NULL, install_path TEXT, size BIGINT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX snapshot_store_refs_snapshot ON snapshot_store_refs (snapshot_id, removed)",
            """
            CREATE TABLE snapshot_policies (\(id), uuid TEXT NOT NULL UNIQUE, volume_id BIGINT NOT NULL, account_id BIGINT NOT NULL,
              domain_id BIGINT NOT NULL, interval_type TEXT NOT NULL, schedule TEXT NOT NULL, timezone TEXT NOT NULL, max_snaps INTEGER NOT NULL,
              display BOOLEAN NOT NULL, next_run BIGINT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX snapshot_policies_volume ON snapshot_policies (volume_id, removed)",
            "CREATE INDEX snapshot_policies_due ON snapshot_policies (next_run, removed)",
            """
            CREATE TABLE vm_snapshots (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, display_name TEXT NOT NULL, description TEXT,
              vm_id BIGINT NOT NULL, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, zone_id BIGINT NOT NULL, state TEXT NOT NULL,
              snapshot_type TEXT NOT NULL, parent_id BIGINT, is_current BOOLEAN NOT NULL, update_count BIGINT NOT NULL DEFAULT 0,
              created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX vm_snapshots_vm ON vm_snapshots (vm_id, removed)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
