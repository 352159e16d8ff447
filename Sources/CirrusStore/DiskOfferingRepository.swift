import CirrusModel
import Foundation
import SQLKit

/// Disk offering rows, including the compute-only ones that carry a service offering's
/// ROOT disk settings.
public enum DiskOfferingRepository {
    static let table = "disk_offerings"

    static func map(_ row: any SQLRow) throws -> DiskOffering {
        let rates = try row.optionalString("rates").map { try JSONDecoder().decode(DiskRates.self, from: Data($0.utf8)) } ?? DiskRates()
        return DiskOffering(
            id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), displayText: try row.string("display_text"),
            diskSizeGB: try row.int64("disk_size_gb"), isCustomized: try row.bool("customized"), isCustomizedIOPS: try row.bool("customized_iops"),
            minIOPS: try row.optionalInt64("min_iops"), maxIOPS: try row.optionalInt64("max_iops"), rates: rates, tags: try row.optionalString("tags"),
            provisioningType: try row.enumValue("provisioning_type", as: ProvisioningType.self), cacheMode: try row.enumValue("cache_mode", as: DiskCacheMode.self),
            storageType: try row.enumValue("storage_type", as: OfferingStorageType.self), displayOffering: try row.bool("display_offering"),
            encrypt: try row.bool("encrypt"), hypervisorSnapshotReserve: try row.optionalInt64("hv_snapshot_reserve").map { Int($0) },
            diskSizeStrictness: try row.bool("disk_size_strictness"), state: try row.enumValue("state", as: OfferingState.self),
            sortKey: try row.int("sort_key"), computeOnly: try row.bool("compute_only"), created: try row.date("created"))
    }

    static func columns(_ d: DiskOffering) throws -> [ColumnValue] {
        let rates: String? = d.rates.isEmpty ? nil : String(decoding: try JSONEncoder().encode(d.rates), as: UTF8.self)
        return [
            ("name", SQLBind(d.name)), ("display_text", SQLBind(d.displayText)), ("disk_size_gb", SQLBind(d.diskSizeGB)),
            ("customized", SQLBind(d.isCustomized)), ("customized_iops", SQLBind(d.isCustomizedIOPS)), ("min_iops", SQLBind(d.minIOPS)),
            ("max_iops", SQLBind(d.maxIOPS)), ("rates", SQLBind(rates)), ("tags", SQLBind(d.tags)), ("provisioning_type", SQLBind(d.provisioningType.rawValue)),
            ("cache_mode", SQLBind(d.cacheMode.rawValue)), ("storage_type", SQLBind(d.storageType.rawValue)), ("display_offering", SQLBind(d.displayOffering)),
            ("encrypt", SQLBind(d.encrypt)), ("hv_snapshot_reserve", SQLBind(d.hypervisorSnapshotReserve)), ("disk_size_strictness", SQLBind(d.diskSizeStrictness)),
            ("state", SQLBind(d.state.rawValue)), ("sort_key", SQLBind(d.sortKey)),
        ]
    }

    /// Inserts a disk offering and returns it with its id.
    public static func insert(_ sql: any SQLDatabase, _ offering: DiskOffering, uniqueName: String? = nil) async throws -> DiskOffering {
        var out = offering
        out.id = try await insertReturningID(sql, into: table, try columns(offering) + [
            ("uuid", SQLBind(offering.uuid.stored)), ("compute_only", SQLBind(offering.computeOnly)), ("unique_name", SQLBind(uniqueName)),
            ("created", SQLBind(offering.created.storedMillis)),
        ])
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ offering: DiskOffering) async throws {
        try await updateColumns(sql, table: table, id: offering.id, try columns(offering))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> DiskOffering? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> DiskOffering? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// Disk offerings by id, removed ones included (a service offering keeps naming its disk offering).
    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: DiskOffering] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: DiskOffering] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all() {
            let d = try map(row); out[d.id] = d
        }
        return out
    }

    /// Filters of `listDiskOfferings`; compute-only offerings are never listed.
    public struct Filter: Sendable {
        public var id: Int64?
        public var name: String?
        public var keyword: String?
        public var state: OfferingState?
        public var storageType: OfferingStorageType?
        public var encrypt: Bool?
        /// Hide offerings with `displayoffering=false` (non-admin callers).
        public var displayedOnly: Bool
        public var scope: OfferingRepository.ScopeFilter

        public init(id: Int64? = nil, name: String? = nil, keyword: String? = nil, state: OfferingState? = nil, storageType: OfferingStorageType? = nil,
                    encrypt: Bool? = nil, displayedOnly: Bool = false, scope: OfferingRepository.ScopeFilter = .init()) {
            self.id = id; self.name = name; self.keyword = keyword; self.state = state; self.storageType = storageType
            self.encrypt = encrypt; self.displayedOnly = displayedOnly; self.scope = scope
        }
    }

    public static func list(_ sql: any SQLDatabase, _ filter: Filter, offset: Int, limit: Int?) async throws -> Listing<DiskOffering> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null).where("compute_only", .equal, SQLBind(false))
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let keyword = filter.keyword { b = b.where(OfferingRepository.matching("name", keyword)) }
            if let state = filter.state { b = b.where("state", .equal, state.rawValue) }
            if let storageType = filter.storageType { b = b.where("storage_type", .equal, storageType.rawValue) }
            if let encrypt = filter.encrypt { b = b.where("encrypt", .equal, SQLBind(encrypt)) }
            if filter.displayedOnly { b = b.where("display_offering", .equal, SQLBind(true)) }
            return OfferingRepository.apply(filter.scope, kind: .disk, table: table, to: b)
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("sort_key").orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }
}
