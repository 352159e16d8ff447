import CirrusModel
import Foundation
import SQLKit

/// A public address with the names `listPublicIpAddresses` shows beside it.
public struct PublicIPListItem: Sendable {
    public var address: VlanIPRangeRepository.Address
    public var zoneUUID: UUID?
    public var zoneName: String?
    public var vlanUUID: UUID?
    public var vlanTag: String?
    public var accountName: String?
    public var domainUUID: UUID?
    public var domainName: String?
    public var physicalNetworkUUID: UUID?
    public var networkUUID: UUID?
    public var networkName: String?
    public var vmUUID: UUID?
    public var vmName: String?
    public var vmDisplayName: String?
    /// Whether any rule (port forwarding, load balancing, firewall) is on it.
    public var hasRules: Bool
    public var vpcUUID: UUID? = nil
    public var vpcName: String? = nil
}

/// Listing of public addresses (`public_ip_addresses`).
public enum PublicIPRepository {
    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var address: String?
        public var zoneID: Int64?
        public var vlanID: Int64?
        public var physicalNetworkID: Int64?
        public var state: PublicIPState?
        /// CloudStack's `allocatedonly` (default true): hide Free addresses.
        public var allocatedOnly = true
        public var sourceNAT: Bool?
        public var staticNAT: Bool?
        public var networkID: Int64?
        public var vpcID: Int64?
        public var display: Bool?
        public var keyword: String?

