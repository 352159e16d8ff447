import SQLKit

extension Schema {
    /// Migration 15: the zones' guest IPv6 prefixes (4.17) and the /64 each dual-stack network
    /// holds. A subnet is a row keyed by (prefix, index): its primary key makes two networks
    /// taking the same /64 impossible, across management servers.
    static func createIPv6(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE guest_ipv6_prefixes (\(id), uuid TEXT NOT NULL UNIQUE, zone_id BIGINT NOT NULL REFERENCES zones(id),
              prefix TEXT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX guest_ipv6_prefixes_zone ON guest_ipv6_prefixes (zone_id, removed)",
            """
            CREATE TABLE guest_ipv6_subnets (prefix_id BIGINT NOT NULL REFERENCES guest_ipv6_prefixes(id), subnet_index BIGINT NOT NULL,
              subnet TEXT NOT NULL, network_id BIGINT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY (prefix_id, subnet_index))
            """,
            "CREATE UNIQUE INDEX guest_ipv6_subnets_network ON guest_ipv6_subnets (network_id)",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
