import Foundation
import SQLKit

extension Schema {
    /// Migration 18: site-to-site VPN (a VPC's VPN gateway on its source NAT address, customer
    /// gateways, the connections between them) and remote access VPN (one per public address,
    /// for an isolated network or a VPC) with the account's VPN users. Every table is
    /// soft-deleted (`removed`); partial unique indexes keep one live gateway per VPC, one live
    /// customer gateway name per account, one live connection per gateway pair, one live
    /// remote access VPN per address and one live user name per account, so races end in a
    /// constraint error rather than a duplicate.
    static func createVPN(_ sql: any SQLDatabase, _ dialect: DatabaseDialect) async throws {
        let id = idColumn(dialect)
        let statements: [String] = [
            """
            CREATE TABLE vpn_gateways (\(id), uuid TEXT NOT NULL UNIQUE, vpc_id BIGINT NOT NULL REFERENCES vpcs(id), ip_address_id BIGINT NOT NULL,
              account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, display BOOLEAN NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE UNIQUE INDEX vpn_gateways_vpc_live ON vpn_gateways (vpc_id) WHERE removed IS NULL",
            "CREATE INDEX vpn_gateways_account ON vpn_gateways (account_id, removed)",
            """
            CREATE TABLE vpn_customer_gateways (\(id), uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, gateway TEXT NOT NULL, cidrs TEXT NOT NULL,
              ipsec_psk TEXT NOT NULL, ike_policy TEXT NOT NULL, esp_policy TEXT NOT NULL, ike_lifetime INTEGER NOT NULL, esp_lifetime INTEGER NOT NULL,
              dpd BOOLEAN NOT NULL, force_encap BOOLEAN NOT NULL, ike_version TEXT NOT NULL, split_connections BOOLEAN NOT NULL,
              account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE UNIQUE INDEX vpn_customer_gateways_name_live ON vpn_customer_gateways (account_id, name) WHERE removed IS NULL",
            """
            CREATE TABLE vpn_connections (\(id), uuid TEXT NOT NULL UNIQUE, vpn_gateway_id BIGINT NOT NULL REFERENCES vpn_gateways(id),
              customer_gateway_id BIGINT NOT NULL REFERENCES vpn_customer_gateways(id), state TEXT NOT NULL, passive BOOLEAN NOT NULL,
              display BOOLEAN NOT NULL, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE UNIQUE INDEX vpn_connections_pair_live ON vpn_connections (vpn_gateway_id, customer_gateway_id) WHERE removed IS NULL",
            "CREATE INDEX vpn_connections_customer ON vpn_connections (customer_gateway_id, removed)",
            """
            CREATE TABLE remote_access_vpns (\(id), uuid TEXT NOT NULL UNIQUE, ip_address_id BIGINT NOT NULL, network_id BIGINT, vpc_id BIGINT,
              account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, local_ip TEXT NOT NULL, ip_range TEXT NOT NULL, ipsec_psk TEXT NOT NULL,
              state TEXT NOT NULL, display BOOLEAN NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE UNIQUE INDEX remote_access_vpns_ip_live ON remote_access_vpns (ip_address_id) WHERE removed IS NULL",
            "CREATE INDEX remote_access_vpns_account ON remote_access_vpns (account_id, removed)",
            """
            CREATE TABLE vpn_users (\(id), uuid TEXT NOT NULL UNIQUE, account_id BIGINT NOT NULL, domain_id BIGINT NOT NULL, username TEXT NOT NULL,
              password TEXT NOT NULL, state TEXT NOT NULL, created BIGINT NOT NULL, removed BIGINT)
            """,
            "CREATE UNIQUE INDEX vpn_users_name_live ON vpn_users (account_id, username) WHERE removed IS NULL",
        ]
        for statement in statements {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
