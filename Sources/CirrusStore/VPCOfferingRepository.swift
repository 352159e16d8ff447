import CirrusModel
import Foundation
import SQLKit

/// VPC offering rows with their services and providers.
public enum VPCOfferingRepository {
    static let table = "vpc_offerings"

    static func map(_ row: any SQLRow) throws -> VPCOffering {
        VPCOffering(
            id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), uniqueName: try row.optionalString("unique_name"),
            displayText: try row.string("display_text"), state: try row.enumValue("state", as: NetworkOfferingState.self), isDefault: try row.bool("is_default"),
            services: ServiceProviderMap(), capabilities: try OfferingRepository.decodeCapabilities(try row.string("capabilities")),
            internetProtocol: try row.optionalString("internet_protocol"), serviceOfferingID: try row.optionalInt64("service_offering_id"),
            sortKey: try row.int("sort_key"), created: try row.date("created"))
    }

    static func columns(_ v: VPCOffering) throws -> [ColumnValue] {
        [
            ("name", SQLBind(v.name)), ("display_text", SQLBind(v.displayText)), ("state", SQLBind(v.state.rawValue)), ("is_default", SQLBind(v.isDefault)),
            ("capabilities", SQLBind(try OfferingRepository.encodeCapabilities(v.capabilities))), ("internet_protocol", SQLBind(v.internetProtocol)),
            ("service_offering_id", SQLBind(v.serviceOfferingID)), ("sort_key", SQLBind(v.sortKey)),
        ]
    }

    public static func insert(_ sql: any SQLDatabase, _ offering: VPCOffering) async throws -> VPCOffering {
        var out = offering
        out.id = try await insertReturningID(sql, into: table, try columns(offering) + [
            ("uuid", SQLBind(offering.uuid.stored)), ("unique_name", SQLBind(offering.uniqueName)), ("created", SQLBind(offering.created.storedMillis)),
        ])
        try await OfferingRepository.saveServices(sql, kind: .vpc, offeringID: out.id, offering.services)
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ offering: VPCOffering) async throws {
        try await updateColumns(sql, table: table, id: offering.id, try columns(offering))
    }

    static func withServices(_ sql: any SQLDatabase, _ offerings: [VPCOffering]) async throws -> [VPCOffering] {
        let services = try await OfferingRepository.loadServices(sql, kind: .vpc, ids: offerings.map(\.id))
        return offerings.map { var o = $0; o.services = services[o.id] ?? ServiceProviderMap(); return o }
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> VPCOffering? {
        try await withServices(sql, try await sql.select().column("*").from(table).where("id", .equal, id).all().map(map)).first
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> VPCOffering? {
        guard let row = try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first() else { return nil }
        return try await withServices(sql, [try map(row)]).first
    }

    /// Filters of `listVPCOfferings`.
    public struct Filter: Sendable {
        public var id: Int64?
        public var name: String?
        public var displayText: String?
        public var keyword: String?
        public var state: NetworkOfferingState?
        public var isDefault: Bool?
        public var services: [NetworkService]
        public var scope: OfferingRepository.ScopeFilter

        public init(id: Int64? = nil, name: String? = nil, displayText: String? = nil, keyword: String? = nil, state: NetworkOfferingState? = nil,
                    isDefault: Bool? = nil, services: [NetworkService] = [], scope: OfferingRepository.ScopeFilter = .init()) {
            self.id = id; self.name = name; self.displayText = displayText; self.keyword = keyword; self.state = state
            self.isDefault = isDefault; self.services = services; self.scope = scope
        }
    }

    public static func list(_ sql: any SQLDatabase, _ filter: Filter, offset: Int, limit: Int?) async throws -> Listing<VPCOffering> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let text = filter.displayText { b = b.where("display_text", .equal, text) }
            if let keyword = filter.keyword { b = b.where(OfferingRepository.matching("name", keyword)) }
            if let s = filter.state { b = b.where("state", .equal, s.rawValue) }
            if let v = filter.isDefault { b = b.where("is_default", .equal, SQLBind(v)) }
            for e in OfferingRepository.providing(filter.services, kind: .vpc, table: table) { b = b.where(e) }
            return OfferingRepository.apply(filter.scope, kind: .vpc, table: table, to: b)
        }
        let page = try await fetchListing(sql, filtered: build, order: { $0.orderBy("sort_key").orderBy("id") }, offset: offset, limit: limit, map: map)
        return Listing(items: try await withServices(sql, page.items), total: page.total)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }
}
