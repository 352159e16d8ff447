import CirrusModel
import Foundation
import SQLKit

/// Network ACL lists (`network_acl_lists`) and their items (`network_acl_items`).
public enum NetworkACLRepository {
    static let lists = "network_acl_lists"
    static let items = "network_acl_items"

    static func mapList(_ row: any SQLRow) throws -> NetworkACLList {
        NetworkACLList(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), description: try row.string("description"),
                       vpcID: try row.optionalInt64("vpc_id"), display: try row.bool("display"), created: try row.date("created"))
    }

    static func mapItem(_ row: any SQLRow) throws -> NetworkACLItem {
        let start = try row.optionalInt64("start_port").map { Int($0) }, end = try row.optionalInt64("end_port").map { Int($0) }
        let cidrs = try row.string("cidrs")
        return NetworkACLItem(id: try row.int64("id"), uuid: try row.uuid("uuid"), aclID: try row.int64("acl_id"), number: try row.int("number"),
                              action: try row.enumValue("action", as: ACLAction.self), trafficType: try row.enumValue("traffic_type", as: RuleTrafficType.self),
                              proto: try row.string("protocol"), ports: start.map { PortRange(uncheckedStart: $0, end: end ?? $0) },
                              icmpType: try row.optionalInt64("icmp_type").map { Int($0) }, icmpCode: try row.optionalInt64("icmp_code").map { Int($0) },
                              cidrs: cidrs.isEmpty ? [] : cidrs.split(separator: ",").map(String.init), reason: try row.optionalString("reason"),
                              state: try row.enumValue("state", as: RuleState.self), display: try row.bool("display"), created: try row.date("created"))
    }

    // MARK: - Lists

    public static func insert(_ sql: any SQLDatabase, _ l: NetworkACLList) async throws -> NetworkACLList {
        var out = l
        out.id = try await insertReturningID(sql, into: lists, [
            ("uuid", SQLBind(l.uuid.stored)), ("name", SQLBind(l.name)), ("description", SQLBind(l.description)),
            ("vpc_id", NetworkRepository.bindOptional(l.vpcID)), ("display", SQLBind(l.display)), ("created", SQLBind(l.created.storedMillis)),
        ])
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ l: NetworkACLList) async throws {
        try await updateColumns(sql, table: lists, id: l.id, [("name", SQLBind(l.name)), ("description", SQLBind(l.description)), ("display", SQLBind(l.display))])
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> NetworkACLList? {
        try await sql.select().column("*").from(lists).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(mapList)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> NetworkACLList? {
        try await sql.select().column("*").from(lists).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(mapList)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: NetworkACLList] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from(lists).where("id", .in, Array(ids)).all().map(mapList)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// A built-in list by name (`default_allow`, `default_deny`).
    public static func builtIn(_ sql: any SQLDatabase, name: String) async throws -> NetworkACLList? {
        try await sql.select().column("*").from(lists).where("name", .equal, name).where("vpc_id", .is, SQLLiteral.null)
            .where("removed", .is, SQLLiteral.null).first().map(mapList)
    }

    /// The lists of a VPC.
    public static func of(_ sql: any SQLDatabase, vpcID: Int64) async throws -> [NetworkACLList] {
        try await sql.select().column("*").from(lists).where("vpc_id", .equal, vpcID).where("removed", .is, SQLLiteral.null).orderBy("id").all().map(mapList)
    }

    /// Removes a list and its items.
    public static func remove(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.delete(from: items).where("acl_id", .equal, id).run()
        try await sql.update(lists).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    /// Live tiers using a list.
    public static func tiersUsing(_ sql: any SQLDatabase, aclID: Int64) async throws -> [Network] {
        try await sql.select().column("*").from(NetworkRepository.table).where("network_acl_id", .equal, aclID).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(NetworkRepository.map)
    }

    /// What `listNetworkACLLists` filters on: the built-in lists and those of `vpcIDs`.
    public struct ListFilter: Sendable {
        public var vpcIDs: [Int64] = []
        public var includeBuiltIn = true
        public var id: Int64?
        public var name: String?
        public var display: Bool?
        public var keyword: String?
        public init() {}
    }

    public static func list(_ sql: any SQLDatabase, _ f: ListFilter, offset: Int, limit: Int?) async throws -> Listing<NetworkACLList> {
        try await fetchListing(sql, filtered: { b in
            var b = b.from(lists).where("removed", .is, SQLLiteral.null)
            let inVPCs = SQLBinaryExpression(SQLIdentifier("vpc_id"), .in, SQLGroupExpression((f.vpcIDs.isEmpty ? [-1] : f.vpcIDs).map(literal)))
            if f.includeBuiltIn {
                b = b.where(SQLGroupExpression(SQLBinaryExpression(inVPCs, .or, SQLBinaryExpression(SQLIdentifier("vpc_id"), .is, SQLLiteral.null))))
            } else {
                b = b.where(inVPCs)
            }
            if let id = f.id { b = b.where("id", .equal, id) }
            if let n = f.name { b = b.where("name", .equal, n) }
            if let d = f.display { b = b.where("display", .equal, SQLBind(d)) }
            if let k = f.keyword {
                b = b.where(SQLGroupExpression(SQLBinaryExpression(keywordPredicate("name", k), .or, keywordPredicate("description", k))))
            }
            return b
        }, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapList)
    }

    // MARK: - Items

    static func itemFields(_ i: NetworkACLItem) -> [ColumnValue] {
        [("number", SQLBind(i.number)), ("action", SQLBind(i.action.rawValue)), ("traffic_type", SQLBind(i.trafficType.rawValue)),
         ("protocol", SQLBind(i.proto)), ("start_port", NetworkRepository.bindOptional(i.ports?.start)), ("end_port", NetworkRepository.bindOptional(i.ports?.end)),
         ("icmp_type", NetworkRepository.bindOptional(i.icmpType)), ("icmp_code", NetworkRepository.bindOptional(i.icmpCode)),
         ("cidrs", SQLBind(i.cidrs.joined(separator: ","))), ("reason", NetworkRepository.bindOptional(i.reason)), ("state", SQLBind(i.state.rawValue)),
         ("display", SQLBind(i.display))]
    }

    /// Inserts an item; nil when its number is taken in the list (the unique key decides, so
    /// two concurrent creates can't both take it).
    public static func insert(_ sql: any SQLDatabase, _ i: NetworkACLItem) async throws -> NetworkACLItem? {
        let all: [ColumnValue] = [("uuid", SQLBind(i.uuid.stored)), ("acl_id", SQLBind(i.aclID)), ("created", SQLBind(i.created.storedMillis))] + itemFields(i)
        guard let row = try await sql.insert(into: items).columns(all.map(\.0)).values(all.map(\.1)).ignoringConflicts().returning("id").first() else {
            return nil
        }
        var out = i
        out.id = try row.int64("id")
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ i: NetworkACLItem) async throws {
        try await updateColumns(sql, table: items, id: i.id, itemFields(i))
    }

    public static func delete(_ sql: any SQLDatabase, itemID: Int64) async throws {
        try await sql.delete(from: items).where("id", .equal, itemID).run()
    }

    public static func item(_ sql: any SQLDatabase, uuid: UUID) async throws -> NetworkACLItem? {
        try await sql.select().column("*").from(items).where("uuid", .equal, uuid.stored).first().map(mapItem)
    }

    /// The items of lists, by number.
    public static func items(_ sql: any SQLDatabase, aclIDs: [Int64]) async throws -> [NetworkACLItem] {
        guard !aclIDs.isEmpty else { return [] }
        return try await sql.select().column("*").from(items).where("acl_id", .in, aclIDs).orderBy("acl_id").orderBy("number").all().map(mapItem)
    }

    /// The next free number of a list (one above the highest).
    public static func nextNumber(_ sql: any SQLDatabase, aclID: Int64) async throws -> Int {
        let row = try await sql.select().column(SQLFunction("max", args: SQLIdentifier("number")), as: "top").from(items).where("acl_id", .equal, aclID).first()
        return (try row?.optionalInt64("top")).map { Int($0) + 1 } ?? 1
    }

    /// What `listNetworkACLs` filters on.
    public struct ItemFilter: Sendable {
        public var aclIDs: [Int64] = []
        public var id: Int64?
        public var trafficType: RuleTrafficType?
        public var proto: String?
        public var action: ACLAction?
        public var display: Bool?
        public var keyword: String?
        public init() {}
    }

    public static func listItems(_ sql: any SQLDatabase, _ f: ItemFilter, offset: Int, limit: Int?) async throws -> Listing<NetworkACLItem> {
        try await fetchListing(sql, filtered: { b in
            var b = b.from(items).where("acl_id", .in, f.aclIDs.isEmpty ? [-1] : f.aclIDs)
            if let id = f.id { b = b.where("id", .equal, id) }
            if let t = f.trafficType { b = b.where("traffic_type", .equal, t.rawValue) }
            if let p = f.proto { b = b.where("protocol", .equal, p) }
            if let a = f.action { b = b.where("action", .equal, a.rawValue) }
            if let d = f.display { b = b.where("display", .equal, SQLBind(d)) }
            if let k = f.keyword { b = b.where(keywordPredicate("reason", k)) }
            return b
        }, order: { $0.orderBy("acl_id").orderBy("number") }, offset: offset, limit: limit, map: mapItem)
    }
}
