import CirrusModel
import Foundation
import SQLKit


/// Zone rows (CloudStack's `data_center`).
public enum ZoneRepository {
    static let table = "zones"

    /// Optional predicates of ``list(_:_:offset:limit:)``; all given ones must hold.
    public struct Filter: Sendable {
        public var id: Int64?
        public var name: String?
        public var keyword: String?
        public var networkType: ZoneNetworkType?
        public var allocationState: AllocationState?
        public var domainID: Int64?
        public init(id: Int64? = nil, name: String? = nil, keyword: String? = nil, networkType: ZoneNetworkType? = nil,
                    allocationState: AllocationState? = nil, domainID: Int64? = nil) {
            self.id = id; self.name = name; self.keyword = keyword; self.networkType = networkType
            self.allocationState = allocationState; self.domainID = domainID
        }
    }

    static func map(_ row: any SQLRow) throws -> Zone {
        Zone(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), description: try row.optionalString("description"),
             networkType: try row.enumValue("network_type", as: ZoneNetworkType.self), zoneType: try row.enumValue("zone_type", as: ZoneType.self),
             dns1: try row.optionalString("dns1"), dns2: try row.optionalString("dns2"),
             ip6DNS1: try row.optionalString("ip6_dns1"), ip6DNS2: try row.optionalString("ip6_dns2"),
             internalDNS1: try row.string("internal_dns1"), internalDNS2: try row.optionalString("internal_dns2"),
             guestCIDR: try row.optionalString("guest_cidr"), networkDomain: try row.optionalString("network_domain"),
             domainID: try row.optionalInt64("domain_id"), allocationState: try row.enumValue("allocation_state", as: AllocationState.self),
             securityGroupEnabled: try row.bool("security_group_enabled"), localStorageEnabled: try row.bool("local_storage_enabled"),
             created: try row.date("created"))
    }

    static func fields(_ z: Zone) -> [ColumnValue] {
        [("name", SQLBind(z.name)), ("description", SQLBind(z.description)), ("network_type", SQLBind(z.networkType.rawValue)),
         ("zone_type", SQLBind(z.zoneType.rawValue)), ("dns1", SQLBind(z.dns1)), ("dns2", SQLBind(z.dns2)),
         ("ip6_dns1", SQLBind(z.ip6DNS1)), ("ip6_dns2", SQLBind(z.ip6DNS2)), ("internal_dns1", SQLBind(z.internalDNS1)),
         ("internal_dns2", SQLBind(z.internalDNS2)), ("guest_cidr", SQLBind(z.guestCIDR)), ("network_domain", SQLBind(z.networkDomain)),
         ("domain_id", SQLBind(z.domainID)), ("allocation_state", SQLBind(z.allocationState.rawValue)),
         ("security_group_enabled", SQLBind(z.securityGroupEnabled)), ("local_storage_enabled", SQLBind(z.localStorageEnabled))]
    }

    /// Inserts a zone (its `id` is ignored) and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ zone: Zone) async throws -> Zone {
        var z = zone
        z.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(zone.uuid.stored))] + fields(zone) + [("created", SQLBind(zone.created.storedMillis))])
        return z
    }

    /// Writes every mutable column of `zone`.
    public static func update(_ sql: any SQLDatabase, _ zone: Zone) async throws {
        try await updateColumns(sql, table: table, id: zone.id, fields(zone))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Zone? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Zone? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live zone with this name (names are unique among live zones, compared exactly).
    public static func find(_ sql: any SQLDatabase, name: String) async throws -> Zone? {
        try await sql.select().column("*").from(table).where("name", .equal, name).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// Zones by id, for rendering names of related rows.
    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: Zone] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: Zone] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all() {
            let z = try map(row); out[z.id] = z
        }
        return out
    }

    /// Live zones matching `filter`, ordered by id.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter = Filter(), offset: Int = 0, limit: Int? = nil) async throws -> Listing<Zone> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let keyword = filter.keyword { b = b.where(keywordPredicate("name", keyword)) }
            if let t = filter.networkType { b = b.where("network_type", .equal, t.rawValue) }
            if let s = filter.allocationState { b = b.where("allocation_state", .equal, s.rawValue) }
            if let d = filter.domainID { b = b.where("domain_id", .equal, d) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    /// What still lives in a zone, for `deleteZone`'s refusal.
    public struct Contents: Sendable, Equatable {
        public var pods = 0, physicalNetworks = 0, hosts = 0, storagePools = 0, imageStores = 0, vlanRanges = 0
        public var isEmpty: Bool { pods + physicalNetworks + hosts + storagePools + imageStores + vlanRanges == 0 }
    }

    /// Counts the live pods, physical networks, hosts, shared pools, image stores and IP ranges of a zone.
    public static func contents(_ sql: any SQLDatabase, zoneID: Int64) async throws -> Contents {
        func count(_ t: String) async throws -> Int {
            try await countRows(sql, table: t) { $0.where("zone_id", .equal, zoneID).where("removed", .is, SQLLiteral.null) }
        }
        var c = Contents()
        c.pods = try await count("pods")
        c.physicalNetworks = try await count("physical_networks")
        c.hosts = try await count("hosts")
        // Local (HOST-scope) pools go with their hosts; only shared pools keep a zone alive.
        c.storagePools = try await countRows(sql, table: "storage_pools") {
            $0.where("zone_id", .equal, zoneID).where("removed", .is, SQLLiteral.null).where("scope", .notEqual, StoragePoolScope.host.rawValue)
        }
        c.imageStores = try await count("image_stores")
        c.vlanRanges = try await count("vlan_ip_ranges")
        return c
    }
}
