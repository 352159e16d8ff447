import CirrusModel
import Foundation
import SQLKit

/// Guest network rows (`networks`).
public enum NetworkRepository {
    static let table = "networks"

    static func map(_ row: any SQLRow) throws -> Network {
        Network(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), displayText: try row.string("display_text"),
                zoneID: try row.int64("zone_id"), physicalNetworkID: try row.optionalInt64("physical_network_id"),
                networkOfferingID: try row.int64("network_offering_id"), guestType: try row.enumValue("guest_type", as: GuestIPType.self),
                trafficType: try row.enumValue("traffic_type", as: TrafficType.self), state: try row.enumValue("state", as: NetworkState.self),
                aclType: try row.enumValue("acl_type", as: NetworkACLType.self), accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"),
                subdomainAccess: optionalBool(row, "subdomain_access"),
                cidr: try row.optionalString("cidr"), gateway: try row.optionalString("gateway"), networkCIDR: try row.optionalString("network_cidr"),
                startIP: try row.optionalString("start_ip"), endIP: try row.optionalString("end_ip"), ip6CIDR: try row.optionalString("ip6_cidr"),
                ip6Gateway: try row.optionalString("ip6_gateway"), vlan: try row.optionalString("vlan"), broadcastURI: try row.optionalString("broadcast_uri"),
                networkDomain: try row.optionalString("network_domain"), dns1: try row.optionalString("dns1"), dns2: try row.optionalString("dns2"),
                ip6DNS1: try row.optionalString("ip6_dns1"), ip6DNS2: try row.optionalString("ip6_dns2"), vpcID: try row.optionalInt64("vpc_id"),
                networkACLID: try row.optionalInt64("network_acl_id"), externalID: try row.optionalString("external_id"), displayNetwork: try row.bool("display_network"),
                restartRequired: try row.bool("restart_required"), redundant: try row.bool("redundant"), isPersistent: try row.bool("is_persistent"),
                publicMTU: try row.int("public_mtu"), privateMTU: try row.int("private_mtu"), isAccountDefault: try row.bool("is_account_default"),
                created: try row.date("created"))
    }

    /// A nullable BOOLEAN column on either engine.
    static func optionalBool(_ row: any SQLRow, _ column: String) -> Bool? {
        // SQLite stores booleans as integers; PostgreSQL as booleans.
        if let b = try? row.decode(column: column, as: Bool?.self) { return b }
        return (try? row.decode(column: column, as: Int64?.self))?.map { $0 != 0 }
    }

    static func bindOptional(_ value: (some Encodable & Sendable)?) -> any SQLExpression {
        if let value { return SQLBind(value) }
        return SQLLiteral.null
    }

    static func fields(_ n: Network) -> [ColumnValue] {
        [("name", SQLBind(n.name)), ("display_text", SQLBind(n.displayText)), ("zone_id", SQLBind(n.zoneID)),
         ("physical_network_id", bindOptional(n.physicalNetworkID)), ("network_offering_id", SQLBind(n.networkOfferingID)),
         ("guest_type", SQLBind(n.guestType.rawValue)), ("traffic_type", SQLBind(n.trafficType.rawValue)), ("state", SQLBind(n.state.rawValue)),
         ("acl_type", SQLBind(n.aclType.rawValue)), ("account_id", SQLBind(n.accountID)), ("domain_id", SQLBind(n.domainID)),
         ("subdomain_access", bindOptional(n.subdomainAccess)), ("cidr", bindOptional(n.cidr)), ("gateway", bindOptional(n.gateway)),
         ("network_cidr", bindOptional(n.networkCIDR)), ("start_ip", bindOptional(n.startIP)), ("end_ip", bindOptional(n.endIP)),
         ("ip6_cidr", bindOptional(n.ip6CIDR)), ("ip6_gateway", bindOptional(n.ip6Gateway)), ("vlan", bindOptional(n.vlan)),
         ("broadcast_uri", bindOptional(n.broadcastURI)), ("network_domain", bindOptional(n.networkDomain)), ("dns1", bindOptional(n.dns1)),
         ("dns2", bindOptional(n.dns2)), ("ip6_dns1", bindOptional(n.ip6DNS1)), ("ip6_dns2", bindOptional(n.ip6DNS2)), ("vpc_id", bindOptional(n.vpcID)),
         ("network_acl_id", bindOptional(n.networkACLID)),
         ("external_id", bindOptional(n.externalID)), ("display_network", SQLBind(n.displayNetwork)), ("restart_required", SQLBind(n.restartRequired)),
         ("redundant", SQLBind(n.redundant)), ("is_persistent", SQLBind(n.isPersistent)), ("public_mtu", SQLBind(n.publicMTU)),
         ("private_mtu", SQLBind(n.privateMTU)), ("is_account_default", SQLBind(n.isAccountDefault))]
    }

    /// Inserts a network and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ n: Network) async throws -> Network {
        var out = n
        out.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(n.uuid.stored)), ("created", SQLBind(n.created.storedMillis))] + fields(n))
        return out
    }

    /// Inserts the automatically made default network of an account in a zone, unless a
    /// concurrent deploy already made it; returns the one that exists either way.
    public static func insertAccountDefault(_ sql: any SQLDatabase, _ n: Network) async throws -> Network {
        precondition(n.isAccountDefault)
        let all = [("uuid", SQLBind(n.uuid.stored) as any SQLExpression), ("created", SQLBind(n.created.storedMillis))] + fields(n)
        _ = try await sql.insert(into: table).columns(all.map(\.0)).values(all.map(\.1)).ignoringConflicts().run()
        guard let row = try await sql.select().column("*").from(table).where("account_id", .equal, n.accountID).where("zone_id", .equal, n.zoneID)
            .where("is_account_default", .equal, SQLBind(true)).where("removed", .is, SQLLiteral.null).first() else {
            throw StoreError("The default network of account \(n.accountID) vanished after it was inserted")
        }
        return try map(row)
    }

    /// Writes every mutable column of `n`.
    public static func update(_ sql: any SQLDatabase, _ n: Network) async throws {
        try await updateColumns(sql, table: table, id: n.id, fields(n))
    }

    /// Moves a network from `from` to `to` only if it is still in `from`; false when another
    /// operation changed it first.
    /// Takes the network row's write lock for the rest of the transaction (a no-op update),
    /// serialising concurrent changes to its egress rules on PostgreSQL.
    public static func lockForRules(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.update(table).set(SQLIdentifier("restart_required"), to: SQLIdentifier("restart_required")).where("id", .equal, id).run()
    }

    public static func transition(_ sql: any SQLDatabase, id: Int64, from: NetworkState, to: NetworkState) async throws -> Bool {
        !(try await sql.update(table).set("state", to: to.rawValue).where("id", .equal, id).where("state", .equal, from.rawValue)
            .where("removed", .is, SQLLiteral.null).returning("id").all()).isEmpty
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Network? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Network? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: Network] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all().map(map)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public static func find(_ sql: any SQLDatabase, uuids: [UUID]) async throws -> [Network] {
        guard !uuids.isEmpty else { return [] }
        return try await sql.select().column("*").from(table).where("uuid", .in, uuids.map(\.stored)).where("removed", .is, SQLLiteral.null).all().map(map)
    }

    /// The live isolated networks (outside VPCs) an account owns in a zone.
    public static func isolated(_ sql: any SQLDatabase, accountID: Int64, zoneID: Int64) async throws -> [Network] {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("zone_id", .equal, zoneID)
            .where("guest_type", .equal, GuestIPType.isolated.rawValue).where("vpc_id", .is, SQLLiteral.null)
            .where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map)
    }

    /// Live networks of an account (any zone), for account cleanup and counts.
    public static func owned(_ sql: any SQLDatabase, accountID: Int64) async throws -> [Network] {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(map)
    }

    /// Live networks whose CIDR could clash with a new one in a zone (same account or shared).
    public static func inZone(_ sql: any SQLDatabase, zoneID: Int64) async throws -> [Network] {
        try await sql.select().column("*").from(table).where("zone_id", .equal, zoneID).where("removed", .is, SQLLiteral.null).all().map(map)
    }

    /// Marks the network removed; a removed network holds no IPv6 subnet.
    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await IPv6PrefixRepository.releaseSubnet(sql, networkID: id)
        try await sql.update(table).set("removed", to: date.storedMillis).set("state", to: NetworkState.destroy.rawValue).where("id", .equal, id).run()
    }

    /// What `listNetworks` filters on.
    public struct Filter: Sendable {
        /// Networks owned within this scope.
        public var scope: ListScope = .everything
        /// Also networks shared with the caller: domain-wide networks of these domains (the
        /// caller's domain and those above it, with subdomain access for the ones above) and
        /// networks this account was granted access to.
        public var sharedWith: (accountID: Int64, domainID: Int64, ancestorDomainIDs: [Int64])?
        public var id: Int64?
        public var zoneID: Int64?
        public var guestType: GuestIPType?
        public var aclType: NetworkACLType?
        public var trafficType: TrafficType?
        public var physicalNetworkID: Int64?
        public var vpcID: Int64?
        public var forVPC: Bool?
        public var networkOfferingID: Int64?
        public var restartRequired: Bool?
        public var displayNetwork: Bool?
        public var keyword: String?
        public var ids: [Int64]?

        public init() {}
    }

    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int, limit: Int?) async throws -> Listing<Network> {
        try await fetchListing(sql, filtered: { b in
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            if let shared = f.sharedWith {
                b = b.where(SQLGroupExpression(visibility(f.scope, shared)))
            } else {
                b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            }
            if let id = f.id { b = b.where("id", .equal, id) }
            if let ids = f.ids { b = b.where("id", .in, ids.isEmpty ? [-1] : ids) }
            if let z = f.zoneID { b = b.where("zone_id", .equal, z) }
            if let g = f.guestType { b = b.where("guest_type", .equal, g.rawValue) }
            if let a = f.aclType { b = b.where("acl_type", .equal, a.rawValue) }
            if let t = f.trafficType { b = b.where("traffic_type", .equal, t.rawValue) }
            if let p = f.physicalNetworkID { b = b.where("physical_network_id", .equal, p) }
            if let v = f.vpcID { b = b.where("vpc_id", .equal, v) }
            if let forVPC = f.forVPC { b = b.where("vpc_id", forVPC ? .isNot : .is, SQLLiteral.null) }
            if let o = f.networkOfferingID { b = b.where("network_offering_id", .equal, o) }
            if let r = f.restartRequired { b = b.where("restart_required", .equal, SQLBind(r)) }
            if let d = f.displayNetwork { b = b.where("display_network", .equal, SQLBind(d)) }
            if let k = f.keyword {
                b = b.where(SQLGroupExpression(SQLBinaryExpression(keywordPredicate("name", k), .or, keywordPredicate("display_text", k))))
            }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    /// `(owned in scope) OR (domain-wide in the caller's domains) OR (granted to the account)`.
    static func visibility(_ scope: ListScope, _ shared: (accountID: Int64, domainID: Int64, ancestorDomainIDs: [Int64])) -> any SQLExpression {
        let owned: any SQLExpression
        switch scope {
        case .everything: owned = SQLLiteral.boolean(true)
        case .account(let id): owned = SQLBinaryExpression(SQLIdentifier("account_id"), .equal, literal(id))
        case .domain(let id): owned = SQLBinaryExpression(SQLIdentifier("domain_id"), .equal, literal(id))
        case .domainTree(let path): owned = SQLBinaryExpression(SQLIdentifier("domain_id"), .in, SQLSubdomains(path: path))
        }
        let domainWide = SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("acl_type"), .equal, SQLBind(NetworkACLType.domain.rawValue)), .and,
                                             SQLGroupExpression(SQLBinaryExpression(
                                                SQLBinaryExpression(SQLIdentifier("domain_id"), .equal, literal(shared.domainID)), .or,
                                                SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("domain_id"), .in,
                                                                                        SQLGroupExpression(shared.ancestorDomainIDs.isEmpty ? [literal(-1)] : shared.ancestorDomainIDs.map(literal))),
                                                                    .and, SQLBinaryExpression(SQLIdentifier("subdomain_access"), .equal, SQLBind(true))))))
        let granted = SQLBinaryExpression(SQLIdentifier("id"), .in, SQLRaw("(SELECT network_id FROM network_permissions WHERE account_id = \(shared.accountID))"))
        return SQLBinaryExpression(SQLBinaryExpression(owned, .or, SQLGroupExpression(domainWide)), .or, granted)
    }
}

