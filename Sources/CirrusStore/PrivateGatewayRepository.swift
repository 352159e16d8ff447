import CirrusModel
import Foundation
import SQLKit

/// VPC private gateways (`vpc_private_gateways`) and static routes (`vpc_static_routes`).
public enum PrivateGatewayRepository {
    static let table = "vpc_private_gateways"
    static let routes = "vpc_static_routes"

    static func map(_ row: any SQLRow) throws -> PrivateGateway {
        PrivateGateway(id: try row.int64("id"), uuid: try row.uuid("uuid"), vpcID: try row.int64("vpc_id"), zoneID: try row.int64("zone_id"),
                       accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"),
                       physicalNetworkID: try row.optionalInt64("physical_network_id"), broadcastURI: try row.optionalString("broadcast_uri"),
                       associatedNetworkID: try row.optionalInt64("associated_network_id"), ipAddress: try row.string("ip_address"),
                       gateway: try row.string("gateway"), netmask: try row.string("netmask"), sourceNATSupported: try row.bool("source_nat_supported"),
                       aclID: try row.int64("acl_id"), state: try row.enumValue("state", as: PrivateGatewayState.self), created: try row.date("created"))
    }

    static func mapRoute(_ row: any SQLRow) throws -> StaticRoute {
        StaticRoute(id: try row.int64("id"), uuid: try row.uuid("uuid"), vpcID: try row.int64("vpc_id"), gatewayID: try row.int64("gateway_id"),
                    cidr: try row.string("cidr"), state: try row.enumValue("state", as: StaticRouteState.self), accountID: try row.int64("account_id"),
                    domainID: try row.int64("domain_id"), created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, _ g: PrivateGateway) async throws -> PrivateGateway {
        var out = g
        out.id = try await insertReturningID(sql, into: table, [
            ("uuid", SQLBind(g.uuid.stored)), ("vpc_id", SQLBind(g.vpcID)), ("zone_id", SQLBind(g.zoneID)), ("account_id", SQLBind(g.accountID)),
            ("domain_id", SQLBind(g.domainID)), ("physical_network_id", NetworkRepository.bindOptional(g.physicalNetworkID)),
            ("broadcast_uri", NetworkRepository.bindOptional(g.broadcastURI)), ("associated_network_id", NetworkRepository.bindOptional(g.associatedNetworkID)),
            ("ip_address", SQLBind(g.ipAddress)), ("gateway", SQLBind(g.gateway)), ("netmask", SQLBind(g.netmask)),
            ("source_nat_supported", SQLBind(g.sourceNATSupported)), ("acl_id", SQLBind(g.aclID)), ("state", SQLBind(g.state.rawValue)),
            ("created", SQLBind(g.created.storedMillis)),
        ])
        return out
    }

    public static func setACL(_ sql: any SQLDatabase, id: Int64, aclID: Int64) async throws {
        try await sql.update(table).set("acl_id", to: aclID).where("id", .equal, id).run()
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> PrivateGateway? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: PrivateGateway] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all().map(map)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The live gateways of a VPC.
    public static func of(_ sql: any SQLDatabase, vpcID: Int64) async throws -> [PrivateGateway] {
        try await sql.select().column("*").from(table).where("vpc_id", .equal, vpcID).where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map)
    }

    /// Live gateways on a VLAN of a physical network, or associated with a network (a
    /// private network carries one gateway per VPC).
    public static func on(_ sql: any SQLDatabase, broadcastURI: String?, associatedNetworkID: Int64?) async throws -> [PrivateGateway] {
        var b = sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null)
        if let uri = broadcastURI { b = b.where("broadcast_uri", .equal, uri) }
        if let n = associatedNetworkID { b = b.where("associated_network_id", .equal, n) }
        return try await b.all().map(map)
    }

    /// Live gateways using an ACL list.
    public static func using(_ sql: any SQLDatabase, aclID: Int64) async throws -> [PrivateGateway] {
        try await sql.select().column("*").from(table).where("acl_id", .equal, aclID).where("removed", .is, SQLLiteral.null).all().map(map)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).set("state", to: PrivateGatewayState.deleting.rawValue).where("id", .equal, id).run()
    }

    /// What `listPrivateGateways` filters on.
    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var vpcID: Int64?
        public var ipAddress: String?
        public var vlan: String?
        public var state: PrivateGatewayState?
        public init() {}
    }

    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int, limit: Int?) async throws -> Listing<PrivateGateway> {
        try await fetchListing(sql, filtered: { b in
            var b = ScopeFilter.apply(f.scope, to: b.from(table).where("removed", .is, SQLLiteral.null),
                                      accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = f.id { b = b.where("id", .equal, id) }
            if let v = f.vpcID { b = b.where("vpc_id", .equal, v) }
            if let ip = f.ipAddress { b = b.where("ip_address", .equal, ip) }
            if let vlan = f.vlan { b = b.where("broadcast_uri", .in, ["vlan://\(vlan)", "vxlan://\(vlan)", vlan]) }
            if let s = f.state { b = b.where("state", .equal, s.rawValue) }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    // MARK: - Static routes

    public static func insert(_ sql: any SQLDatabase, _ r: StaticRoute) async throws -> StaticRoute {
        var out = r
        out.id = try await insertReturningID(sql, into: routes, [
            ("uuid", SQLBind(r.uuid.stored)), ("vpc_id", SQLBind(r.vpcID)), ("gateway_id", SQLBind(r.gatewayID)), ("cidr", SQLBind(r.cidr)),
            ("state", SQLBind(r.state.rawValue)), ("account_id", SQLBind(r.accountID)), ("domain_id", SQLBind(r.domainID)),
            ("created", SQLBind(r.created.storedMillis)),
        ])
        return out
    }

    public static func route(_ sql: any SQLDatabase, uuid: UUID) async throws -> StaticRoute? {
        try await sql.select().column("*").from(routes).where("uuid", .equal, uuid.stored).first().map(mapRoute)
    }

    public static func routes(_ sql: any SQLDatabase, vpcID: Int64) async throws -> [StaticRoute] {
        try await sql.select().column("*").from(routes).where("vpc_id", .equal, vpcID).orderBy("id").all().map(mapRoute)
    }

    public static func routes(_ sql: any SQLDatabase, gatewayID: Int64) async throws -> [StaticRoute] {
        try await sql.select().column("*").from(routes).where("gateway_id", .equal, gatewayID).orderBy("id").all().map(mapRoute)
    }

    public static func deleteRoute(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: routes).where("id", .equal, id).run()
    }

    /// What `listStaticRoutes` filters on.
    public struct RouteFilter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var vpcID: Int64?
        public var gatewayID: Int64?
        public var state: StaticRouteState?
        public var ids: [Int64]?
        public var tags: [TagPair] = []
        public init() {}
    }

    public static func listRoutes(_ sql: any SQLDatabase, _ f: RouteFilter, offset: Int, limit: Int?) async throws -> Listing<StaticRoute> {
        try await fetchListing(sql, filtered: { b in
            var b = ScopeFilter.apply(f.scope, to: b.from(routes), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = f.id { b = b.where("id", .equal, id) }
            if let ids = f.ids { b = b.where("id", .in, ids.isEmpty ? [-1] : ids) }
            if !f.tags.isEmpty { b = b.where(TagRepository.matching(type: .staticRoute, tags: f.tags)) }
            if let v = f.vpcID { b = b.where("vpc_id", .equal, v) }
            if let g = f.gatewayID { b = b.where("gateway_id", .equal, g) }
            if let s = f.state { b = b.where("state", .equal, s.rawValue) }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapRoute)
    }
}
