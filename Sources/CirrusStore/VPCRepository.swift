import CirrusModel
import Foundation
import SQLKit

/// VPC rows (`vpcs`).
public enum VPCRepository {
    static let table = "vpcs"

    static func map(_ row: any SQLRow) throws -> VPC {
        VPC(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), displayText: try row.string("display_text"),
            cidr: try row.string("cidr"), zoneID: try row.int64("zone_id"), vpcOfferingID: try row.int64("vpc_offering_id"),
            accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"), state: try row.enumValue("state", as: VPCState.self),
            networkDomain: try row.optionalString("network_domain"), redundant: try row.bool("redundant"), restartRequired: try row.bool("restart_required"),
            display: try row.bool("display"), dns1: try row.optionalString("dns1"), dns2: try row.optionalString("dns2"),
            ip6DNS1: try row.optionalString("ip6_dns1"), ip6DNS2: try row.optionalString("ip6_dns2"), publicMTU: try row.int("public_mtu"),
            created: try row.date("created"))
    }

    static func fields(_ v: VPC) -> [ColumnValue] {
        [("name", SQLBind(v.name)), ("display_text", SQLBind(v.displayText)), ("cidr", SQLBind(v.cidr)), ("zone_id", SQLBind(v.zoneID)),
         ("vpc_offering_id", SQLBind(v.vpcOfferingID)), ("account_id", SQLBind(v.accountID)), ("domain_id", SQLBind(v.domainID)),
         ("state", SQLBind(v.state.rawValue)), ("network_domain", NetworkRepository.bindOptional(v.networkDomain)), ("redundant", SQLBind(v.redundant)),
         ("restart_required", SQLBind(v.restartRequired)), ("display", SQLBind(v.display)), ("dns1", NetworkRepository.bindOptional(v.dns1)),
         ("dns2", NetworkRepository.bindOptional(v.dns2)), ("ip6_dns1", NetworkRepository.bindOptional(v.ip6DNS1)),
         ("ip6_dns2", NetworkRepository.bindOptional(v.ip6DNS2)), ("public_mtu", SQLBind(v.publicMTU))]
    }

    public static func insert(_ sql: any SQLDatabase, _ v: VPC) async throws -> VPC {
        var out = v
        out.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(v.uuid.stored)), ("created", SQLBind(v.created.storedMillis))] + fields(v))
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ v: VPC) async throws {
        try await updateColumns(sql, table: table, id: v.id, fields(v))
    }

    /// Takes the VPC row's write lock for the rest of the transaction (a no-op update): tier
    /// creation, gateway and route changes of one VPC are serialised by it.
    public static func lock(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.update(table).set(SQLIdentifier("restart_required"), to: SQLIdentifier("restart_required")).where("id", .equal, id).run()
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> VPC? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> VPC? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: VPC] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all().map(map)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Live VPCs of an account (account cleanup).
    public static func owned(_ sql: any SQLDatabase, accountID: Int64) async throws -> [VPC] {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(map)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).set("state", to: VPCState.inactive.rawValue).where("id", .equal, id).run()
    }

    /// The live tiers of a VPC.
    public static func tiers(_ sql: any SQLDatabase, vpcID: Int64) async throws -> [Network] {
        try await sql.select().column("*").from(NetworkRepository.table).where("vpc_id", .equal, vpcID).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(NetworkRepository.map)
    }

    /// What `listVPCs` filters on.
    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var name: String?
        public var displayText: String?
        public var cidr: String?
        public var zoneID: Int64?
        public var vpcOfferingID: Int64?
        public var state: VPCState?
        public var restartRequired: Bool?
        public var display: Bool?
        public var keyword: String?
        public var ids: [Int64]?
        public var tags: [TagPair] = []
        public init() {}
    }

    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int, limit: Int?) async throws -> Listing<VPC> {
        try await fetchListing(sql, filtered: { b in
            var b = ScopeFilter.apply(f.scope, to: b.from(table).where("removed", .is, SQLLiteral.null),
                                      accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id = f.id { b = b.where("id", .equal, id) }
            if let ids = f.ids { b = b.where("id", .in, ids.isEmpty ? [-1] : ids) }
            if !f.tags.isEmpty { b = b.where(TagRepository.matching(type: .vpc, tags: f.tags)) }
            if let n = f.name { b = b.where("name", .equal, n) }
            if let d = f.displayText { b = b.where("display_text", .equal, d) }
            if let c = f.cidr { b = b.where("cidr", .equal, c) }
            if let z = f.zoneID { b = b.where("zone_id", .equal, z) }
            if let o = f.vpcOfferingID { b = b.where("vpc_offering_id", .equal, o) }
            if let s = f.state { b = b.where("state", .equal, s.rawValue) }
            if let r = f.restartRequired { b = b.where("restart_required", .equal, SQLBind(r)) }
            if let d = f.display { b = b.where("display", .equal, SQLBind(d)) }
            if let k = f.keyword {
                b = b.where(SQLGroupExpression(SQLBinaryExpression(keywordPredicate("name", k), .or, keywordPredicate("display_text", k))))
            }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }
}