        public init() {}
    }

    /// The internal id of the live address with `uuid`.
    public static func id(_ sql: any SQLDatabase, uuid: UUID) async throws -> Int64? {
        try await sql.select().column("id").from("public_ip_addresses").where("uuid", .equal, SQLBind(uuid.stored))
            .where("removed", .is, SQLLiteral.null).first().map { try $0.int64("id") }
    }

    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int, limit: Int?) async throws -> Listing<PublicIPListItem> {
        let t = "public_ip_addresses"
        func filtered<B: SQLPredicateBuilder>(_ builder: B) -> B {
            var b = builder.where(SQLColumn("removed", table: t), .is, SQLLiteral.null)
            if f.scope != .everything || f.allocatedOnly {
                b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLColumn("account_id", table: t), domainColumn: SQLColumn("domain_id", table: t))
            }
            if f.allocatedOnly { b = b.where(SQLColumn("state", table: t), .notEqual, SQLBind(PublicIPState.free.rawValue)) }
            if let id = f.id { b = b.where(SQLColumn("id", table: t), .equal, literal(id)) }
            if let a = f.address { b = b.where(SQLColumn("address", table: t), .equal, SQLBind(a)) }
            if let z = f.zoneID { b = b.where(SQLColumn("zone_id", table: t), .equal, literal(z)) }
            if let v = f.vlanID { b = b.where(SQLColumn("vlan_id", table: t), .equal, literal(v)) }
            if let p = f.physicalNetworkID { b = b.where(SQLColumn("physical_network_id", table: t), .equal, literal(p)) }
            if let s = f.state { b = b.where(SQLColumn("state", table: t), .equal, SQLBind(s.rawValue)) }
            if let n = f.sourceNAT { b = b.where(SQLColumn("source_nat", table: t), .equal, SQLBind(n)) }
            if let n = f.staticNAT { b = b.where(SQLColumn("one_to_one_nat", table: t), .equal, SQLBind(n)) }
            if let n = f.networkID { b = b.where(SQLColumn("network_id", table: t), .equal, literal(n)) }
            if let v = f.vpcID { b = b.where(SQLColumn("vpc_id", table: t), .equal, literal(v)) }
            if let d = f.display { b = b.where(SQLColumn("for_display", table: t), .equal, SQLBind(d)) }
            if let k = f.keyword { b = b.where(SQLColumn("address", table: t), .like, SQLBind("%\(k)%")) }
            return b
        }
        let columns = SQLRaw(#""public_ip_addresses".*, "z"."uuid" AS "zone_uuid", "z"."name" AS "zone_name", "v"."uuid" AS "vlan_uuid", "v"."vlan_tag" AS "vlan_tag", "a"."name" AS "account_name", "d"."uuid" AS "domain_uuid", "d"."name" AS "domain_name", "pn"."uuid" AS "pn_uuid", "n"."uuid" AS "net_uuid", "n"."name" AS "net_name", "vm"."uuid" AS "vm_uuid", "vm"."name" AS "vm_name", "vm"."display_name" AS "vm_display_name", (SELECT "vp"."uuid" FROM "vpcs" "vp" WHERE "vp"."id" = "public_ip_addresses"."vpc_id") AS "vpc_uuid", (SELECT "vp"."name" FROM "vpcs" "vp" WHERE "vp"."id" = "public_ip_addresses"."vpc_id") AS "vpc_name", EXISTS (SELECT 1 FROM "firewall_rules" "fr" WHERE "fr"."ip_address_id" = "public_ip_addresses"."id" AND "fr"."purpose" <> 'StaticNat') AS "has_rules""#)
        return try await fetchListing(sql, columns: columns, filtered: { b in
            filtered(b.from(t)
                .join(SQLAlias(SQLIdentifier("zones"), as: SQLIdentifier("z")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "z"), .equal, SQLColumn("zone_id", table: t))
                .join(SQLAlias(SQLIdentifier("vlan_ip_ranges"), as: SQLIdentifier("v")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "v"), .equal, SQLColumn("vlan_id", table: t))
                .join(SQLAlias(SQLIdentifier("accounts"), as: SQLIdentifier("a")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "a"), .equal, SQLColumn("account_id", table: t))
                .join(SQLAlias(SQLIdentifier("domains"), as: SQLIdentifier("d")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "d"), .equal, SQLColumn("domain_id", table: t))
                .join(SQLAlias(SQLIdentifier("physical_networks"), as: SQLIdentifier("pn")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "pn"), .equal, SQLColumn("physical_network_id", table: t))
                .join(SQLAlias(SQLIdentifier("networks"), as: SQLIdentifier("n")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "n"), .equal, SQLColumn("network_id", table: t))
                .join(SQLAlias(SQLIdentifier("vm_instances"), as: SQLIdentifier("vm")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "vm"), .equal, SQLColumn("vm_id", table: t)))
        }, order: { $0.orderBy(SQLColumn("address_num", table: t)) }, offset: offset, limit: limit) { row in
            PublicIPListItem(address: try VlanIPRangeRepository.mapAddress(row), zoneUUID: try row.optionalString("zone_uuid").flatMap(UUID.init(uuidString:)),
                             zoneName: try row.optionalString("zone_name"), vlanUUID: try row.optionalString("vlan_uuid").flatMap(UUID.init(uuidString:)),
                             vlanTag: try row.optionalString("vlan_tag"), accountName: try row.optionalString("account_name"),
                             domainUUID: try row.optionalString("domain_uuid").flatMap(UUID.init(uuidString:)), domainName: try row.optionalString("domain_name"),
                             physicalNetworkUUID: try row.optionalString("pn_uuid").flatMap(UUID.init(uuidString:)),
                             networkUUID: try row.optionalString("net_uuid").flatMap(UUID.init(uuidString:)), networkName: try row.optionalString("net_name"),
                             vmUUID: try row.optionalString("vm_uuid").flatMap(UUID.init(uuidString:)), vmName: try row.optionalString("vm_name"),
                             vmDisplayName: try row.optionalString("vm_display_name"), hasRules: try row.bool("has_rules"),
                             vpcUUID: try row.optionalString("vpc_uuid").flatMap(UUID.init(uuidString:)), vpcName: try row.optionalString("vpc_name"))
        }
    }
}

extension PublicIPRepository {
    static let table = "public_ip_addresses"

    /// What an acquired address is for.
    public struct Acquisition: Sendable {
        public var zoneID: Int64
        public var accountID: Int64
        public var domainID: Int64
        public var networkID: Int64?
        public var vpcID: Int64?
        public var sourceNAT: Bool
        /// `Allocated` at once, or `Reserved` (reserveIpAddress: held for later use).
        public var state: PublicIPState
        /// A specific address (`ipaddress`), instead of any free one.
        public var address: String?

        public init(zoneID: Int64, accountID: Int64, domainID: Int64, networkID: Int64? = nil, vpcID: Int64? = nil, sourceNAT: Bool = false,
                    state: PublicIPState = .allocated, address: String? = nil) {
            self.zoneID = zoneID; self.accountID = accountID; self.domainID = domainID; self.networkID = networkID; self.vpcID = vpcID
            self.sourceNAT = sourceNAT; self.state = state; self.address = address
        }
    }

