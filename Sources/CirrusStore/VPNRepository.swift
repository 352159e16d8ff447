import CirrusModel
import Foundation
import SQLKit

/// Site-to-site VPN rows (`vpn_gateways`, `vpn_customer_gateways`, `vpn_connections`) and
/// remote access VPN rows (`remote_access_vpns`, `vpn_users`). Every table is soft-deleted:
/// lookups see live rows only.
public enum VPNRepository {
    static let gateways = "vpn_gateways"
    static let customerGateways = "vpn_customer_gateways"
    static let connections = "vpn_connections"
    static let remoteAccess = "remote_access_vpns"
    static let users = "vpn_users"

    static func live(_ b: SQLSelectBuilder, _ table: String) -> SQLSelectBuilder {
        b.from(table).where("removed", .is, SQLLiteral.null)
    }

    static func markRemoved(_ sql: any SQLDatabase, _ table: String, ids: [Int64], at date: Date) async throws {
        guard !ids.isEmpty else { return }
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .in, ids).run()
    }

    /// Takes the account row's write lock for the rest of the transaction (a no-op update):
    /// VPN user additions of one account are serialised by it, so the user limit holds.
    public static func lockAccount(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.update(AccountRepository.table).set(SQLIdentifier("state"), to: SQLIdentifier("state")).where("id", .equal, id).run()
    }

    // MARK: - VPN gateways

    static func mapGateway(_ row: any SQLRow) throws -> VPNGateway {
        VPNGateway(id: try row.int64("id"), uuid: try row.uuid("uuid"), vpcID: try row.int64("vpc_id"), ipAddressID: try row.int64("ip_address_id"),
                   accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"), display: try row.bool("display"), created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, _ g: VPNGateway) async throws -> VPNGateway {
        var out = g
        out.id = try await insertReturningID(sql, into: gateways, [
            ("uuid", SQLBind(g.uuid.stored)), ("vpc_id", SQLBind(g.vpcID)), ("ip_address_id", SQLBind(g.ipAddressID)), ("account_id", SQLBind(g.accountID)),
            ("domain_id", SQLBind(g.domainID)), ("display", SQLBind(g.display)), ("created", SQLBind(g.created.storedMillis)),
        ])
        return out
    }

    public static func setDisplay(_ sql: any SQLDatabase, gatewayID: Int64, display: Bool) async throws {
        try await sql.update(gateways).set("display", to: display).where("id", .equal, gatewayID).run()
    }

    public static func gateway(_ sql: any SQLDatabase, uuid: UUID) async throws -> VPNGateway? {
        try await live(sql.select().column("*"), gateways).where("uuid", .equal, uuid.stored).first().map(mapGateway)
    }

    /// The live VPN gateway of a VPC, if any.
    public static func gateway(_ sql: any SQLDatabase, vpcID: Int64) async throws -> VPNGateway? {
        try await live(sql.select().column("*"), gateways).where("vpc_id", .equal, vpcID).first().map(mapGateway)
    }

    /// Gateways by id, removed ones included (views of removed connections).
    public static func gateways(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: VPNGateway] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from(gateways).where("id", .in, Array(ids)).all().map(mapGateway)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public static func removeGateway(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await markRemoved(sql, gateways, ids: [id], at: date)
    }

    /// What `listVpnGateways` filters on.
    public struct GatewayFilter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var vpcID: Int64?
        public var display: Bool?
        public init() {}
    }

    public static func listGateways(_ sql: any SQLDatabase, _ f: GatewayFilter, offset: Int, limit: Int?) async throws -> Listing<VPNGateway> {
        try await fetchListing(sql, filtered: { b in
            var b = ScopeFilter.apply(f.scope, to: live(b, gateways), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = f.id { b = b.where("id", .equal, id) }
            if let v = f.vpcID { b = b.where("vpc_id", .equal, v) }
            if let d = f.display { b = b.where("display", .equal, SQLBind(d)) }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapGateway)
    }

    // MARK: - Customer gateways

    static func mapCustomer(_ row: any SQLRow) throws -> VPNCustomerGateway {
        VPNCustomerGateway(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), gateway: try row.string("gateway"),
                           cidrs: try row.string("cidrs").split(separator: ",").map(String.init), ipsecPSK: try row.string("ipsec_psk"),
                           ikePolicy: try row.string("ike_policy"), espPolicy: try row.string("esp_policy"), ikeLifetime: try row.int("ike_lifetime"),
                           espLifetime: try row.int("esp_lifetime"), dpd: try row.bool("dpd"), forceEncap: try row.bool("force_encap"),
                           ikeVersion: try row.string("ike_version"), splitConnections: try row.bool("split_connections"),
                           accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"), created: try row.date("created"))
    }

    static func fields(_ g: VPNCustomerGateway) -> [ColumnValue] {
        [("name", SQLBind(g.name)), ("gateway", SQLBind(g.gateway)), ("cidrs", SQLBind(g.cidrs.joined(separator: ","))), ("ipsec_psk", SQLBind(g.ipsecPSK)),
         ("ike_policy", SQLBind(g.ikePolicy)), ("esp_policy", SQLBind(g.espPolicy)), ("ike_lifetime", SQLBind(g.ikeLifetime)),
         ("esp_lifetime", SQLBind(g.espLifetime)), ("dpd", SQLBind(g.dpd)), ("force_encap", SQLBind(g.forceEncap)), ("ike_version", SQLBind(g.ikeVersion)),
         ("split_connections", SQLBind(g.splitConnections))]
    }

    public static func insert(_ sql: any SQLDatabase, _ g: VPNCustomerGateway) async throws -> VPNCustomerGateway {
        var out = g
        out.id = try await insertReturningID(sql, into: customerGateways, [
            ("uuid", SQLBind(g.uuid.stored)), ("account_id", SQLBind(g.accountID)), ("domain_id", SQLBind(g.domainID)),
            ("created", SQLBind(g.created.storedMillis)),
        ] + fields(g))
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ g: VPNCustomerGateway) async throws {
        try await updateColumns(sql, table: customerGateways, id: g.id, fields(g))
    }

    public static func customerGateway(_ sql: any SQLDatabase, uuid: UUID) async throws -> VPNCustomerGateway? {
        try await live(sql.select().column("*"), customerGateways).where("uuid", .equal, uuid.stored).first().map(mapCustomer)
    }

    /// The live customer gateway of an account with `name`.
    public static func customerGateway(_ sql: any SQLDatabase, accountID: Int64, name: String) async throws -> VPNCustomerGateway? {
        try await live(sql.select().column("*"), customerGateways).where("account_id", .equal, accountID).where("name", .equal, name).first().map(mapCustomer)
    }

    /// Customer gateways by id, removed ones included.
    public static func customerGateways(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: VPNCustomerGateway] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from(customerGateways).where("id", .in, Array(ids)).all().map(mapCustomer)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public static func removeCustomerGateway(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await markRemoved(sql, customerGateways, ids: [id], at: date)
    }

    /// Live customer gateways of an account (account cleanup).
    public static func customerGateways(_ sql: any SQLDatabase, accountID: Int64) async throws -> [VPNCustomerGateway] {
        try await live(sql.select().column("*"), customerGateways).where("account_id", .equal, accountID).orderBy("id").all().map(mapCustomer)
    }

    /// What `listVpnCustomerGateways` filters on.
    public struct CustomerGatewayFilter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var keyword: String?
        public init() {}
    }

    public static func listCustomerGateways(_ sql: any SQLDatabase, _ f: CustomerGatewayFilter, offset: Int, limit: Int?) async throws -> Listing<VPNCustomerGateway> {
        try await fetchListing(sql, filtered: { b in
            var b = ScopeFilter.apply(f.scope, to: live(b, customerGateways), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = f.id { b = b.where("id", .equal, id) }
            if let k = f.keyword { b = b.where(keywordPredicate("name", k)) }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapCustomer)
    }

    // MARK: - Connections

    static func mapConnection(_ row: any SQLRow) throws -> VPNConnection {
        VPNConnection(id: try row.int64("id"), uuid: try row.uuid("uuid"), vpnGatewayID: try row.int64("vpn_gateway_id"),
                      customerGatewayID: try row.int64("customer_gateway_id"), state: try row.enumValue("state", as: VPNConnectionState.self),
                      passive: try row.bool("passive"), display: try row.bool("display"), accountID: try row.int64("account_id"),
                      domainID: try row.int64("domain_id"), created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, _ c: VPNConnection) async throws -> VPNConnection {
        var out = c
        out.id = try await insertReturningID(sql, into: connections, [
            ("uuid", SQLBind(c.uuid.stored)), ("vpn_gateway_id", SQLBind(c.vpnGatewayID)), ("customer_gateway_id", SQLBind(c.customerGatewayID)),
            ("state", SQLBind(c.state.rawValue)), ("passive", SQLBind(c.passive)), ("display", SQLBind(c.display)), ("account_id", SQLBind(c.accountID)),
            ("domain_id", SQLBind(c.domainID)), ("created", SQLBind(c.created.storedMillis)),
        ])
        return out
    }

    public static func connection(_ sql: any SQLDatabase, uuid: UUID) async throws -> VPNConnection? {
        try await live(sql.select().column("*"), connections).where("uuid", .equal, uuid.stored).first().map(mapConnection)
    }

    public static func connection(_ sql: any SQLDatabase, id: Int64) async throws -> VPNConnection? {
        try await live(sql.select().column("*"), connections).where("id", .equal, id).first().map(mapConnection)
    }

    /// The live connections of a VPN gateway.
    public static func connections(_ sql: any SQLDatabase, vpnGatewayID: Int64) async throws -> [VPNConnection] {
        try await live(sql.select().column("*"), connections).where("vpn_gateway_id", .equal, vpnGatewayID).orderBy("id").all().map(mapConnection)
    }

    /// The live connections to a customer gateway.
    public static func connections(_ sql: any SQLDatabase, customerGatewayID: Int64) async throws -> [VPNConnection] {
        try await live(sql.select().column("*"), connections).where("customer_gateway_id", .equal, customerGatewayID).orderBy("id").all().map(mapConnection)
    }

    public static func setState(_ sql: any SQLDatabase, connectionIDs ids: [Int64], _ state: VPNConnectionState) async throws {
        guard !ids.isEmpty else { return }
        try await sql.update(connections).set("state", to: state.rawValue).where("id", .in, ids).run()
    }

    public static func setDisplay(_ sql: any SQLDatabase, connectionID: Int64, display: Bool) async throws {
        try await sql.update(connections).set("display", to: display).where("id", .equal, connectionID).run()
    }

    public static func removeConnections(_ sql: any SQLDatabase, ids: [Int64], at date: Date) async throws {
        try await markRemoved(sql, connections, ids: ids, at: date)
    }

    /// What `listVpnConnections` filters on.
    public struct ConnectionFilter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        /// The VPN gateway a VPC's connections go through.
        public var vpnGatewayID: Int64?
        public var display: Bool?
        public init() {}
    }

    public static func listConnections(_ sql: any SQLDatabase, _ f: ConnectionFilter, offset: Int, limit: Int?) async throws -> Listing<VPNConnection> {
        try await fetchListing(sql, filtered: { b in
            var b = ScopeFilter.apply(f.scope, to: live(b, connections), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = f.id { b = b.where("id", .equal, id) }
            if let g = f.vpnGatewayID { b = b.where("vpn_gateway_id", .equal, g) }
            if let d = f.display { b = b.where("display", .equal, SQLBind(d)) }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapConnection)
    }

    // MARK: - Remote access VPNs

    static func mapRemoteAccess(_ row: any SQLRow) throws -> RemoteAccessVPN {
        RemoteAccessVPN(id: try row.int64("id"), uuid: try row.uuid("uuid"), ipAddressID: try row.int64("ip_address_id"),
                        networkID: try row.optionalInt64("network_id"), vpcID: try row.optionalInt64("vpc_id"), accountID: try row.int64("account_id"),
                        domainID: try row.int64("domain_id"), localIP: try row.string("local_ip"), ipRange: try row.string("ip_range"),
                        presharedKey: try row.string("ipsec_psk"), state: try row.enumValue("state", as: RemoteAccessVPNState.self),
                        display: try row.bool("display"), created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, _ v: RemoteAccessVPN) async throws -> RemoteAccessVPN {
        var out = v
        out.id = try await insertReturningID(sql, into: remoteAccess, [
            ("uuid", SQLBind(v.uuid.stored)), ("ip_address_id", SQLBind(v.ipAddressID)), ("network_id", NetworkRepository.bindOptional(v.networkID)),
            ("vpc_id", NetworkRepository.bindOptional(v.vpcID)), ("account_id", SQLBind(v.accountID)), ("domain_id", SQLBind(v.domainID)),
            ("local_ip", SQLBind(v.localIP)), ("ip_range", SQLBind(v.ipRange)), ("ipsec_psk", SQLBind(v.presharedKey)), ("state", SQLBind(v.state.rawValue)),
            ("display", SQLBind(v.display)), ("created", SQLBind(v.created.storedMillis)),
        ])
        return out
    }

    public static func remoteAccess(_ sql: any SQLDatabase, uuid: UUID) async throws -> RemoteAccessVPN? {
        try await live(sql.select().column("*"), remoteAccess).where("uuid", .equal, uuid.stored).first().map(mapRemoteAccess)
    }

    /// The live remote access VPN on a public address.
    public static func remoteAccess(_ sql: any SQLDatabase, ipAddressID: Int64) async throws -> RemoteAccessVPN? {
        try await live(sql.select().column("*"), remoteAccess).where("ip_address_id", .equal, ipAddressID).first().map(mapRemoteAccess)
    }

    /// The live remote access VPNs of an isolated network (`networkID`) or a VPC (`vpcID`).
    public static func remoteAccess(_ sql: any SQLDatabase, networkID: Int64? = nil, vpcID: Int64? = nil) async throws -> [RemoteAccessVPN] {
        var b = live(sql.select().column("*"), remoteAccess)
        if let networkID { b = b.where("network_id", .equal, networkID) }
        if let vpcID { b = b.where("vpc_id", .equal, vpcID) }
        return try await b.orderBy("id").all().map(mapRemoteAccess)
    }

    /// The live remote access VPNs of an account (its users are applied to all of them).
    public static func remoteAccess(_ sql: any SQLDatabase, accountID: Int64) async throws -> [RemoteAccessVPN] {
        try await live(sql.select().column("*"), remoteAccess).where("account_id", .equal, accountID).orderBy("id").all().map(mapRemoteAccess)
    }

    public static func setState(_ sql: any SQLDatabase, remoteAccessIDs ids: [Int64], _ state: RemoteAccessVPNState) async throws {
        guard !ids.isEmpty else { return }
        try await sql.update(remoteAccess).set("state", to: state.rawValue).where("id", .in, ids).run()
    }

    public static func setDisplay(_ sql: any SQLDatabase, remoteAccessID: Int64, display: Bool) async throws {
        try await sql.update(remoteAccess).set("display", to: display).where("id", .equal, remoteAccessID).run()
    }

    public static func removeRemoteAccess(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(remoteAccess).set("removed", to: date.storedMillis).set("state", to: RemoteAccessVPNState.removed.rawValue)
            .where("id", .equal, id).run()
    }

    /// What `listRemoteAccessVpns` filters on.
    public struct RemoteAccessFilter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var ipAddressID: Int64?
        public var networkID: Int64?
        public var display: Bool?
        public init() {}
    }

    public static func listRemoteAccess(_ sql: any SQLDatabase, _ f: RemoteAccessFilter, offset: Int, limit: Int?) async throws -> Listing<RemoteAccessVPN> {
        try await fetchListing(sql, filtered: { b in
            var b = ScopeFilter.apply(f.scope, to: live(b, remoteAccess), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = f.id { b = b.where("id", .equal, id) }
            if let ip = f.ipAddressID { b = b.where("ip_address_id", .equal, ip) }
            if let n = f.networkID { b = b.where("network_id", .equal, n) }
            if let d = f.display { b = b.where("display", .equal, SQLBind(d)) }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapRemoteAccess)
    }

    // MARK: - VPN users

    static func mapUser(_ row: any SQLRow) throws -> VPNUser {
        VPNUser(id: try row.int64("id"), uuid: try row.uuid("uuid"), accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"),
                username: try row.string("username"), password: try row.string("password"), state: try row.enumValue("state", as: VPNUserState.self),
                created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, _ u: VPNUser) async throws -> VPNUser {
        var out = u
        out.id = try await insertReturningID(sql, into: users, [
            ("uuid", SQLBind(u.uuid.stored)), ("account_id", SQLBind(u.accountID)), ("domain_id", SQLBind(u.domainID)), ("username", SQLBind(u.username)),
            ("password", SQLBind(u.password)), ("state", SQLBind(u.state.rawValue)), ("created", SQLBind(u.created.storedMillis)),
        ])
        return out
    }

    /// The live user `username` of an account.
    public static func user(_ sql: any SQLDatabase, accountID: Int64, username: String) async throws -> VPNUser? {
        try await live(sql.select().column("*"), users).where("account_id", .equal, accountID).where("username", .equal, username).first().map(mapUser)
    }

    public static func user(_ sql: any SQLDatabase, uuid: UUID) async throws -> VPNUser? {
        try await live(sql.select().column("*"), users).where("uuid", .equal, uuid.stored).first().map(mapUser)
    }

    /// The live users of some accounts (router documents), by account.
    public static func users(_ sql: any SQLDatabase, accountIDs: Set<Int64>) async throws -> [Int64: [VPNUser]] {
        guard !accountIDs.isEmpty else { return [:] }
        let rows = try await live(sql.select().column("*"), users).where("account_id", .in, Array(accountIDs)).orderBy("id").all().map(mapUser)
        return Dictionary(grouping: rows, by: \.accountID)
    }

    /// How many live users an account has (the `remote.access.vpn.user.limit` check).
    public static func userCount(_ sql: any SQLDatabase, accountID: Int64) async throws -> Int {
        try await countRows(sql, table: users) { $0.where("account_id", .equal, accountID).where("removed", .is, SQLLiteral.null) }
    }

    public static func setState(_ sql: any SQLDatabase, userIDs ids: [Int64], _ state: VPNUserState) async throws {
        guard !ids.isEmpty else { return }
        try await sql.update(users).set("state", to: state.rawValue).where("id", .in, ids).run()
    }

    /// Activates an account's users that are still in Add state (their VPNs applied them).
    public static func activateUsers(_ sql: any SQLDatabase, accountID: Int64) async throws {
        try await sql.update(users).set("state", to: VPNUserState.active.rawValue).where("account_id", .equal, accountID)
            .where("state", .equal, VPNUserState.add.rawValue).where("removed", .is, SQLLiteral.null).run()
    }

    public static func removeUser(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(users).set("removed", to: date.storedMillis).set("state", to: VPNUserState.revoke.rawValue).where("id", .equal, id).run()
    }

    /// What `listVpnUsers` filters on.
    public struct UserFilter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var username: String?
        public var keyword: String?
        public init() {}
    }

    public static func listUsers(_ sql: any SQLDatabase, _ f: UserFilter, offset: Int, limit: Int?) async throws -> Listing<VPNUser> {
        try await fetchListing(sql, filtered: { b in
            var b = ScopeFilter.apply(f.scope, to: live(b, users), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = f.id { b = b.where("id", .equal, id) }
            if let u = f.username { b = b.where("username", .equal, u) }
            if let k = f.keyword { b = b.where(keywordPredicate("username", k)) }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapUser)
    }
}
