import Foundation
import SQLKit

extension Schema {
    /// Migration 16: VPCs, network ACL lists and their items (with the two built-in lists,
    /// `default_allow` and `default_deny`), private gateways and static routes; tiers point at
    /// their ACL list (`networks.network_acl_id`). ACL items and static routes that are
    /// deleted are deleted rows; VPCs, lists and gateways are soft-deleted.
    static func createVPCs(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE vpcs (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, display_text TEXT NOT NULL, cidr TEXT NOT NULL,
              zone_id BIGINT NOT NULL REFERENCES zones(id), vpc_offering_id BIGINT NOT NULL, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL,
              state TEXT NOT NULL, network_domain TEXT, redundant BOOLEAN NOT NULL, restart_required BOOLEAN NOT NULL, display BOOLEAN NOT NULL,
              dns1 TEXT, dns2 TEXT, ip6_dns1 TEXT, ip6_dns2 TEXT, public_mtu INTEGER NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX vpcs_account ON vpcs (account_id, removed)",
            """
            CREATE TABLE network_acl_lists (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, description TEXT NOT NULL, vpc_id BIGINT,
              display BOOLEAN NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX network_acl_lists_vpc ON network_acl_lists (vpc_id, removed)",
            """
            CREATE TABLE network_acl_items (\(id), uuid TEXT NOT NULL UNIQUE, acl_id BIGINT NOT NULL REFERENCES network_acl_lists(id),
              number INTEGER NOT NULL, action TEXT NOT NULL, traffic_type TEXT NOT NULL, protocol TEXT NOT NULL, start_port INTEGER, end_port INTEGER,
              icmp_type INTEGER, icmp_code INTEGER, cidrs TEXT NOT NULL, reason TEXT, state TEXT NOT NULL, display BOOLEAN NOT NULL,
              created BIGINT NOT NULL, UNIQUE (acl_id, number))
            """,
            """
            CREATE TABLE vpc_private_gateways (\(id), uuid TEXT NOT NULL UNIQUE, vpc_id BIGINT NOT NULL REFERENCES vpcs(id), zone_id BIGINT NOT NULL,
              account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, physical_network_id BIGINT, broadcast_uri TEXT, associated_network_id BIGINT,
              ip_address TEXT NOT NULL, gateway TEXT NOT NULL, netmask TEXT NOT NULL, source_nat_supported BOOLEAN NOT NULL,
              acl_id BIGINT NOT NULL, state TEXT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE INDEX vpc_private_gateways_vpc ON vpc_private_gateways (vpc_id, removed)",
            """
            CREATE TABLE vpc_static_routes (\(id), uuid TEXT NOT NULL UNIQUE, vpc_id BIGINT NOT NULL REFERENCES vpcs(id),
              gateway_id BIGINT NOT NULL REFERENCES vpc_private_gateways(id), cidr TEXT NOT NULL, state TEXT NOT NULL,
              account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, created BIGINT NOT NULL)
            """,
            "CREATE INDEX vpc_static_routes_vpc ON vpc_static_routes (vpc_id)",
            "ALTER TABLE networks ADD COLUMN network_acl_id BIGINT",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
        // The built-in lists: everything allowed, or everything denied, both ways.
        let now = Date().storedMillis
        for (name, description, action) in [("default_allow", "Default Network ACL Allow All", "Allow"), ("default_deny", "Default Network ACL Deny All", "Deny")] {
            let list = try await insertReturningID(sql, into: "network_acl_lists", [
                ("uuid", SQLBind(UUID().stored)), ("name", SQLBind(name)), ("description", SQLBind(description)), ("vpc_id", SQLLiteral.null),
                ("display", SQLBind(true)), ("created", SQLBind(now)),
            ])
            for (number, traffic) in [(1, "Ingress"), (2, "Egress")] {
                try await sql.insert(into: "network_acl_items").columns("uuid", "acl_id", "number", "action", "traffic_type", "protocol", "cidrs", "state",
                                                                        "display", "created")
                    .values(SQLBind(UUID().stored), SQLBind(list), SQLBind(number), SQLBind(action), SQLBind(traffic), SQLBind("all"),
                            SQLBind("0.0.0.0/0"), SQLBind("Active"), SQLBind(true), SQLBind(now)).run()
            }
        }
    }
}
