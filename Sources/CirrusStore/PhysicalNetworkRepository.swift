import CirrusModel
import Foundation
import SQLKit

/// Physical network rows, with their traffic types, network service providers and
/// virtual-router elements.
public enum PhysicalNetworkRepository {
    static let table = "physical_networks"
    static let trafficTable = "physical_network_traffic_types"
    static let providerTable = "network_service_providers"
    static let elementTable = "virtual_router_elements"

    /// Optional predicates of ``list(_:_:offset:limit:)``.
    public struct Filter: Sendable {
        public var id: Int64?
        public var zoneID: Int64?
        public var name: String?
        public var keyword: String?
        public init(id: Int64? = nil, zoneID: Int64? = nil, name: String? = nil, keyword: String? = nil) {
            self.id = id; self.zoneID = zoneID; self.name = name; self.keyword = keyword
        }
    }

    static func split(_ raw: String?) -> [String] {
        (raw ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func map(_ row: any SQLRow) throws -> PhysicalNetwork {
        let methods = try split(row.string("isolation_methods")).map { raw -> IsolationMethod in
            guard let m = IsolationMethod(rawValue: raw) else { throw StoreError("Stored isolation method \(raw) is not valid") }
            return m
        }
        return PhysicalNetwork(id: try row.int64("id"), uuid: try row.uuid("uuid"), zoneID: try row.int64("zone_id"), name: try row.string("name"),
                               vlan: try row.optionalString("vlan"), isolationMethods: methods, broadcastDomainRange: try row.string("broadcast_domain_range"),
                               networkSpeed: try row.optionalString("network_speed"), tags: split(try row.optionalString("tags")),
                               domainID: try row.optionalInt64("domain_id"), state: try row.enumValue("state", as: PhysicalNetworkState.self),
                               created: try row.date("created"))
    }

    static func fields(_ n: PhysicalNetwork) -> [ColumnValue] {
        [("name", SQLBind(n.name)), ("vlan", SQLBind(n.vlan)), ("isolation_methods", SQLBind(n.isolationMethods.map(\.rawValue).joined(separator: ","))),
         ("broadcast_domain_range", SQLBind(n.broadcastDomainRange)), ("network_speed", SQLBind(n.networkSpeed)),
         ("tags", SQLBind(n.tags.isEmpty ? nil : n.tags.joined(separator: ","))), ("domain_id", SQLBind(n.domainID)), ("state", SQLBind(n.state.rawValue))]
    }

    /// Inserts a physical network (its `id` is ignored) and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ network: PhysicalNetwork) async throws -> PhysicalNetwork {
        var n = network
        n.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(network.uuid.stored)), ("zone_id", SQLBind(network.zoneID))]
                                           + fields(network) + [("created", SQLBind(network.created.storedMillis))])
        return n
    }

    /// Writes the mutable columns of `network`.
    public static func update(_ sql: any SQLDatabase, _ network: PhysicalNetwork) async throws {
        try await updateColumns(sql, table: table, id: network.id, fields(network))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> PhysicalNetwork? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> PhysicalNetwork? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: PhysicalNetwork] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: PhysicalNetwork] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all() {
            let n = try map(row); out[n.id] = n
        }
        return out
    }

    /// The live physical networks of a zone, ordered by id.
    public static func list(_ sql: any SQLDatabase, zoneID: Int64) async throws -> [PhysicalNetwork] {
        try await sql.select().column("*").from(table).where("zone_id", .equal, zoneID).where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map)
    }

    /// Live physical networks matching `filter`, ordered by id.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter = Filter(), offset: Int = 0, limit: Int? = nil) async throws -> Listing<PhysicalNetwork> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let z = filter.zoneID { b = b.where("zone_id", .equal, z) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let keyword = filter.keyword { b = b.where(keywordPredicate("name", keyword)) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    /// Soft-deletes the network with its providers and elements, and drops its traffic types and free VNIs.
    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        let millis = date.storedMillis
        let providerIDs = try await sql.select().column("id").from(providerTable).where("physical_network_id", .equal, id).all().map { try $0.int64("id") }
        if !providerIDs.isEmpty {
            try await sql.update(elementTable).set("removed", to: millis).where("nsp_id", .in, providerIDs).run()
        }
        try await sql.update(providerTable).set("removed", to: millis).where("physical_network_id", .equal, id).run()
        try await sql.delete(from: trafficTable).where("physical_network_id", .equal, id).run()
        try await sql.delete(from: GuestVnetRepository.table).where("physical_network_id", .equal, id).run()
        try await sql.update(table).set("removed", to: millis).where("id", .equal, id).run()
    }

    // MARK: traffic types

    static func mapTraffic(_ row: any SQLRow) throws -> PhysicalNetworkTrafficType {
        PhysicalNetworkTrafficType(id: try row.int64("id"), uuid: try row.uuid("uuid"), physicalNetworkID: try row.int64("physical_network_id"),
                                   trafficType: try row.enumValue("traffic_type", as: TrafficType.self), kvmLabel: try row.optionalString("kvm_label"),
                                   simulatorLabel: try row.optionalString("simulator_label"), vlan: try row.optionalString("vlan"),
                                   isolationMethod: try row.optionalString("isolation_method"))
    }

    /// Adds a traffic type (its `id` is ignored) and returns it with its new id.
    public static func insertTrafficType(_ sql: any SQLDatabase, _ t: PhysicalNetworkTrafficType) async throws -> PhysicalNetworkTrafficType {
        var out = t
        out.id = try await insertReturningID(sql, into: trafficTable, [
            ("uuid", SQLBind(t.uuid.stored)), ("physical_network_id", SQLBind(t.physicalNetworkID)), ("traffic_type", SQLBind(t.trafficType.rawValue)),
            ("kvm_label", SQLBind(t.kvmLabel)), ("simulator_label", SQLBind(t.simulatorLabel)), ("vlan", SQLBind(t.vlan)),
            ("isolation_method", SQLBind(t.isolationMethod)),
        ])
        return out
    }

    /// Writes the labels, VLAN and isolation method of a traffic type.
    public static func updateTrafficType(_ sql: any SQLDatabase, _ t: PhysicalNetworkTrafficType) async throws {
        try await updateColumns(sql, table: trafficTable, id: t.id, [("kvm_label", SQLBind(t.kvmLabel)), ("simulator_label", SQLBind(t.simulatorLabel)),
                                                                       ("vlan", SQLBind(t.vlan)), ("isolation_method", SQLBind(t.isolationMethod))])
    }

    public static func deleteTrafficType(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: trafficTable).where("id", .equal, id).run()
    }

    public static func trafficType(_ sql: any SQLDatabase, uuid: UUID) async throws -> PhysicalNetworkTrafficType? {
        try await sql.select().column("*").from(trafficTable).where("uuid", .equal, uuid.stored).first().map(mapTraffic)
    }

    /// The traffic types of a physical network, ordered by id.
    public static func trafficTypes(_ sql: any SQLDatabase, physicalNetworkID: Int64) async throws -> [PhysicalNetworkTrafficType] {
        try await sql.select().column("*").from(trafficTable).where("physical_network_id", .equal, physicalNetworkID).orderBy("id").all().map(mapTraffic)
    }

    /// The traffic types of several physical networks.
    public static func trafficTypes(_ sql: any SQLDatabase, physicalNetworkIDs: [Int64]) async throws -> [PhysicalNetworkTrafficType] {
        guard !physicalNetworkIDs.isEmpty else { return [] }
        return try await sql.select().column("*").from(trafficTable).where("physical_network_id", .in, physicalNetworkIDs).orderBy("id").all().map(mapTraffic)
    }

    /// The live physical network of a zone carrying `trafficType`, if any (the first by id).
    public static func find(_ sql: any SQLDatabase, zoneID: Int64, carrying trafficType: TrafficType) async throws -> PhysicalNetwork? {
        try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("p"))).from(SQLAlias(SQLIdentifier(table), as: SQLIdentifier("p")))
            .join(SQLAlias(SQLIdentifier(trafficTable), as: SQLIdentifier("t")), method: SQLJoinMethod.inner,
                  on: SQLColumn("physical_network_id", table: "t"), .equal, SQLColumn("id", table: "p"))
            .where(SQLColumn("zone_id", table: "p"), .equal, SQLBind(zoneID)).where(SQLColumn("removed", table: "p"), .is, SQLLiteral.null)
            .where(SQLColumn("traffic_type", table: "t"), .equal, SQLBind(trafficType.rawValue))
            .orderBy(SQLColumn("id", table: "p")).limit(1).first().map(map)
    }

    // MARK: network service providers

    static func mapProvider(_ row: any SQLRow) throws -> NetworkServiceProvider {
        NetworkServiceProvider(id: try row.int64("id"), uuid: try row.uuid("uuid"), physicalNetworkID: try row.int64("physical_network_id"),
                               name: try row.string("provider_name"), state: try row.enumValue("state", as: PhysicalNetworkState.self),
                               services: split(try row.string("services")), destinationPhysicalNetworkID: try row.optionalInt64("dest_physical_network_id"))
    }

    /// Adds a provider (its `id` is ignored) and returns it with its new id.
    public static func insertProvider(_ sql: any SQLDatabase, _ p: NetworkServiceProvider) async throws -> NetworkServiceProvider {
        var out = p
        out.id = try await insertReturningID(sql, into: providerTable, [
            ("uuid", SQLBind(p.uuid.stored)), ("physical_network_id", SQLBind(p.physicalNetworkID)), ("provider_name", SQLBind(p.name)),
            ("state", SQLBind(p.state.rawValue)), ("services", SQLBind(p.services.joined(separator: ","))),
            ("dest_physical_network_id", SQLBind(p.destinationPhysicalNetworkID)),
        ])
        return out
    }

    /// Writes a provider's state and services.
    public static func updateProvider(_ sql: any SQLDatabase, _ p: NetworkServiceProvider) async throws {
        try await updateColumns(sql, table: providerTable, id: p.id, [("state", SQLBind(p.state.rawValue)), ("services", SQLBind(p.services.joined(separator: ",")))])
    }

    public static func markProviderRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(elementTable).set("removed", to: date.storedMillis).where("nsp_id", .equal, id).run()
        try await sql.update(providerTable).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    public static func provider(_ sql: any SQLDatabase, id: Int64) async throws -> NetworkServiceProvider? {
        try await sql.select().column("*").from(providerTable).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(mapProvider)
    }

    public static func provider(_ sql: any SQLDatabase, uuid: UUID) async throws -> NetworkServiceProvider? {
        try await sql.select().column("*").from(providerTable).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(mapProvider)
    }

    /// The live provider called `name` on a physical network.
    public static func provider(_ sql: any SQLDatabase, physicalNetworkID: Int64, name: String) async throws -> NetworkServiceProvider? {
        try await sql.select().column("*").from(providerTable).where("physical_network_id", .equal, physicalNetworkID)
            .where(SQLFunction("lower", args: SQLIdentifier("provider_name")), .equal, SQLBind(name.lowercased()))
            .where("removed", .is, SQLLiteral.null).first().map(mapProvider)
    }

    /// Live providers, optionally of one physical network, name or state, ordered by id.
    public static func providers(_ sql: any SQLDatabase, physicalNetworkID: Int64?, name: String? = nil, state: PhysicalNetworkState? = nil,
                                 offset: Int = 0, limit: Int? = nil) async throws -> Listing<NetworkServiceProvider> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(providerTable).where("removed", .is, SQLLiteral.null)
            if let physicalNetworkID { b = b.where("physical_network_id", .equal, physicalNetworkID) }
            if let name { b = b.where(SQLFunction("lower", args: SQLIdentifier("provider_name")), .equal, SQLBind(name.lowercased())) }
            if let state { b = b.where("state", .equal, state.rawValue) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapProvider)
    }

    // MARK: virtual-router elements

    static func mapElement(_ row: any SQLRow) throws -> VirtualRouterElement {
        VirtualRouterElement(id: try row.int64("id"), uuid: try row.uuid("uuid"), providerID: try row.int64("nsp_id"),
                             elementType: try row.string("element_type"), enabled: try row.bool("enabled"))
    }

    /// Adds a virtual-router element (its `id` is ignored) and returns it with its new id.
    public static func insertElement(_ sql: any SQLDatabase, _ e: VirtualRouterElement) async throws -> VirtualRouterElement {
        var out = e
        out.id = try await insertReturningID(sql, into: elementTable, [("uuid", SQLBind(e.uuid.stored)), ("nsp_id", SQLBind(e.providerID)),
                                                                        ("element_type", SQLBind(e.elementType)), ("enabled", SQLBind(e.enabled))])
        return out
    }

    public static func setElementEnabled(_ sql: any SQLDatabase, id: Int64, _ enabled: Bool) async throws {
        try await sql.update(elementTable).set("enabled", to: enabled).where("id", .equal, id).run()
    }

    public static func element(_ sql: any SQLDatabase, uuid: UUID) async throws -> VirtualRouterElement? {
        try await sql.select().column("*").from(elementTable).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(mapElement)
    }

    /// Live elements, optionally of one provider, enabled flag or id, ordered by id.
    public static func elements(_ sql: any SQLDatabase, id: Int64? = nil, providerID: Int64? = nil, enabled: Bool? = nil,
                                offset: Int = 0, limit: Int? = nil) async throws -> Listing<VirtualRouterElement> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(elementTable).where("removed", .is, SQLLiteral.null)
            if let id { b = b.where("id", .equal, id) }
            if let providerID { b = b.where("nsp_id", .equal, providerID) }
            if let enabled { b = b.where("enabled", .equal, enabled) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: mapElement)
    }
}

