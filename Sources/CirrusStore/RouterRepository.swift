import CirrusModel
import Foundation
import SQLKit

/// Virtual router rows (`routers`).
public enum RouterRepository {
    static let table = "routers"

    static func map(_ row: any SQLRow) throws -> Router {
        Router(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), networkID: try row.optionalInt64("network_id"),
               vpcID: try row.optionalInt64("vpc_id"), zoneID: try row.int64("zone_id"), podID: try row.optionalInt64("pod_id"),
               hostID: try row.optionalInt64("host_id"), lastHostID: try row.optionalInt64("last_host_id"), accountID: try row.int64("account_id"),
               domainID: try row.int64("domain_id"), serviceOfferingID: try row.optionalInt64("service_offering_id"),
               state: try row.enumValue("state", as: RouterState.self), isRedundant: try row.bool("is_redundant"),
               redundantState: try row.enumValue("redundant_state", as: RedundantState.self), priority: try row.int("priority"),
               guestIP: try row.optionalString("guest_ip"), publicIP: try row.optionalString("public_ip"), linkLocalIP: try row.optionalString("link_local_ip"),
               templateVersion: try row.string("template_version"), softwareVersion: try row.string("software_version"),
               documentGeneration: try row.int64("document_generation"), appliedGeneration: try row.int64("applied_generation"),
               healthChecks: try row.optionalString("health_checks"), healthChecked: try row.optionalDate("health_checked"), created: try row.date("created"))
    }

    static func fields(_ r: Router) -> [ColumnValue] {
        [("name", SQLBind(r.name)), ("network_id", SQLBind(r.networkID)), ("vpc_id", SQLBind(r.vpcID)), ("zone_id", SQLBind(r.zoneID)),
         ("pod_id", SQLBind(r.podID)), ("host_id", SQLBind(r.hostID)), ("last_host_id", SQLBind(r.lastHostID)), ("account_id", SQLBind(r.accountID)),
         ("domain_id", SQLBind(r.domainID)), ("service_offering_id", SQLBind(r.serviceOfferingID)), ("state", SQLBind(r.state.rawValue)),
         ("is_redundant", SQLBind(r.isRedundant)), ("redundant_state", SQLBind(r.redundantState.rawValue)), ("priority", SQLBind(r.priority)),
         ("guest_ip", SQLBind(r.guestIP)), ("public_ip", SQLBind(r.publicIP)), ("link_local_ip", SQLBind(r.linkLocalIP)),
         ("template_version", SQLBind(r.templateVersion)), ("software_version", SQLBind(r.softwareVersion)),
         ("document_generation", SQLBind(r.documentGeneration)), ("applied_generation", SQLBind(r.appliedGeneration)),
         ("health_checks", SQLBind(r.healthChecks)), ("health_checked", SQLBind(r.healthChecked?.storedMillis))]
    }

    /// Inserts a router, names it `r-<id>-VM` and returns it.
    public static func insert(_ sql: any SQLDatabase, _ r: Router) async throws -> Router {
        var out = r
        out.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(r.uuid.stored)), ("created", SQLBind(r.created.storedMillis))] + fields(r))
        if out.name.isEmpty {
            out.name = "r-\(out.id)-VM"
            try await sql.update(table).set("name", to: out.name).where("id", .equal, out.id).run()
        }
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ r: Router) async throws {
        try await updateColumns(sql, table: table, id: r.id, fields(r))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Router? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Router? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live routers of a network.
    public static func of(_ sql: any SQLDatabase, networkID: Int64) async throws -> [Router] {
        try await sql.select().column("*").from(table).where("network_id", .equal, networkID).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(map)
    }

    /// The live routers of a VPC.
    public static func of(_ sql: any SQLDatabase, vpcID: Int64) async throws -> [Router] {
        try await sql.select().column("*").from(table).where("vpc_id", .equal, vpcID).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(map)
    }

    /// The routers that serve a network: its own, or its VPC's for a tier.
    public static func serving(_ sql: any SQLDatabase, networkID: Int64) async throws -> [Router] {
        try await sql.select().column("*").from(table).where(servingPredicate(networkID)).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(map)
    }

    /// `network_id = N OR vpc_id = (the network's VPC)`; a network outside VPCs has a NULL
    /// VPC, which matches no router.
    static func servingPredicate(_ networkID: Int64) -> any SQLExpression {
        SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("network_id"), .equal, literal(networkID)), .or,
                                               SQLBinaryExpression(SQLIdentifier("vpc_id"), .equal,
                                                                   SQLRaw("(SELECT vpc_id FROM networks WHERE id = \(networkID))"))))
    }

    /// Raises the document generation of the routers serving a network (an input of their
    /// document changed): its own routers, or its VPC's routers for a tier.
    public static func bumpGeneration(_ sql: any SQLDatabase, networkID: Int64) async throws {
        try await sql.update(table).set(SQLIdentifier("document_generation"), to: SQLBinaryExpression(SQLIdentifier("document_generation"), .add, SQLLiteral.numeric("1")))
            .where(servingPredicate(networkID)).where("removed", .is, SQLLiteral.null).run()
    }

    /// Raises the document generation of a VPC's routers.
    public static func bumpGeneration(_ sql: any SQLDatabase, vpcID: Int64) async throws {
        try await sql.update(table).set(SQLIdentifier("document_generation"), to: SQLBinaryExpression(SQLIdentifier("document_generation"), .add, SQLLiteral.numeric("1")))
            .where("vpc_id", .equal, vpcID).where("removed", .is, SQLLiteral.null).run()
    }

    /// Running routers whose document is ahead of what their host last applied.
    public static func dirty(_ sql: any SQLDatabase, limit: Int = 500) async throws -> [Int64] {
        try await sql.select().column("id").from(table).where("removed", .is, SQLLiteral.null).where("state", .equal, RouterState.running.rawValue)
            .where(SQLIdentifier("document_generation"), .greaterThan, SQLIdentifier("applied_generation")).orderBy("id").limit(limit)
            .all().map { try $0.int64("id") }
    }

    /// Records the generation a router's host applied (never going backwards).
    public static func setApplied(_ sql: any SQLDatabase, id: Int64, generation: Int64) async throws {
        try await sql.update(table).set("applied_generation", to: generation).where("id", .equal, id)
            .where("applied_generation", .lessThan, generation).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).set("state", to: RouterState.destroyed.rawValue).where("id", .equal, id).run()
    }
}

