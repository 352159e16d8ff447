import CirrusModel
import Foundation
import SQLKit

/// An instance with the names the API shows beside it, as `listVirtualMachines` reads it.
public struct VirtualMachineListItem: Sendable {
    public var vm: VirtualMachine
    public var accountName: String
    public var domainUUID: UUID
    public var domainName: String
    public var domainPath: String
    public var zoneUUID: UUID?
    public var zoneName: String?
    public var hostUUID: UUID?
    public var hostName: String?
    public var templateUUID: UUID?
    public var templateName: String?
    public var templateDisplayText: String?
    public var passwordEnabled: Bool
    public var serviceOfferingUUID: UUID?
    public var serviceOfferingName: String?
    public var osTypeUUID: UUID?
    public var osTypeDescription: String?
    public var userUUID: UUID?
    public var userName: String?
}

/// Instance rows (`vm_instances`). State changes are conditional updates on the expected
/// state, so two servers (or two jobs) can never both move an instance out of one state.
public enum VirtualMachineRepository {
    static let table = "vm_instances"

    static let columns = ["id", "uuid", "name", "display_name", "host_name", "vm_type", "state", "power_state", "power_state_updated", "account_id",
                          "domain_id", "user_id", "zone_id", "pod_id", "cluster_id", "host_id", "last_host_id", "template_id", "iso_id",
                          "service_offering_id", "disk_offering_id", "cpu", "cpu_speed", "memory", "ha_enabled", "display_vm", "limit_cpu_use",
                          "dynamically_scalable", "os_type_id", "hypervisor_type", "instance_group", "password", "keypairs", "user_data",
                          "user_data_id", "user_data_details", "details", "update_count", "created", "destroyed", "removed"]
    static let qualifiedColumns = columns.map { #""vm_instances"."\#($0)""# }.joined(separator: ", ")

    static func map(_ row: any SQLRow) throws -> VirtualMachine {
        VirtualMachine(id: try row.int64("id"), uuid: try row.uuid("uuid"), instanceName: try row.string("name"), displayName: try row.string("display_name"),
                       hostName: try row.string("host_name"), type: try row.enumValue("vm_type", as: VirtualMachineType.self),
                       state: try row.enumValue("state", as: VirtualMachineState.self), powerState: try row.enumValue("power_state", as: PowerState.self),
                       powerStateUpdated: try row.optionalDate("power_state_updated"), accountID: try row.int64("account_id"),
                       domainID: try row.int64("domain_id"), userID: try row.int64("user_id"), zoneID: try row.int64("zone_id"),
                       podID: try row.optionalInt64("pod_id"), clusterID: try row.optionalInt64("cluster_id"), hostID: try row.optionalInt64("host_id"),
                       lastHostID: try row.optionalInt64("last_host_id"), templateID: try row.optionalInt64("template_id"), isoID: try row.optionalInt64("iso_id"),
                       serviceOfferingID: try row.int64("service_offering_id"), diskOfferingID: try row.optionalInt64("disk_offering_id"),
                       cpu: try row.int("cpu"), cpuSpeed: try row.int64("cpu_speed"), memory: try row.int64("memory"), haEnabled: try row.bool("ha_enabled"),
                       displayVM: try row.bool("display_vm"), limitCPUUse: try row.bool("limit_cpu_use"),
                       dynamicallyScalable: try row.bool("dynamically_scalable"), osTypeID: try row.int64("os_type_id"),
                       hypervisorType: try row.enumValue("hypervisor_type", as: HypervisorType.self), group: try row.optionalString("instance_group"),
                       password: try row.optionalString("password"), keyPairs: decodeList(try row.string("keypairs")), userData: try row.optionalString("user_data"),
                       userDataID: try row.optionalInt64("user_data_id"), userDataDetails: decodeMap(try row.string("user_data_details")),
                       details: decodeMap(try row.string("details")), updateCount: try row.int64("update_count"), created: try row.date("created"),
                       destroyed: try row.optionalDate("destroyed"), removed: try row.optionalDate("removed"))
    }

    static func decodeList(_ text: String) -> [String] {
        if text == "[]" { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    static func decodeMap(_ text: String) -> [String: String] {
        if text == "{}" { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }

    /// Inserts an instance and names it `i-<account>-<id>-<suffix>` once its id is known.
    public static func insert(_ sql: any SQLDatabase, _ vm: VirtualMachine, nameSuffix: String) async throws -> VirtualMachine {
        let row = try await sql.insert(into: table)
            .columns(Array(columns.dropFirst()))
            .values(SQLBind(vm.uuid.stored), SQLBind(vm.instanceName), SQLBind(vm.displayName), SQLBind(vm.hostName), SQLBind(vm.type.rawValue),
                    SQLBind(vm.state.rawValue), SQLBind(vm.powerState.rawValue), SQLBind(vm.powerStateUpdated?.storedMillis), SQLBind(vm.accountID),
                    SQLBind(vm.domainID), SQLBind(vm.userID), SQLBind(vm.zoneID), SQLBind(vm.podID), SQLBind(vm.clusterID), SQLBind(vm.hostID),
                    SQLBind(vm.lastHostID), SQLBind(vm.templateID), SQLBind(vm.isoID), SQLBind(vm.serviceOfferingID), SQLBind(vm.diskOfferingID),
                    SQLBind(vm.cpu), SQLBind(vm.cpuSpeed), SQLBind(vm.memory), SQLBind(vm.haEnabled), SQLBind(vm.displayVM), SQLBind(vm.limitCPUUse),
                    SQLBind(vm.dynamicallyScalable), SQLBind(vm.osTypeID), SQLBind(vm.hypervisorType.rawValue), SQLBind(vm.group), SQLBind(vm.password),
                    SQLBind(encode(vm.keyPairs)), SQLBind(vm.userData), SQLBind(vm.userDataID), SQLBind(encode(vm.userDataDetails)),
                    SQLBind(encode(vm.details)), SQLBind(vm.updateCount), SQLBind(vm.created.storedMillis), SQLBind(vm.destroyed?.storedMillis),
                    SQLBind(vm.removed?.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting instance \(vm.displayName) returned no id") }
        var out = vm
        out.id = id
        if vm.type == .user {
            out.instanceName = VirtualMachine.userInstanceName(accountID: vm.accountID, vmID: id, suffix: nameSuffix)
            try await sql.update(table).set("name", to: out.instanceName).where("id", .equal, literal(id)).run()
        }
        return out
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> VirtualMachine? {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("id", .equal, literal(id)).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> VirtualMachine? {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("uuid", .equal, SQLBind(uuid.stored)).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live instance a host runs under `instanceName`.
    public static func find(_ sql: any SQLDatabase, instanceName: String) async throws -> VirtualMachine? {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("name", .equal, SQLBind(instanceName)).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// Moves an instance from `expected` to `state` (and writes the given columns) only if it
    /// is still in `expected`. Returns false when another operation got there first.
    @discardableResult
    public static func transition(_ sql: any SQLDatabase, id: Int64, from expected: VirtualMachineState, to state: VirtualMachineState,
                                  _ changes: VirtualMachineChanges = VirtualMachineChanges()) async throws -> Bool {
        let columns = changes.columns
        var update = sql.update(table).set("state", to: state.rawValue).set("update_count", to: SQLRaw(#""update_count" + 1"#))
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: value) }
        let changed = try await update.where("id", .equal, literal(id)).where("state", .equal, SQLBind(expected.rawValue))
            .where("removed", .is, SQLLiteral.null).returning("id").all()
        return !changed.isEmpty
    }

    /// Writes fields that are not the state (name, offering, details…).
    public static func update(_ sql: any SQLDatabase, id: Int64, _ changes: VirtualMachineChanges) async throws {
        let columns = changes.columns
        guard !columns.isEmpty else { return }
        var update = sql.update(table)
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: value) }
        try await update.where("id", .equal, literal(id)).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).set("host_id", to: SQLLiteral.null).where("id", .equal, literal(id)).run()
    }

    /// Records what hosts report about power, in one statement per state.
    public static func setPowerStates(_ sql: any SQLDatabase, ids: [Int64], state: PowerState, hostID: Int64?, at date: Date) async throws {
        guard !ids.isEmpty else { return }
        try await sql.update(table).set("power_state", to: state.rawValue).set("power_state_updated", to: date.storedMillis)
            .where("id", .in, SQLRaw("(" + ids.map(String.init).joined(separator: ",") + ")")).run()
    }

    /// Live instances placed on a host (any state holding the host).
    public static func onHost(_ sql: any SQLDatabase, hostID: Int64) async throws -> [VirtualMachine] {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("host_id", .equal, literal(hostID))
            .where("removed", .is, SQLLiteral.null).orderBy("id").all().map(map)
    }

    /// User instances in one of `states` (live rows), for the recovery of stranded operations.
    public static func inStates(_ sql: any SQLDatabase, _ states: [VirtualMachineState]) async throws -> [VirtualMachine] {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("removed", .is, SQLLiteral.null)
            .where("vm_type", .equal, SQLBind(VirtualMachineType.user.rawValue))
            .where("state", .in, SQLBind.group(states.map(\.rawValue))).orderBy("id").all().map(map)
    }

    /// Instances in `Destroyed` since before `cutoff`, and those in `Error`, for the expunger.
    public static func expungeCandidates(_ sql: any SQLDatabase, destroyedBefore cutoff: Date, limit: Int) async throws -> [VirtualMachine] {
        try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where("removed", .is, SQLLiteral.null)
            .where { $0.where("state", .equal, SQLBind(VirtualMachineState.error.rawValue))
                .orWhere { $0.where("state", .equal, SQLBind(VirtualMachineState.destroyed.rawValue)).where("destroyed", .lessThan, SQLBind(cutoff.storedMillis)) } }
            .orderBy("id").limit(limit).all().map(map)
    }

    /// Instances of an account per host, cluster and pod (for the dispersing and
    /// concentrating planners), counting those that hold a host.
    public static func placementCounts(_ sql: any SQLDatabase, accountID: Int64) async throws -> [(hostID: Int64, clusterID: Int64?, podID: Int64?, count: Int)] {
        try await sql.select().column("host_id").column("cluster_id").column("pod_id").column(SQLFunction("count", args: SQLLiteral.all), as: "n")
            .from(table).where("account_id", .equal, literal(accountID)).where("removed", .is, SQLLiteral.null)
            .where("host_id", .isNot, SQLLiteral.null).groupBy("host_id").groupBy("cluster_id").groupBy("pod_id").all()
            .map { (try $0.int64("host_id"), try $0.optionalInt64("cluster_id"), try $0.optionalInt64("pod_id"), try $0.int("n")) }
    }

    // MARK: listing

    /// Optional predicates of a listing; `scope` is the caller's tenancy.
    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var ids: [Int64]?
        public var name: String?
        public var state: VirtualMachineState?
        public var zoneID: Int64?
        public var podID: Int64?
        public var clusterID: Int64?
        public var hostID: Int64?
        public var templateID: Int64?
        public var isoID: Int64?
        public var serviceOfferingID: Int64?
        public var userID: Int64?
        public var group: String?
        public var keyword: String?
        public var haEnabled: Bool?
        public var displayVM: Bool?
        public var hypervisorType: HypervisorType?
        public var type: VirtualMachineType? = .user
        /// Instances carrying any of these tags.
        public var tags: [TagPair] = []

        public init() {}
    }

    static func apply<B: SQLPredicateBuilder>(_ f: Filter, to builder: B) -> B {
        var b = builder.where(SQLColumn("removed", table: table), .is, SQLLiteral.null)
        b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLColumn("account_id", table: table), domainColumn: SQLColumn("domain_id", table: table))
        if let ids = f.ids { b = b.where(SQLColumn("id", table: table), .in, SQLRaw("(" + (ids.isEmpty ? "NULL" : ids.map(String.init).joined(separator: ",")) + ")")) }
        if let n = f.name { b = b.where(SQLColumn("host_name", table: table), .equal, SQLBind(n)) }
        if let s = f.state { b = b.where(SQLColumn("state", table: table), .equal, SQLBind(s.rawValue)) }
        if let z = f.zoneID { b = b.where(SQLColumn("zone_id", table: table), .equal, literal(z)) }
        if let p = f.podID { b = b.where(SQLColumn("pod_id", table: table), .equal, literal(p)) }
        if let c = f.clusterID { b = b.where(SQLColumn("cluster_id", table: table), .equal, literal(c)) }
        if let h = f.hostID { b = b.where(SQLColumn("host_id", table: table), .equal, literal(h)) }
        if let t = f.templateID { b = b.where(SQLColumn("template_id", table: table), .equal, literal(t)) }
        if let i = f.isoID { b = b.where(SQLColumn("iso_id", table: table), .equal, literal(i)) }
        if let o = f.serviceOfferingID { b = b.where(SQLColumn("service_offering_id", table: table), .equal, literal(o)) }
        if let u = f.userID { b = b.where(SQLColumn("user_id", table: table), .equal, literal(u)) }
        if let g = f.group { b = b.where(SQLColumn("instance_group", table: table), .equal, SQLBind(g)) }
        if let h = f.haEnabled { b = b.where(SQLColumn("ha_enabled", table: table), .equal, SQLBind(h)) }
        if let d = f.displayVM { b = b.where(SQLColumn("display_vm", table: table), .equal, SQLBind(d)) }
        if let hv = f.hypervisorType { b = b.where(SQLColumn("hypervisor_type", table: table), .equal, SQLBind(hv.rawValue)) }
        if let t = f.type { b = b.where(SQLColumn("vm_type", table: table), .equal, SQLBind(t.rawValue)) }
        if let k = f.keyword {
            let pattern = "%\(k.lowercased())%"
            b = b.where { $0.where(SQLFunction("lower", args: SQLColumn("host_name", table: table)), .like, SQLBind(pattern))
                .orWhere(SQLFunction("lower", args: SQLColumn("display_name", table: table)), .like, SQLBind(pattern))
                .orWhere(SQLFunction("lower", args: SQLColumn("name", table: table)), .like, SQLBind(pattern)) }
        }
        if !f.tags.isEmpty { b = b.where(TagRepository.matching(type: .userVm, tags: f.tags, idColumn: SQLColumn("id", table: table))) }
        return b
    }

    static let joinedColumns = qualifiedColumns + #", "a"."name" AS "account_name", "d"."uuid" AS "domain_uuid", "d"."name" AS "domain_name", "d"."path" AS "domain_path", "z"."uuid" AS "zone_uuid", "z"."name" AS "zone_name", "h"."uuid" AS "host_uuid", "h"."name" AS "hostname", "t"."uuid" AS "template_uuid", "t"."name" AS "template_name", "t"."display_text" AS "template_display_text", "t"."password_enabled" AS "password_enabled", "so"."uuid" AS "service_offering_uuid", "so"."name" AS "service_offering_name", "o"."uuid" AS "os_type_uuid", "o"."description" AS "os_type_description", "u"."uuid" AS "user_uuid", "u"."username" AS "user_name""#

    /// One page of instances with their names: a count, then the page's ids (a window over
    /// `vm_instances` alone), then the joins for just those rows.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter, offset: Int = 0, limit: Int? = nil) async throws -> Listing<VirtualMachineListItem> {
        let joins = [ListingJoin(table: "accounts", alias: "a", column: "account_id"), ListingJoin(table: "domains", alias: "d", column: "domain_id"),
                     ListingJoin(table: "zones", alias: "z", column: "zone_id"), ListingJoin(table: "hosts", alias: "h", column: "host_id"),
                     ListingJoin(table: "templates", alias: "t", column: "template_id"), ListingJoin(table: "service_offerings", alias: "so", column: "service_offering_id"),
                     ListingJoin(table: "os_types", alias: "o", column: "os_type_id"), ListingJoin(table: "users", alias: "u", column: "user_id")]
        return try await fetchWindowedListing(sql, table: table, columns: joinedColumns, joins: joins, count: { apply(filter, to: $0) },
                                              window: { apply(filter, to: $0) }, offset: offset, limit: limit) { row in
            VirtualMachineListItem(vm: try map(row), accountName: try row.optionalString("account_name") ?? "", domainUUID: try row.uuid("domain_uuid"),
                                   domainName: try row.string("domain_name"), domainPath: try row.string("domain_path"),
                                   zoneUUID: try row.optionalString("zone_uuid").flatMap(UUID.init(uuidString:)), zoneName: try row.optionalString("zone_name"),
                                   hostUUID: try row.optionalString("host_uuid").flatMap(UUID.init(uuidString:)), hostName: try row.optionalString("hostname"),
                                   templateUUID: try row.optionalString("template_uuid").flatMap(UUID.init(uuidString:)),
                                   templateName: try row.optionalString("template_name"), templateDisplayText: try row.optionalString("template_display_text"),
                                   passwordEnabled: (try? row.bool("password_enabled")) ?? false,
                                   serviceOfferingUUID: try row.optionalString("service_offering_uuid").flatMap(UUID.init(uuidString:)),
                                   serviceOfferingName: try row.optionalString("service_offering_name"),
                                   osTypeUUID: try row.optionalString("os_type_uuid").flatMap(UUID.init(uuidString:)),
                                   osTypeDescription: try row.optionalString("os_type_description"),
                                   userUUID: try row.optionalString("user_uuid").flatMap(UUID.init(uuidString:)), userName: try row.optionalString("user_name"))
        }
    }
}