/// Guest VLAN/VNI allocation rows (`guest_vnets`, CloudStack's `op_dc_vnet_alloc`).
public enum GuestVnetRepository {
    static let table = "guest_vnets"

    /// Adds free VNIs to a physical network's pool, in batches.
    public static func insert(_ sql: any SQLDatabase, zoneID: Int64, physicalNetworkID: Int64, vnets: [Int64]) async throws {
        for start in stride(from: 0, to: vnets.count, by: 500) {
            var b = sql.insert(into: table).columns("vnet", "vnet_num", "zone_id", "physical_network_id")
            for v in vnets[start..<min(start + 500, vnets.count)] {
                b = b.values(SQLBind(String(v)), SQLBind(v), SQLBind(zoneID), SQLBind(physicalNetworkID))
            }
            try await b.run()
        }
    }

    /// Deletes the VNIs of `range` from a physical network's pool (taken ones included: check first).
    public static func delete(_ sql: any SQLDatabase, physicalNetworkID: Int64, range: ClosedRange<Int64>) async throws {
        try await sql.delete(from: table).where("physical_network_id", .equal, physicalNetworkID)
            .where("vnet_num", .greaterThanOrEqual, range.lowerBound).where("vnet_num", .lessThanOrEqual, range.upperBound).run()
    }

