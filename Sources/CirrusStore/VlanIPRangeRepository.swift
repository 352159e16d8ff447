import CirrusModel
import Foundation
import SQLKit

/// Public (and shared-network) IP ranges (`vlan_ip_ranges`) and their addresses
/// (`public_ip_addresses`).
public enum VlanIPRangeRepository {
    static let table = "vlan_ip_ranges"
    static let addresses = "public_ip_addresses"

    /// Optional predicates of ``list(_:_:offset:limit:)``.
    public struct Filter: Sendable {
        public var id: Int64?
        public var zoneID: Int64?
        public var podID: Int64?
        public var physicalNetworkID: Int64?
        public var networkID: Int64?
        public var vlanTag: String?
        public var vlanType: String?
        public var accountID: Int64?
        public var domainID: Int64?
        public var keyword: String?
        public init(id: Int64? = nil, zoneID: Int64? = nil, podID: Int64? = nil, physicalNetworkID: Int64? = nil, networkID: Int64? = nil,
                    vlanTag: String? = nil, vlanType: String? = nil, accountID: Int64? = nil, domainID: Int64? = nil, keyword: String? = nil) {
            self.id = id; self.zoneID = zoneID; self.podID = podID; self.physicalNetworkID = physicalNetworkID; self.networkID = networkID
            self.vlanTag = vlanTag; self.vlanType = vlanType; self.accountID = accountID; self.domainID = domainID; self.keyword = keyword
        }
    }

    static func map(_ row: any SQLRow) throws -> VlanIPRange {
        VlanIPRange(id: try row.int64("id"), uuid: try row.uuid("uuid"), vlanTag: try row.string("vlan_tag"), gateway: try row.optionalString("gateway"),
                    netmask: try row.optionalString("netmask"), startIP: try row.optionalString("start_ip"), endIP: try row.optionalString("end_ip"),
                    ip6Gateway: try row.optionalString("ip6_gateway"), ip6CIDR: try row.optionalString("ip6_cidr"),
                    ip6Start: try row.optionalString("ip6_start"), ip6End: try row.optionalString("ip6_end"), zoneID: try row.int64("zone_id"),
                    podID: try row.optionalInt64("pod_id"), physicalNetworkID: try row.optionalInt64("physical_network_id"),
                    networkID: try row.optionalInt64("network_id"), vlanType: try row.string("vlan_type"), forSystemVMs: try row.bool("for_system_vms"),
                    accountID: try row.optionalInt64("account_id"), domainID: try row.optionalInt64("domain_id"), created: try row.date("created"))
    }

    static func fields(_ r: VlanIPRange) -> [ColumnValue] {
        [("vlan_tag", SQLBind(r.vlanTag)), ("gateway", SQLBind(r.gateway)), ("netmask", SQLBind(r.netmask)), ("start_ip", SQLBind(r.startIP)),
         ("end_ip", SQLBind(r.endIP)), ("ip6_gateway", SQLBind(r.ip6Gateway)), ("ip6_cidr", SQLBind(r.ip6CIDR)), ("ip6_start", SQLBind(r.ip6Start)),
         ("ip6_end", SQLBind(r.ip6End)), ("zone_id", SQLBind(r.zoneID)), ("pod_id", SQLBind(r.podID)),
         ("physical_network_id", SQLBind(r.physicalNetworkID)), ("network_id", SQLBind(r.networkID)), ("vlan_type", SQLBind(r.vlanType)),
         ("for_system_vms", SQLBind(r.forSystemVMs)), ("account_id", SQLBind(r.accountID)), ("domain_id", SQLBind(r.domainID))]
    }

