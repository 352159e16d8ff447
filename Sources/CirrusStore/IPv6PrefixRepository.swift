import CirrusModel
import Foundation
import SQLKit

/// A zone's guest IPv6 prefix with how many of its /64 subnets are in use.
public struct GuestIPv6Prefix: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var zoneID: Int64
    public var prefix: String
    public var created: Date
    public var usedSubnets: Int

    public init(id: Int64 = 0, uuid: UUID = UUID(), zoneID: Int64, prefix: String, created: Date = Date(), usedSubnets: Int = 0) {
        self.id = id; self.uuid = uuid; self.zoneID = zoneID; self.prefix = prefix; self.created = created; self.usedSubnets = usedSubnets
    }
}

/// Guest IPv6 prefixes and the /64 subnets networks hold.
public enum IPv6PrefixRepository {
    static let table = "guest_ipv6_prefixes"
    static let subnets = "guest_ipv6_subnets"

    static func map(_ row: any SQLRow) throws -> GuestIPv6Prefix {
        GuestIPv6Prefix(id: try row.int64("id"), uuid: try row.uuid("uuid"), zoneID: try row.int64("zone_id"), prefix: try row.string("prefix"),
                        created: try row.date("created"), usedSubnets: try row.int("used"))
    }

    static func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLRaw(#""guest_ipv6_prefixes".*, (SELECT COUNT(*) FROM "guest_ipv6_subnets" "s" WHERE "s"."prefix_id" = "guest_ipv6_prefixes"."id") AS "used""#))
            .from(table).where("removed", .is, SQLLiteral.null)
    }

    public static func insert(_ sql: any SQLDatabase, _ p: GuestIPv6Prefix) async throws -> GuestIPv6Prefix {
        var out = p
        out.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(p.uuid.stored)), ("zone_id", SQLBind(p.zoneID)), ("prefix", SQLBind(p.prefix)),
                                                                ("created", SQLBind(p.created.storedMillis))])
        return out
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> GuestIPv6Prefix? {
        try await select(sql).where("uuid", .equal, uuid.stored).first().map(map)
    }

    public static func list(_ sql: any SQLDatabase, zoneID: Int64?, id: Int64?) async throws -> [GuestIPv6Prefix] {
        var b = select(sql)
        if let zoneID { b = b.where("zone_id", .equal, zoneID) }
        if let id { b = b.where("id", .equal, id) }
        return try await b.orderBy("id").all().map(map)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    /// Takes a free /64 of one of the zone's prefixes for a network; nil when every prefix is
    /// full (or the zone has none). Concurrent takers never get the same subnet.
    public static func takeSubnet(_ sql: any SQLDatabase, zoneID: Int64, networkID: Int64, at date: Date) async throws -> IPv6CIDR? {
        for p in try await list(sql, zoneID: zoneID, id: nil) {
            guard let prefix = IPv6CIDR(p.prefix) else { continue }
            let used = Set(try await sql.select().column("subnet_index").from(subnets).where("prefix_id", .equal, p.id).all().map { try $0.int64("subnet_index") })
            var index: Int64 = 0
            while Int(index) < prefix.subnet64Count {
                defer { index += 1 }
                if used.contains(index) { continue }
                guard let subnet = prefix.subnet64(Int(index)) else { break }
                let rows = try await sql.insert(into: subnets).columns("prefix_id", "subnet_index", "subnet", "network_id", "created")
                    .values(SQLBind(p.id), SQLBind(index), SQLBind(subnet.description), SQLBind(networkID), SQLBind(date.storedMillis))
                    .ignoringConflicts().returning("subnet_index").all()
                if !rows.isEmpty { return subnet }
                if index > Int64(used.count) + 64 { break }
            }
        }
        return nil
    }

    /// Gives a network's /64 back.
    public static func releaseSubnet(_ sql: any SQLDatabase, networkID: Int64) async throws {
        try await sql.delete(from: subnets).where("network_id", .equal, networkID).run()
    }
}