    /// Takes a Free public address of the zone's virtual-network ranges (ranges dedicated to
    /// the account first, then the system pool; never ranges dedicated to others or kept for
    /// system VMs) and gives it to the account. Concurrent callers never get the same row:
    /// the update only succeeds while the row is still Free. Nil when none is free.
    public static func take(_ sql: any SQLDatabase, _ a: Acquisition, at date: Date) async throws -> VlanIPRangeRepository.Address? {
        let ranges = try await sql.select().column("id").column("account_id").from("vlan_ip_ranges").where("zone_id", .equal, a.zoneID)
            .where("vlan_type", .equal, "VirtualNetwork").where("for_system_vms", .equal, SQLBind(false)).where("removed", .is, SQLLiteral.null)
            .all().map { (id: try $0.int64("id"), account: try $0.optionalInt64("account_id")) }
        let dedicated = ranges.filter { $0.account == a.accountID }.map(\.id)
        let pool = ranges.filter { $0.account == nil }.map(\.id)
        for group in [dedicated, pool] where !group.isEmpty {
            for attempt in 0..<12 {
                var b = sql.select().column("id").from(table).where("vlan_id", .in, group).where("state", .equal, PublicIPState.free.rawValue)
                    .where("removed", .is, SQLLiteral.null)
                if let address = a.address { b = b.where("address", .equal, address) }
                // A window of candidates, one picked at random, so that concurrent callers rarely collide.
                let candidates = try await b.orderBy("address_num").limit(attempt < 8 ? 32 : 1).all().map { try $0.int64("id") }
                guard let id = candidates.randomElement() else { break }
                let claimed = try await sql.update(table).set("state", to: a.state.rawValue).set("account_id", to: a.accountID)
                    .set("domain_id", to: a.domainID).set(SQLIdentifier("network_id"), to: NetworkRepository.bindOptional(a.networkID))
                    .set(SQLIdentifier("vpc_id"), to: NetworkRepository.bindOptional(a.vpcID)).set(SQLIdentifier("source_nat"), to: SQLBind(a.sourceNAT))
                    .set("allocated", to: date.storedMillis)
                    .where("id", .equal, id).where("state", .equal, PublicIPState.free.rawValue).returning("id").all()
                if !claimed.isEmpty { return try await find(sql, id: id) }
            }
        }
        return nil
    }

