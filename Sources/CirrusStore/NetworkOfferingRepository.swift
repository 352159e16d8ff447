import CirrusModel
import Foundation
import SQLKit

/// Network offering rows with their services and providers.
public enum NetworkOfferingRepository {
    static let table = "network_offerings"

    static func map(_ row: any SQLRow) throws -> NetworkOffering {
        func int(_ c: String) throws -> Int? { try row.optionalInt64(c).map { Int($0) } }
        return NetworkOffering(
            id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), uniqueName: try row.optionalString("unique_name"),
            displayText: try row.string("display_text"), guestIPType: try row.optionalString("guest_ip_type").flatMap(GuestIPType.init(rawValue:)),
            trafficType: try row.enumValue("traffic_type", as: OfferingTrafficType.self), tags: try row.optionalString("tags"),
            specifyVlan: try row.bool("specify_vlan"), specifyIPRanges: try row.bool("specify_ip_ranges"), conserveMode: try row.bool("conserve_mode"),
            egressDefaultPolicy: try row.bool("egress_default_policy"), isPersistent: try row.bool("is_persistent"),
            availability: try row.enumValue("availability", as: NetworkOfferingAvailability.self), state: try row.enumValue("state", as: NetworkOfferingState.self),
            forVPC: try row.bool("for_vpc"), networkRate: try int("network_rate"), isDefault: try row.bool("is_default"), systemOnly: try row.bool("system_only"),
            internetProtocol: try row.optionalString("internet_protocol"), maxConnections: try int("max_connections"), keepAliveEnabled: try row.bool("keep_alive"),
            serviceOfferingID: try row.optionalInt64("service_offering_id"),
            capabilities: try OfferingRepository.decodeCapabilities(try row.string("capabilities")), sortKey: try row.int("sort_key"), created: try row.date("created"))
    }

    static func columns(_ n: NetworkOffering) throws -> [ColumnValue] {
        [
            ("name", SQLBind(n.name)), ("display_text", SQLBind(n.displayText)), ("guest_ip_type", SQLBind(n.guestIPType?.rawValue)),
            ("traffic_type", SQLBind(n.trafficType.rawValue)), ("tags", SQLBind(n.tags)), ("specify_vlan", SQLBind(n.specifyVlan)),
            ("specify_ip_ranges", SQLBind(n.specifyIPRanges)), ("conserve_mode", SQLBind(n.conserveMode)), ("egress_default_policy", SQLBind(n.egressDefaultPolicy)),
            ("is_persistent", SQLBind(n.isPersistent)), ("availability", SQLBind(n.availability.rawValue)), ("state", SQLBind(n.state.rawValue)),
            ("for_vpc", SQLBind(n.forVPC)), ("network_rate", SQLBind(n.networkRate)), ("is_default", SQLBind(n.isDefault)), ("system_only", SQLBind(n.systemOnly)),
            ("internet_protocol", SQLBind(n.internetProtocol)), ("max_connections", SQLBind(n.maxConnections)), ("keep_alive", SQLBind(n.keepAliveEnabled)),
            ("service_offering_id", SQLBind(n.serviceOfferingID)), ("capabilities", SQLBind(try OfferingRepository.encodeCapabilities(n.capabilities))),
            ("sort_key", SQLBind(n.sortKey)),
        ]
    }

    /// Inserts a network offering with its services and returns it with its id.
    public static func insert(_ sql: any SQLDatabase, _ offering: NetworkOffering) async throws -> NetworkOffering {
        var out = offering
        out.id = try await insertReturningID(sql, into: table, try columns(offering) + [
            ("uuid", SQLBind(offering.uuid.stored)), ("unique_name", SQLBind(offering.uniqueName)), ("created", SQLBind(offering.created.storedMillis)),
        ])
        try await OfferingRepository.saveServices(sql, kind: .network, offeringID: out.id, offering.services)
        return out
    }

    /// Updates the offering's own columns (services do not change after creation).
    public static func update(_ sql: any SQLDatabase, _ offering: NetworkOffering) async throws {
        try await updateColumns(sql, table: table, id: offering.id, try columns(offering))
    }

    static func withServices(_ sql: any SQLDatabase, _ offerings: [NetworkOffering]) async throws -> [NetworkOffering] {
        let services = try await OfferingRepository.loadServices(sql, kind: .network, ids: offerings.map(\.id))
        return offerings.map { var o = $0; o.services = services[o.id] ?? ServiceProviderMap(); return o }
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> NetworkOffering? {
        guard let row = try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first() else { return nil }
        return try await withServices(sql, [try map(row)]).first
    }

    public static func find(_ sql: any SQLDatabase, uniqueName: String) async throws -> NetworkOffering? {
        guard let row = try await sql.select().column("*").from(table).where("unique_name", .equal, uniqueName).where("removed", .is, SQLLiteral.null).first() else { return nil }
        return try await withServices(sql, [try map(row)]).first
    }

    /// Filters of `listNetworkOfferings`; system-only offerings are never listed.
    public struct Filter: Sendable {
        public var id: Int64?
        public var name: String?
        public var displayText: String?
        public var keyword: String?
        public var guestIPType: GuestIPType?
        public var trafficType: OfferingTrafficType?
        public var availability: NetworkOfferingAvailability?
        public var state: NetworkOfferingState?
        public var isDefault: Bool?
        public var specifyVlan: Bool?
        public var specifyIPRanges: Bool?
        public var forVPC: Bool?
        public var isTagged: Bool?
        public var tags: String?
        public var sourceNatSupported: Bool?
        public var services: [NetworkService]
        public var scope: OfferingRepository.ScopeFilter

        public init(id: Int64? = nil, name: String? = nil, displayText: String? = nil, keyword: String? = nil, guestIPType: GuestIPType? = nil,
                    trafficType: OfferingTrafficType? = nil, availability: NetworkOfferingAvailability? = nil, state: NetworkOfferingState? = nil,
                    isDefault: Bool? = nil, specifyVlan: Bool? = nil, specifyIPRanges: Bool? = nil, forVPC: Bool? = nil, isTagged: Bool? = nil,
                    tags: String? = nil, sourceNatSupported: Bool? = nil, services: [NetworkService] = [], scope: OfferingRepository.ScopeFilter = .init()) {
            self.id = id; self.name = name; self.displayText = displayText; self.keyword = keyword; self.guestIPType = guestIPType
            self.trafficType = trafficType; self.availability = availability; self.state = state; self.isDefault = isDefault
            self.specifyVlan = specifyVlan; self.specifyIPRanges = specifyIPRanges; self.forVPC = forVPC; self.isTagged = isTagged
            self.tags = tags; self.sourceNatSupported = sourceNatSupported; self.services = services; self.scope = scope
        }
    }

    public static func list(_ sql: any SQLDatabase, _ filter: Filter, offset: Int, limit: Int?) async throws -> Listing<NetworkOffering> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null).where("system_only", .equal, SQLBind(false))
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let text = filter.displayText { b = b.where("display_text", .equal, text) }
            if let keyword = filter.keyword { b = b.where(OfferingRepository.matching("name", keyword)) }
            if let t = filter.guestIPType { b = b.where("guest_ip_type", .equal, t.rawValue) }
            if let t = filter.trafficType { b = b.where("traffic_type", .equal, t.rawValue) }
            if let a = filter.availability { b = b.where("availability", .equal, a.rawValue) }
            if let s = filter.state { b = b.where("state", .equal, s.rawValue) }
            if let v = filter.isDefault { b = b.where("is_default", .equal, SQLBind(v)) }
            if let v = filter.specifyVlan { b = b.where("specify_vlan", .equal, SQLBind(v)) }
            if let v = filter.specifyIPRanges { b = b.where("specify_ip_ranges", .equal, SQLBind(v)) }
            if let v = filter.forVPC { b = b.where("for_vpc", .equal, SQLBind(v)) }
            if let v = filter.isTagged { b = v ? b.where("tags", .isNot, SQLLiteral.null) : b.where("tags", .is, SQLLiteral.null) }
            if let tags = filter.tags { b = b.where("tags", .equal, tags) }
            for e in OfferingRepository.providing(filter.services, kind: .network, table: table) { b = b.where(e) }
            if let v = filter.sourceNatSupported {
                let e = OfferingRepository.providing([.sourceNat], kind: .network, table: table)[0]
                b = v ? b.where(e) : b.where(SQLQueryString("NOT \(e)"))
            }
            return OfferingRepository.apply(filter.scope, kind: .network, table: table, to: b)
        }
        let page = try await fetchListing(sql, filtered: build, order: { $0.orderBy("sort_key").orderBy("id") }, offset: offset, limit: limit, map: map)
        return Listing(items: try await withServices(sql, page.items), total: page.total)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }
}