    /// Number of taken VNIs of a physical network within `range`.
    public static func takenCount(_ sql: any SQLDatabase, physicalNetworkID: Int64, range: ClosedRange<Int64>) async throws -> Int {
        try await countRows(sql, table: table) {
            $0.where("physical_network_id", .equal, physicalNetworkID).where("taken", .isNot, SQLLiteral.null)
                .where("vnet_num", .greaterThanOrEqual, range.lowerBound).where("vnet_num", .lessThanOrEqual, range.upperBound)
        }
    }

    /// Number of VNIs (all, or only taken ones) of a physical network.
    public static func count(_ sql: any SQLDatabase, physicalNetworkID: Int64, takenOnly: Bool = false) async throws -> Int {
        try await countRows(sql, table: table) {
            var b = $0.where("physical_network_id", .equal, physicalNetworkID)
            if takenOnly { b = b.where("taken", .isNot, SQLLiteral.null) }
            return b
        }
    }

    /// Takes the lowest free VNI of a physical network for an account, or nil when none is free.
    public static func take(_ sql: any SQLDatabase, physicalNetworkID: Int64, accountID: Int64, reservationID: String, at date: Date) async throws -> Int64? {
        for _ in 0..<5 {
            guard let row = try await sql.select().column("id").column("vnet_num").from(table).where("physical_network_id", .equal, physicalNetworkID)
                .where("taken", .is, SQLLiteral.null).orderBy("vnet_num").limit(1).first() else { return nil }
            let claimed = try await sql.update(table).set("taken", to: date.storedMillis).set("account_id", to: accountID)
                .set("reservation_id", to: reservationID).where("id", .equal, try row.int64("id")).where("taken", .is, SQLLiteral.null)
                .returning("id").all()
            if !claimed.isEmpty { return try row.int64("vnet_num") }
        }
        return nil
    }

    /// Frees a VNI of a physical network.
    public static func release(_ sql: any SQLDatabase, physicalNetworkID: Int64, vnet: Int64) async throws {
        try await sql.update(table).set(SQLIdentifier("taken"), to: SQLLiteral.null).set(SQLIdentifier("account_id"), to: SQLLiteral.null)
            .set(SQLIdentifier("reservation_id"), to: SQLLiteral.null)
            .where("physical_network_id", .equal, physicalNetworkID).where("vnet_num", .equal, vnet).run()
    }
}