    /// The live address with `id`.
    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> VlanIPRangeRepository.Address? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first()
            .map(VlanIPRangeRepository.mapAddress)
    }

    /// The live address with `uuid`.
    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> VlanIPRangeRepository.Address? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first()
            .map(VlanIPRangeRepository.mapAddress)
    }

    /// The live address `address` of a zone.
    public static func find(_ sql: any SQLDatabase, zoneID: Int64, address: String) async throws -> VlanIPRangeRepository.Address? {
        try await sql.select().column("*").from(table).where("zone_id", .equal, zoneID).where("address", .equal, address)
            .where("removed", .is, SQLLiteral.null).first().map(VlanIPRangeRepository.mapAddress)
    }

    /// Whether the network holds a source NAT address.
    public static func hasSourceNAT(_ sql: any SQLDatabase, networkID: Int64) async throws -> Bool {
        try await sql.select().column("id").from(table).where("network_id", .equal, networkID).where("source_nat", .equal, SQLBind(true))
            .where("removed", .is, SQLLiteral.null).limit(1).first() != nil
    }

    /// The addresses held for a network (its source NAT address and any associated ones).
    public static func of(_ sql: any SQLDatabase, networkID: Int64) async throws -> [VlanIPRangeRepository.Address] {
        try await sql.select().column("*").from(table).where("network_id", .equal, networkID).where("removed", .is, SQLLiteral.null)
            .orderBy("address_num").all().map(VlanIPRangeRepository.mapAddress)
    }

    /// The addresses held by a VPC (bound to a tier or not).
    public static func of(_ sql: any SQLDatabase, vpcID: Int64) async throws -> [VlanIPRangeRepository.Address] {
        try await sql.select().column("*").from(table).where("vpc_id", .equal, vpcID).where("removed", .is, SQLLiteral.null)
            .orderBy("address_num").all().map(VlanIPRangeRepository.mapAddress)
    }

    /// Binds a VPC's address to one of its tiers (its first rule or static NAT is for it).
    public static func bindToTier(_ sql: any SQLDatabase, id: Int64, networkID: Int64) async throws {
        try await sql.update(table).set(SQLIdentifier("network_id"), to: SQLBind(networkID)).where("id", .equal, id).run()
    }

    /// Unbinds a VPC's addresses from a tier that goes away; they stay with the VPC.
    public static func unbindFromTier(_ sql: any SQLDatabase, networkID: Int64) async throws {
        try await sql.update(table).set(SQLIdentifier("network_id"), to: SQLLiteral.null).set(SQLIdentifier("one_to_one_nat"), to: SQLBind(false))
            .set(SQLIdentifier("vm_id"), to: SQLLiteral.null).set(SQLIdentifier("vm_ip"), to: SQLLiteral.null)
            .where("network_id", .equal, networkID).where("vpc_id", .isNot, SQLLiteral.null).run()
    }

    /// Gives an address back to the pool: Free, owner and network cleared.
    public static func release(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.update(table).set("state", to: PublicIPState.free.rawValue).set(SQLIdentifier("account_id"), to: SQLLiteral.null)
            .set(SQLIdentifier("domain_id"), to: SQLLiteral.null).set(SQLIdentifier("network_id"), to: SQLLiteral.null).set(SQLIdentifier("vpc_id"), to: SQLLiteral.null)
            .set(SQLIdentifier("source_nat"), to: SQLBind(false)).set(SQLIdentifier("allocated"), to: SQLLiteral.null)
            .set(SQLIdentifier("one_to_one_nat"), to: SQLBind(false)).set(SQLIdentifier("vm_id"), to: SQLLiteral.null).set(SQLIdentifier("vm_ip"), to: SQLLiteral.null)
            .set(SQLIdentifier("for_display"), to: SQLBind(true)).where("id", .equal, id).run()
    }

    /// Turns static NAT on (to `vmID` at `vmIP`) or off (nil). On: only while the address has
    /// none, so two concurrent enables cannot both win. Returns whether the row changed.
    @discardableResult
    public static func setStaticNAT(_ sql: any SQLDatabase, id: Int64, vmID: Int64?, vmIP: String?) async throws -> Bool {
        var b = sql.update(table).set(SQLIdentifier("one_to_one_nat"), to: SQLBind(vmID != nil))
            .set(SQLIdentifier("vm_id"), to: NetworkRepository.bindOptional(vmID)).set(SQLIdentifier("vm_ip"), to: NetworkRepository.bindOptional(vmIP))
            .where("id", .equal, id)
        if vmID != nil { b = b.where("one_to_one_nat", .equal, SQLBind(false)) }
        return try await !b.returning("id").all().isEmpty
    }

    /// Addresses with static NAT to `vmID` (any of its NICs).
    public static func staticNAT(_ sql: any SQLDatabase, vmID: Int64) async throws -> [VlanIPRangeRepository.Address] {
        try await sql.select().column("*").from(table).where("vm_id", .equal, vmID).where("removed", .is, SQLLiteral.null)
            .all().map(VlanIPRangeRepository.mapAddress)
    }

    /// Attaches a Reserved address to a network (associateIpAddress of a reserved address).
    public static func attach(_ sql: any SQLDatabase, id: Int64, networkID: Int64?, vpcID: Int64?, sourceNAT: Bool, state: PublicIPState = .allocated,
                              at date: Date) async throws {
        try await sql.update(table).set("state", to: state.rawValue).set(SQLIdentifier("network_id"), to: NetworkRepository.bindOptional(networkID))
            .set(SQLIdentifier("vpc_id"), to: NetworkRepository.bindOptional(vpcID)).set(SQLIdentifier("source_nat"), to: SQLBind(sourceNAT))
            .set("allocated", to: date.storedMillis).where("id", .equal, id).run()
    }

    /// Takes the address row's write lock for the rest of the transaction (a no-op update),
    /// so that concurrent rule changes on one address see each other's rules on PostgreSQL
    /// as they do on SQLite, where writers are serialised anyway.
    public static func lockForRules(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.update(table).set(SQLIdentifier("for_display"), to: SQLIdentifier("for_display")).where("id", .equal, id).run()
    }

    /// Moves the address from one state to another (compare-and-set).
    public static func setState(_ sql: any SQLDatabase, id: Int64, from: PublicIPState, to: PublicIPState) async throws {
        try await sql.update(table).set("state", to: to.rawValue).where("id", .equal, id).where("state", .equal, from.rawValue).run()
    }

    /// Sets `for_display`.
    public static func setDisplay(_ sql: any SQLDatabase, id: Int64, display: Bool) async throws {
        try await sql.update(table).set(SQLIdentifier("for_display"), to: SQLBind(display)).where("id", .equal, id).run()
    }
}