extension RouterRepository {
    /// The host a network's newest router (removed or not) ran on.
    public static func lastHost(_ sql: any SQLDatabase, networkID: Int64) async throws -> Int64? {
        try await sql.select().column("host_id").from(table).where("network_id", .equal, networkID).where("host_id", .isNot, SQLLiteral.null)
            .orderBy("id", .descending).limit(1).first().map { try $0.int64("host_id") }
    }
}

extension RouterRepository {
    /// What `listRouters` filters on.
    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var name: String?
        public var state: RouterState?
        public var zoneID: Int64?
        public var podID: Int64?
        public var hostID: Int64?
        public var networkID: Int64?
        public var vpcID: Int64?
        public var forVPC: Bool?
        public var templateVersion: String?
        public var keyword: String?
        public init() {}
    }

    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int, limit: Int?) async throws -> Listing<Router> {
        try await fetchListing(sql, filtered: { b in
            var b = ScopeFilter.apply(f.scope, to: b.from(table).where("removed", .is, SQLLiteral.null),
                                      accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = f.id { b = b.where("id", .equal, id) }
            if let n = f.name { b = b.where("name", .equal, n) }
            if let s = f.state { b = b.where("state", .equal, s.rawValue) }
            if let z = f.zoneID { b = b.where("zone_id", .equal, z) }
            if let p = f.podID { b = b.where("pod_id", .equal, p) }
            if let h = f.hostID { b = b.where("host_id", .equal, h) }
            if let n = f.networkID { b = b.where("network_id", .equal, n) }
            if let v = f.vpcID { b = b.where("vpc_id", .equal, v) }
            if let forVPC = f.forVPC { b = b.where("vpc_id", forVPC ? .isNot : .is, SQLLiteral.null) }
            if let v = f.templateVersion { b = b.where("template_version", .equal, v) }
            if let k = f.keyword { b = b.where(keywordPredicate("name", k)) }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }
}