    /// Inserts a range (its `id` is ignored) and returns it with its new id. Addresses are
    /// added separately with ``insertAddresses(_:range:addresses:)``.
    public static func insert(_ sql: any SQLDatabase, _ range: VlanIPRange) async throws -> VlanIPRange {
        var r = range
        r.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(range.uuid.stored))] + fields(range) + [("created", SQLBind(range.created.storedMillis))])
        return r
    }

    /// Writes the mutable columns of `range`.
    public static func update(_ sql: any SQLDatabase, _ range: VlanIPRange) async throws {
        try await updateColumns(sql, table: table, id: range.id, fields(range))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> VlanIPRange? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> VlanIPRange? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: VlanIPRange] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: VlanIPRange] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all() {
            let r = try map(row); out[r.id] = r
        }
        return out
    }

    /// The live ranges of a zone, ordered by id.
    public static func list(_ sql: any SQLDatabase, zoneID: Int64) async throws -> [VlanIPRange] {
        try await sql.select().column("*").from(table).where("zone_id", .equal, zoneID).where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map)
    }

    /// Live ranges matching `filter`, ordered by id.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter = Filter(), offset: Int = 0, limit: Int? = nil) async throws -> Listing<VlanIPRange> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let z = filter.zoneID { b = b.where("zone_id", .equal, z) }
            if let p = filter.podID { b = b.where("pod_id", .equal, p) }
            if let n = filter.physicalNetworkID { b = b.where("physical_network_id", .equal, n) }
            if let n = filter.networkID { b = b.where("network_id", .equal, n) }
            if let v = filter.vlanTag { b = b.where("vlan_tag", .equal, v) }
            if let t = filter.vlanType { b = b.where("vlan_type", .equal, t) }
            if let a = filter.accountID { b = b.where("account_id", .equal, a) }
            if let d = filter.domainID { b = b.where("domain_id", .equal, d) }
            if let k = filter.keyword { b = b.where(keywordPredicate("vlan_tag", k)) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    /// Soft-deletes a range and its addresses.
    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(addresses).set("removed", to: date.storedMillis).where("vlan_id", .equal, id).where("removed", .is, SQLLiteral.null).run()
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    // MARK: addresses

    /// One public address.
    public struct Address: Sendable, Equatable {
        public var id: Int64
        public var uuid: UUID
        public var address: String
        public var zoneID: Int64
        public var vlanID: Int64
        public var physicalNetworkID: Int64?
        public var state: PublicIPState
        public var accountID: Int64?
        public var domainID: Int64?
        public var networkID: Int64?
        public var vpcID: Int64?
        public var sourceNAT: Bool
        public var isSystem: Bool
        public var allocated: Date?
        /// Static NAT (one-to-one NAT) to an instance's guest address.
        public var staticNAT: Bool
        public var vmID: Int64?
        public var vmIP: String?
        /// Whether the owner sees it (`fordisplay`).
        public var display: Bool
    }

    static func mapAddress(_ row: any SQLRow) throws -> Address {
        Address(id: try row.int64("id"), uuid: try row.uuid("uuid"), address: try row.string("address"), zoneID: try row.int64("zone_id"),
                vlanID: try row.int64("vlan_id"), physicalNetworkID: try row.optionalInt64("physical_network_id"),
                state: try row.enumValue("state", as: PublicIPState.self), accountID: try row.optionalInt64("account_id"),
                domainID: try row.optionalInt64("domain_id"), networkID: try row.optionalInt64("network_id"), vpcID: try row.optionalInt64("vpc_id"),
                sourceNAT: try row.bool("source_nat"), isSystem: try row.bool("is_system"), allocated: try row.optionalDate("allocated"),
                staticNAT: try row.bool("one_to_one_nat"), vmID: try row.optionalInt64("vm_id"), vmIP: try row.optionalString("vm_ip"),
                display: try row.bool("for_display"))
    }

    /// Adds one Free address row per element of `addresses` to `range`, in batches.
    public static func insertAddresses(_ sql: any SQLDatabase, range: VlanIPRange, addresses list: [(text: String, number: Int64)]) async throws {
        for start in stride(from: 0, to: list.count, by: 200) {
            var b = sql.insert(into: addresses).columns("uuid", "address", "address_num", "zone_id", "vlan_id", "physical_network_id", "state",
                                                        "source_nat", "is_system")
            for a in list[start..<min(start + 200, list.count)] {
                b = b.values(SQLBind(UUID().stored), SQLBind(a.text), SQLBind(a.number), SQLBind(range.zoneID), SQLBind(range.id),
                             SQLBind(range.physicalNetworkID), SQLBind(PublicIPState.free.rawValue), SQLBind(false), SQLBind(false))
            }
            try await b.run()
        }
    }

    /// The live addresses of a range, ordered by address.
    public static func addresses(_ sql: any SQLDatabase, vlanID: Int64) async throws -> [Address] {
        try await sql.select().column("*").from(addresses).where("vlan_id", .equal, vlanID).where("removed", .is, SQLLiteral.null)
            .orderBy("address_num").all().map(mapAddress)
    }

    /// Number of live addresses of a range that are not Free.
    public static func allocatedCount(_ sql: any SQLDatabase, vlanID: Int64) async throws -> Int {
        try await countRows(sql, table: addresses) {
            $0.where("vlan_id", .equal, vlanID).where("removed", .is, SQLLiteral.null).where("state", .notEqual, PublicIPState.free.rawValue)
        }
    }

    /// Number of live addresses of a range (all, or only those not Free).
    public static func addressCount(_ sql: any SQLDatabase, vlanID: Int64) async throws -> Int {
        try await countRows(sql, table: addresses) { $0.where("vlan_id", .equal, vlanID).where("removed", .is, SQLLiteral.null) }
    }
}
