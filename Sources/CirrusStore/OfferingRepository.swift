import CirrusModel
import Foundation
import SQLKit

/// What every offering repository shares: the domain and zone scope rows, the predicates
/// that filter offerings by them.
public enum OfferingRepository {
    static let scopes = "offering_scopes"
    static let services = "offering_services"

    // MARK: scopes

    /// The domains and zones of each offering among `ids` (offerings without rows are absent).
    public static func scopes(_ sql: any SQLDatabase, kind: OfferingKind, ids: [Int64]) async throws -> [Int64: OfferingScope] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: OfferingScope] = [:]
        let rows = try await sql.select().columns("offering_id", "scope", "ref_id").from(scopes)
            .where("kind", .equal, kind.rawValue).where("offering_id", .in, ids).orderBy("ref_id").all()
        for row in rows {
            let id = try row.int64("offering_id")
            let ref = try row.int64("ref_id")
            if try row.string("scope") == "domain" { out[id, default: .everywhere].domainIDs.append(ref) } else { out[id, default: .everywhere].zoneIDs.append(ref) }
        }
        return out
    }

    /// Replaces the scope rows of one offering.
    public static func setScope(_ sql: any SQLDatabase, kind: OfferingKind, offeringID: Int64, _ scope: OfferingScope) async throws {
        try await sql.delete(from: scopes).where("kind", .equal, kind.rawValue).where("offering_id", .equal, offeringID).run()
        let rows = Set(scope.domainIDs).map { ("domain", $0) } + Set(scope.zoneIDs).map { ("zone", $0) }
        guard !rows.isEmpty else { return }
        var insert = sql.insert(into: scopes).columns("kind", "offering_id", "scope", "ref_id")
        for (what, ref) in rows {
            insert = insert.values(SQLBind(kind.rawValue), SQLBind(offeringID), SQLBind(what), SQLBind(ref))
        }
        try await insert.run()
    }

    /// Which offerings a list returns, by their domain and zone scope.
    public struct ScopeFilter: Sendable {
        /// Only public offerings and those offered to one of these domains (the caller's
        /// domain and its ancestors); `nil` for no restriction.
        public var visibleToDomains: [Int64]?
        /// Only offerings limited to one of these domains (`domainid` of an admin).
        public var limitedToDomains: [Int64]?
        /// Only offerings available in this zone (not zone-limited, or limited to it).
        public var zoneID: Int64?

        public init(visibleToDomains: [Int64]? = nil, limitedToDomains: [Int64]? = nil, zoneID: Int64? = nil) {
            self.visibleToDomains = visibleToDomains
            self.limitedToDomains = limitedToDomains
            self.zoneID = zoneID
        }
    }

    static func apply(_ filter: ScopeFilter, kind: OfferingKind, table: String, to builder: SQLSelectBuilder) -> SQLSelectBuilder {
        var b = builder
        func exists(_ scope: String, _ refs: [Int64]?) -> SQLQueryString {
            var q: SQLQueryString = "EXISTS (SELECT 1 FROM \(ident: scopes) s WHERE s.kind = \(bind: kind.rawValue) AND s.offering_id = \(ident: table).id AND s.scope = \(bind: scope)"
            if let refs { q.appendInterpolation(unsafeRaw: " AND s.ref_id IN (" + refs.map(String.init).joined(separator: ",") + ")") }
            q.appendLiteral(")")
            return q
        }
        if let domains = filter.visibleToDomains {
            var q: SQLQueryString = "(NOT \(exists("domain", nil))"
            if !domains.isEmpty { q.appendInterpolation(unsafeRaw: " OR "); q.appendInterpolation(exists("domain", domains)) }
            q.appendLiteral(")")
            b = b.where(q)
        }
        if let domains = filter.limitedToDomains {
            b = domains.isEmpty ? b.where(SQLLiteral.boolean(false)) : b.where(exists("domain", domains))
        }
        if let zone = filter.zoneID {
            var q: SQLQueryString = "(NOT \(exists("zone", nil)) OR "
            q.appendInterpolation(exists("zone", [zone]))
            q.appendLiteral(")")
            b = b.where(q)
        }
        return b
    }

    /// `lower(column) LIKE %keyword%`.
    static func matching(_ column: String, _ keyword: String) -> any SQLExpression {
        SQLBinaryExpression(SQLFunction("lower", args: SQLIdentifier(column)), .like, SQLBind("%\(keyword.lowercased())%"))
    }

    /// Whether a seeded offering with this unique name was ever created (even if removed since).
    public static func seeded(_ sql: any SQLDatabase, kind: OfferingKind, uniqueName: String) async throws -> Bool {
        let table = switch kind {
        case .service: ServiceOfferingRepository.table
        case .disk: DiskOfferingRepository.table
        case .network: NetworkOfferingRepository.table
        case .vpc: VPCOfferingRepository.table
        }
        return try await sql.select().column("id").from(table).where("unique_name", .equal, uniqueName).first() != nil
    }

    // MARK: services of network and VPC offerings

    static func loadServices(_ sql: any SQLDatabase, kind: OfferingKind, ids: [Int64]) async throws -> [Int64: ServiceProviderMap] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: ServiceProviderMap] = [:]
        let rows = try await sql.select().columns("offering_id", "service", "provider").from(services)
            .where("kind", .equal, kind.rawValue).where("offering_id", .in, ids).orderBy("offering_id").orderBy("position").all()
        for row in rows {
            let id = try row.int64("offering_id")
            let service = try row.enumValue("service", as: NetworkService.self)
            let raw = try row.string("provider")
            out[id, default: ServiceProviderMap()].add(service, raw.isEmpty ? nil : NetworkProvider(rawValue: raw))
        }
        return out
    }

    static func saveServices(_ sql: any SQLDatabase, kind: OfferingKind, offeringID: Int64, _ map: ServiceProviderMap) async throws {
        try await sql.delete(from: services).where("kind", .equal, kind.rawValue).where("offering_id", .equal, offeringID).run()
        var position = 0
        var insert = sql.insert(into: services).columns("kind", "offering_id", "service", "provider", "position")
        for entry in map.entries {
            for provider in entry.providers.isEmpty ? [nil] : entry.providers.map(Optional.some) {
                insert = insert.values(SQLBind(kind.rawValue), SQLBind(offeringID), SQLBind(entry.service.rawValue), SQLBind(provider?.rawValue ?? ""), SQLBind(position))
                position += 1
            }
        }
        if position > 0 { try await insert.run() }
    }

    /// Offerings whose services include all of `required` (names already validated).
    static func providing(_ required: [NetworkService], kind: OfferingKind, table: String) -> [any SQLExpression] {
        required.map { service in
            SQLQueryString("EXISTS (SELECT 1 FROM \(ident: services) sv WHERE sv.kind = \(bind: kind.rawValue) AND sv.offering_id = \(ident: table).id AND sv.service = \(bind: service.rawValue))")
        }
    }

    static func encodeCapabilities(_ c: [ServiceCapability]) throws -> String {
        String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
    }

    static func decodeCapabilities(_ text: String) throws -> [ServiceCapability] {
        try JSONDecoder().decode([ServiceCapability].self, from: Data(text.utf8))
    }
}
