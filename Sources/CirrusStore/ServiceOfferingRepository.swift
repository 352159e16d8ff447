import CirrusModel
import Foundation
import SQLKit

/// Service (compute) offering rows.
public enum ServiceOfferingRepository {
    static let table = "service_offerings"

    static func map(_ row: any SQLRow) throws -> ServiceOffering {
        func int(_ c: String) throws -> Int? { try row.optionalInt64(c).map { Int($0) } }
        return ServiceOffering(
            id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), displayText: try row.string("display_text"),
            cpuNumber: try int("cpu_number"), cpuSpeed: try int("cpu_speed"), memory: try int("memory"), isCustomized: try row.bool("customized"),
            minCPUNumber: try int("min_cpu_number"), maxCPUNumber: try int("max_cpu_number"), minMemory: try int("min_memory"), maxMemory: try int("max_memory"),
            offerHA: try row.bool("offer_ha"), limitCPUUse: try row.bool("limit_cpu_use"), isVolatile: try row.bool("is_volatile"),
            hostTags: try row.optionalString("host_tags"), isSystem: try row.bool("is_system"),
            systemVMType: try row.optionalString("system_vm_type").flatMap(SystemVMType.init(rawValue:)), defaultUse: try row.bool("default_use"),
            deploymentPlanner: try row.optionalString("deployment_planner").flatMap(DeploymentPlannerName.init(rawValue:)),
            networkRate: try int("network_rate"), dynamicScalingEnabled: try row.bool("dynamic_scaling"), diskOfferingID: try row.int64("disk_offering_id"),
            diskOfferingStrictness: try row.bool("disk_offering_strictness"), state: try row.enumValue("state", as: OfferingState.self),
            sortKey: try row.int("sort_key"), uniqueName: try row.optionalString("unique_name"), created: try row.date("created"))
    }

    static func columns(_ s: ServiceOffering) -> [ColumnValue] {
        [
            ("name", SQLBind(s.name)), ("display_text", SQLBind(s.displayText)), ("cpu_number", SQLBind(s.cpuNumber)), ("cpu_speed", SQLBind(s.cpuSpeed)),
            ("memory", SQLBind(s.memory)), ("customized", SQLBind(s.isCustomized)), ("min_cpu_number", SQLBind(s.minCPUNumber)),
            ("max_cpu_number", SQLBind(s.maxCPUNumber)), ("min_memory", SQLBind(s.minMemory)), ("max_memory", SQLBind(s.maxMemory)),
            ("offer_ha", SQLBind(s.offerHA)), ("limit_cpu_use", SQLBind(s.limitCPUUse)), ("is_volatile", SQLBind(s.isVolatile)),
            ("host_tags", SQLBind(s.hostTags)), ("is_system", SQLBind(s.isSystem)), ("system_vm_type", SQLBind(s.systemVMType?.rawValue)),
            ("default_use", SQLBind(s.defaultUse)), ("deployment_planner", SQLBind(s.deploymentPlanner?.rawValue)), ("network_rate", SQLBind(s.networkRate)),
            ("dynamic_scaling", SQLBind(s.dynamicScalingEnabled)), ("disk_offering_id", SQLBind(s.diskOfferingID)),
            ("disk_offering_strictness", SQLBind(s.diskOfferingStrictness)), ("state", SQLBind(s.state.rawValue)), ("sort_key", SQLBind(s.sortKey)),
        ]
    }

    /// Inserts a service offering and returns it with its id.
    public static func insert(_ sql: any SQLDatabase, _ offering: ServiceOffering) async throws -> ServiceOffering {
        var out = offering
        out.id = try await insertReturningID(sql, into: table, columns(offering) + [
            ("uuid", SQLBind(offering.uuid.stored)), ("unique_name", SQLBind(offering.uniqueName)), ("created", SQLBind(offering.created.storedMillis)),
        ])
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ offering: ServiceOffering) async throws {
        try await updateColumns(sql, table: table, id: offering.id, columns(offering))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> ServiceOffering? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> ServiceOffering? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// Live service offerings with this exact name (names need not be unique).
    public static func find(_ sql: any SQLDatabase, name: String) async throws -> [ServiceOffering] {
        try await sql.select().column("*").from(table).where("name", .equal, name).where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map)
    }

    /// Filters of `listServiceOfferings`.
    public struct Filter: Sendable {
        public var id: Int64?
        public var name: String?
        public var keyword: String?
        public var isSystem: Bool
        public var systemVMType: SystemVMType?
        public var state: OfferingState?
        /// Offerings that can give at least this many CPUs / this speed / this memory: fixed
        /// offerings with exactly these values, or custom ones whose bounds allow them.
        public var cpuNumber: Int?
        public var cpuSpeed: Int?
        public var memory: Int?
        public var storageType: OfferingStorageType?
        public var scope: OfferingRepository.ScopeFilter

        public init(id: Int64? = nil, name: String? = nil, keyword: String? = nil, isSystem: Bool = false, systemVMType: SystemVMType? = nil,
                    state: OfferingState? = nil, cpuNumber: Int? = nil, cpuSpeed: Int? = nil, memory: Int? = nil, storageType: OfferingStorageType? = nil,
                    scope: OfferingRepository.ScopeFilter = .init()) {
            self.id = id; self.name = name; self.keyword = keyword; self.isSystem = isSystem; self.systemVMType = systemVMType
            self.state = state; self.cpuNumber = cpuNumber; self.cpuSpeed = cpuSpeed; self.memory = memory; self.storageType = storageType
            self.scope = scope
        }
    }

    public static func list(_ sql: any SQLDatabase, _ filter: Filter, offset: Int, limit: Int?) async throws -> Listing<ServiceOffering> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null).where("is_system", .equal, SQLBind(filter.isSystem))
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let keyword = filter.keyword { b = b.where(OfferingRepository.matching("name", keyword)) }
            if let type = filter.systemVMType { b = b.where("system_vm_type", .equal, type.rawValue) }
            if let state = filter.state { b = b.where("state", .equal, state.rawValue) }
            if let n = filter.cpuNumber { b = b.where(fits("cpu_number", "min_cpu_number", "max_cpu_number", n)) }
            if let n = filter.memory { b = b.where(fits("memory", "min_memory", "max_memory", n)) }
            if let n = filter.cpuSpeed {
                b = b.where(SQLQueryString("(cpu_speed IS NULL OR cpu_speed >= \(literal: n))"))
            }
            if let type = filter.storageType {
                b = b.where(SQLQueryString("disk_offering_id IN (SELECT id FROM \(ident: DiskOfferingRepository.table) WHERE storage_type = \(bind: type.rawValue))"))
            }
            return OfferingRepository.apply(filter.scope, kind: .service, table: table, to: b)
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("sort_key").orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    /// A fixed offering with at least `n`, or a custom one whose bounds (if any) include `n`.
    static func fits(_ fixed: String, _ low: String, _ high: String, _ n: Int) -> SQLQueryString {
        "(\(ident: fixed) >= \(literal: n) OR (\(ident: fixed) IS NULL AND (\(ident: low) IS NULL OR (\(ident: low) <= \(literal: n) AND \(ident: high) >= \(literal: n)))))"
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }
}