/// Accounts granted the use of another account's network (`network_permissions`, 4.17).
public enum NetworkPermissionRepository {
    static let table = "network_permissions"

    public static func add(_ sql: any SQLDatabase, networkID: Int64, accountIDs: [Int64], at date: Date) async throws {
        for a in accountIDs {
            try await sql.insert(into: table).columns("network_id", "account_id", "created")
                .values(SQLBind(networkID), SQLBind(a), SQLBind(date.storedMillis)).ignoringConflicts().run()
        }
    }

    public static func remove(_ sql: any SQLDatabase, networkID: Int64, accountIDs: [Int64]) async throws {
        guard !accountIDs.isEmpty else { return }
        try await sql.delete(from: table).where("network_id", .equal, networkID).where("account_id", .in, accountIDs).run()
    }

    public static func removeAll(_ sql: any SQLDatabase, networkID: Int64) async throws {
        try await sql.delete(from: table).where("network_id", .equal, networkID).run()
    }

    public static func accounts(_ sql: any SQLDatabase, networkID: Int64) async throws -> [Int64] {
        try await sql.select().column("account_id").from(table).where("network_id", .equal, networkID).orderBy("account_id").all().map { try $0.int64("account_id") }
    }

    public static func isGranted(_ sql: any SQLDatabase, networkID: Int64, accountID: Int64) async throws -> Bool {
        try await sql.select().column("account_id").from(table).where("network_id", .equal, networkID).where("account_id", .equal, accountID).first() != nil
    }
}

extension NetworkRepository {
    /// Implemented, non-persistent Isolated and L2 networks: what the network GC may shut down.
    public static func collectable(_ sql: any SQLDatabase) async throws -> [Network] {
        try await sql.select().column("*").from(table).where("state", .equal, NetworkState.implemented.rawValue)
            .where("is_persistent", .equal, SQLBind(false)).where("guest_type", .in, [GuestIPType.isolated.rawValue, GuestIPType.l2.rawValue])
            .where("vpc_id", .is, SQLLiteral.null).where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map)
    }
}
