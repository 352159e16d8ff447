import CirrusModel
import Foundation
import SQLKit

/// A host with the names of its zone, pod and cluster, as `listHosts` shows it.
public struct HostListItem: Sendable {
    public var host: CirrusModel.Host
    public var zoneUUID: UUID?
    public var zoneName: String?
    public var podUUID: UUID?
    public var podName: String?
    public var clusterUUID: UUID?
    public var clusterName: String?
    public var clusterType: String?
}

/// Host rows and their tags (`host_tags`).
public enum HostRepository {
    static let table = "hosts"
    static let tagTable = "host_tags"

    /// Optional predicates of ``list(_:_:offset:limit:)``.
    public struct Filter: Sendable {
        public var id: Int64?
        public var name: String?
        public var status: HostStatus?
        public var type: HostType?
        public var zoneID: Int64?
        public var podID: Int64?
        public var clusterID: Int64?
        public var resourceState: ResourceState?
        public var hypervisorType: HypervisorType?
        public var keyword: String?

        public init(id: Int64? = nil, name: String? = nil, status: HostStatus? = nil, type: HostType? = nil, zoneID: Int64? = nil, podID: Int64? = nil,
                    clusterID: Int64? = nil, resourceState: ResourceState? = nil, hypervisorType: HypervisorType? = nil, keyword: String? = nil) {
            self.id = id; self.name = name; self.status = status; self.type = type; self.zoneID = zoneID; self.podID = podID
            self.clusterID = clusterID; self.resourceState = resourceState; self.hypervisorType = hypervisorType; self.keyword = keyword
        }
    }

    static let columns = ["id", "uuid", "name", "guid", "host_type", "status", "resource_state", "zone_id", "pod_id", "cluster_id",
                          "hypervisor_type", "hypervisor_version", "url", "private_ip", "private_mac", "public_ip", "storage_ip",
                          "cpu_sockets", "cpus", "cpu_speed", "total_memory", "dom0_memory", "arch", "capabilities", "agent_version",
                          "owner_server", "last_ping", "disconnected", "maintenance_reason", "details", "created"]
    static let hostColumns = columns.map { #""hosts"."\#($0)""# }.joined(separator: ", ")

    /// Decoded `details` texts of one listing: hosts of a cluster mostly share the same
    /// details (the agent's bridges), so each distinct text is decoded once.
    struct DetailsCache {
        var decoded: [String: [String: String]] = [:]

        mutating func decode(_ text: String) -> [String: String] {
            if text == "{}" { return [:] }
            if let known = decoded[text] { return known }
            let value = (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
            if decoded.count < 256 { decoded[text] = value }
            return value
        }
    }

    static func map(_ row: any SQLRow) throws -> CirrusModel.Host {
        var details = DetailsCache()
        return try map(row, details: &details)
    }

    static func map(_ row: any SQLRow, details cache: inout DetailsCache) throws -> CirrusModel.Host {
        let details = cache.decode(try row.string("details"))
        return CirrusModel.Host(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), guid: try row.string("guid"),
                    type: try row.enumValue("host_type", as: HostType.self), status: try row.enumValue("status", as: HostStatus.self),
                    resourceState: try row.enumValue("resource_state", as: ResourceState.self), zoneID: try row.int64("zone_id"),
                    podID: try row.optionalInt64("pod_id"), clusterID: try row.optionalInt64("cluster_id"),
                    hypervisorType: try row.enumValue("hypervisor_type", as: HypervisorType.self), hypervisorVersion: try row.optionalString("hypervisor_version"),
                    url: try row.optionalString("url"), privateIP: try row.optionalString("private_ip"), privateMAC: try row.optionalString("private_mac"),
                    publicIP: try row.optionalString("public_ip"), storageIP: try row.optionalString("storage_ip"), cpuSockets: try row.int("cpu_sockets"),
                    cpus: try row.int("cpus"), cpuSpeed: try row.int64("cpu_speed"), totalMemory: try row.int64("total_memory"),
                    dom0Memory: try row.int64("dom0_memory"), arch: try row.string("arch"), capabilities: try row.optionalString("capabilities"),
                    agentVersion: try row.optionalString("agent_version"), ownerServer: try row.optionalString("owner_server"),
                    lastPing: try row.optionalDate("last_ping"), disconnected: try row.optionalDate("disconnected"),
                    maintenanceReason: try row.optionalString("maintenance_reason"), tags: [], details: details, created: try row.date("created"))
    }

    static func encodeDetails(_ details: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(details), as: UTF8.self)) ?? "{}"
    }

    /// The columns an update may change (everything but identity, placement and creation).
    static func fields(_ h: CirrusModel.Host) -> [(String, any SQLExpression)] {
        [("name", SQLBind(h.name)), ("guid", SQLBind(h.guid)), ("host_type", SQLBind(h.type.rawValue)), ("status", SQLBind(h.status.rawValue)),
         ("resource_state", SQLBind(h.resourceState.rawValue)), ("hypervisor_type", SQLBind(h.hypervisorType.rawValue)),
         ("hypervisor_version", SQLBind(h.hypervisorVersion)), ("url", SQLBind(h.url)), ("private_ip", SQLBind(h.privateIP)),
         ("private_mac", SQLBind(h.privateMAC)), ("public_ip", SQLBind(h.publicIP)), ("storage_ip", SQLBind(h.storageIP)),
         ("cpu_sockets", SQLBind(h.cpuSockets)), ("cpus", SQLBind(h.cpus)), ("cpu_speed", SQLBind(h.cpuSpeed)),
         ("total_memory", SQLBind(h.totalMemory)), ("dom0_memory", SQLBind(h.dom0Memory)), ("arch", SQLBind(h.arch)),
         ("capabilities", SQLBind(h.capabilities)), ("agent_version", SQLBind(h.agentVersion)), ("owner_server", SQLBind(h.ownerServer)),
         ("last_ping", SQLBind(h.lastPing?.storedMillis)), ("disconnected", SQLBind(h.disconnected?.storedMillis)),
         ("maintenance_reason", SQLBind(h.maintenanceReason)), ("details", SQLBind(encodeDetails(h.details)))]
    }

    /// Inserts a host with its tags (its `id` is ignored) and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ host: CirrusModel.Host) async throws -> CirrusModel.Host {
        let all: [(String, any SQLExpression)] = [("uuid", SQLBind(host.uuid.stored)), ("zone_id", SQLBind(host.zoneID)), ("pod_id", SQLBind(host.podID)),
                                                  ("cluster_id", SQLBind(host.clusterID))] + fields(host) + [("created", SQLBind(host.created.storedMillis))]
        let row = try await sql.insert(into: table).columns(all.map(\.0)).values(all.map(\.1)).returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting host \(host.name) returned no id") }
        var h = host
        h.id = id
        h.tags = normalized(host.tags)
        try await writeTags(sql, hostID: id, h.tags)
        return h
    }

    /// Writes the mutable columns and the tags of `host`.
    public static func update(_ sql: any SQLDatabase, _ host: CirrusModel.Host) async throws {
        var b = sql.update(table)
        for (column, value) in fields(host) { b = b.set(SQLIdentifier(column), to: value) }
        try await b.where("id", .equal, host.id).run()
        try await sql.delete(from: tagTable).where("host_id", .equal, host.id).run()
        try await writeTags(sql, hostID: host.id, normalized(host.tags))
    }

    /// Changes the status (and the disconnected time and owner) of one host, only if it is
    /// still in `expected`: returns false when another writer moved it first.
    public static func setStatus(_ sql: any SQLDatabase, id: Int64, from expected: HostStatus, to status: HostStatus,
                                 disconnected: Date?, ownerServer: String?, lastPing: Date? = nil) async throws -> Bool {
        var b = sql.update(table).set("status", to: status.rawValue).set("disconnected", to: SQLBind(disconnected?.storedMillis))
            .set("owner_server", to: SQLBind(ownerServer))
        if let lastPing { b = b.set("last_ping", to: lastPing.storedMillis) }
        let rows = try await b.where("id", .equal, id).where("status", .equal, expected.rawValue).returning("id").all()
        return !rows.isEmpty
    }

    /// Records pings received in one tick for many hosts with one statement per 500 hosts.
    public static func touchPings(_ sql: any SQLDatabase, ids: [Int64], at date: Date) async throws {
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let list = chunk.map(String.init).joined(separator: ",")
            try await sql.update(table).set("last_ping", to: date.storedMillis)
                .where(SQLIdentifier("id"), .in, SQLGroupExpression(SQLRaw(list))).run()
            start += 500
        }
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> CirrusModel.Host? {
        guard var h = try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map) else { return nil }
        h.tags = try await tags(sql, hostIDs: [h.id])[h.id] ?? []
        return h
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> CirrusModel.Host? {
        guard var h = try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map) else { return nil }
        h.tags = try await tags(sql, hostIDs: [h.id])[h.id] ?? []
        return h
    }

    /// The live host with this agent guid.
    public static func find(_ sql: any SQLDatabase, guid: String) async throws -> CirrusModel.Host? {
        guard var h = try await sql.select().column("*").from(table).where("guid", .equal, guid).where("removed", .is, SQLLiteral.null).first().map(map) else { return nil }
        h.tags = try await tags(sql, hostIDs: [h.id])[h.id] ?? []
        return h
    }

    /// Live hosts by id (tags included).
    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: CirrusModel.Host] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: CirrusModel.Host] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).where("removed", .is, SQLLiteral.null).all() {
            let h = try map(row); out[h.id] = h
        }
        for (id, t) in try await tags(sql, hostIDs: Array(out.keys)) { out[id]?.tags = t }
        return out
    }

    /// One page of hosts with their zone, pod and cluster names: one query for the count,
    /// one for the page, one for the page's tags. Every filter is on the hosts table, so the
    /// count needs no joins, and the page's window is taken over host ids alone (a subquery)
    /// before the joins: at 10,000 hosts a late page no longer joins the 9,500 rows it skips.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter, offset: Int = 0, limit: Int? = nil) async throws -> Listing<HostListItem> {
        func filtered<B: SQLPredicateBuilder>(_ b: B) -> B {
            var b = b.where(SQLColumn("removed", table: table), .is, SQLLiteral.null)
            if let id = filter.id { b = b.where(SQLColumn("id", table: table), .equal, literal(id)) }
            if let name = filter.name { b = b.where(SQLColumn("name", table: table), .equal, SQLBind(name)) }
            if let s = filter.status { b = b.where(SQLColumn("status", table: table), .equal, SQLBind(s.rawValue)) }
            if let t = filter.type { b = b.where(SQLColumn("host_type", table: table), .equal, SQLBind(t.rawValue)) }
            if let z = filter.zoneID { b = b.where(SQLColumn("zone_id", table: table), .equal, literal(z)) }
            if let p = filter.podID { b = b.where(SQLColumn("pod_id", table: table), .equal, literal(p)) }
            if let c = filter.clusterID { b = b.where(SQLColumn("cluster_id", table: table), .equal, literal(c)) }
            if let r = filter.resourceState { b = b.where(SQLColumn("resource_state", table: table), .equal, SQLBind(r.rawValue)) }
            if let hv = filter.hypervisorType { b = b.where(SQLColumn("hypervisor_type", table: table), .equal, SQLBind(hv.rawValue)) }
            if let k = filter.keyword {
                b = b.where(SQLFunction("lower", args: SQLColumn("name", table: table)), .like, SQLBind("%\(k.lowercased())%"))
            }
            return b
        }
        let total = try await filtered(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(table)).first().map { try $0.int("n") } ?? 0
        guard limit != 0, total > offset else { return Listing(items: [], total: total) }
        let select = SQLRaw(hostColumns + #", "z"."uuid" AS "zone_uuid", "z"."name" AS "zone_name", "p"."uuid" AS "pod_uuid", "p"."name" AS "pod_name", "c"."uuid" AS "cluster_uuid", "c"."name" AS "cluster_name", "c"."cluster_type" AS "cluster_type""#)
        var page = sql.select().column(select).from(table)
            .join(SQLAlias(SQLIdentifier("zones"), as: SQLIdentifier("z")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "z"), .equal, SQLColumn("zone_id", table: table))
            .join(SQLAlias(SQLIdentifier("pods"), as: SQLIdentifier("p")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "p"), .equal, SQLColumn("pod_id", table: table))
            .join(SQLAlias(SQLIdentifier("clusters"), as: SQLIdentifier("c")), method: SQLJoinMethod.left, on: SQLColumn("id", table: "c"), .equal, SQLColumn("cluster_id", table: table))
        if limit != nil || offset > 0 {
            func window<B: SQLSubqueryClauseBuilder>(_ b: B) -> B {
                var w = filtered(b.column(SQLColumn("id", table: table)).from(table)).orderBy(SQLColumn("id", table: table))
                if let limit { w = w.limit(limit) }
                if offset > 0 { w = w.offset(offset) }
                return w
            }
            let ids = SQLSubquery.select { b in window(b) }
            page = page.where(SQLColumn("id", table: table), .in, ids)
        } else {
            page = filtered(page)
        }
        var details = DetailsCache()
        var items = try await page.orderBy(SQLColumn("id", table: table)).all().map { row in
            HostListItem(host: try map(row, details: &details), zoneUUID: try row.optionalUUID("zone_uuid"), zoneName: try row.optionalString("zone_name"),
                         podUUID: try row.optionalUUID("pod_uuid"), podName: try row.optionalString("pod_name"),
                         clusterUUID: try row.optionalUUID("cluster_uuid"), clusterName: try row.optionalString("cluster_name"),
                         clusterType: try row.optionalString("cluster_type"))
        }
        let tags = try await tags(sql, hostIDs: items.map(\.host.id))
        for i in items.indices { items[i].host.tags = tags[items[i].host.id] ?? [] }
        return Listing(items: items, total: total)
    }

    /// Hosts in `statuses` whose last ping is older than `before` (or that never pinged and
    /// were created before it).
    public static func overdue(_ sql: any SQLDatabase, statuses: [HostStatus], before: Date) async throws -> [CirrusModel.Host] {
        let cutoff = before.storedMillis
        return try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null)
            .where("status", .in, statuses.map(\.rawValue))
            .where(SQLGroupExpression(SQLBinaryExpression(
                SQLBinaryExpression(SQLIdentifier("last_ping"), .lessThan, SQLBind(cutoff)), .or,
                SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("last_ping"), .is, SQLLiteral.null), .and,
                                                       SQLBinaryExpression(SQLIdentifier("created"), .lessThan, SQLBind(cutoff)))))))
            .all().map(map)
    }

    /// Disconnected hosts that have been disconnected since before `before`.
    public static func disconnectedSince(_ sql: any SQLDatabase, before: Date) async throws -> [CirrusModel.Host] {
        try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null)
            .where("status", .equal, HostStatus.disconnected.rawValue)
            .where("disconnected", .lessThan, before.storedMillis).all().map(map)
    }

    /// Live hosts of a cluster in `status` (HA investigation asks an Up neighbour).
    public static func list(_ sql: any SQLDatabase, clusterID: Int64, status: HostStatus) async throws -> [CirrusModel.Host] {
        try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null).where("cluster_id", .equal, clusterID)
            .where("status", .equal, status.rawValue).orderBy("id").all().map(map)
    }

    /// Live hosts whose `addHost` URL names the in-process Simulator (`http://sim...`).
    public static func inProcessSimulatorHosts(_ sql: any SQLDatabase) async throws -> [CirrusModel.Host] {
        try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null)
            .where("hypervisor_type", .equal, HypervisorType.simulator.rawValue)
            .where(SQLFunction("lower", args: SQLIdentifier("url")), .like, SQLBind("http://sim%")).orderBy("id").all().map(map)
    }

    /// Live hosts with this private IP address (KVM hosts are matched to `addHost` by it).
    public static func find(_ sql: any SQLDatabase, privateIP: String) async throws -> CirrusModel.Host? {
        try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null).where("private_ip", .equal, privateIP).first().map(map)
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).set("status", to: HostStatus.removed.rawValue).where("id", .equal, id).run()
        try await sql.delete(from: tagTable).where("host_id", .equal, id).run()
    }

    // MARK: tags

    static func normalized(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    static func writeTags(_ sql: any SQLDatabase, hostID: Int64, _ tags: [String]) async throws {
        guard !tags.isEmpty else { return }
        var b = sql.insert(into: tagTable).columns("host_id", "tag")
        for t in tags { b = b.values(SQLBind(hostID), SQLBind(t)) }
        try await b.run()
    }

    /// Tags of many hosts in one query.
    public static func tags(_ sql: any SQLDatabase, hostIDs: [Int64]) async throws -> [Int64: [String]] {
        guard !hostIDs.isEmpty else { return [:] }
        var out: [Int64: [String]] = [:]
        let rows = try await sql.select().column("host_id").column("tag").from(tagTable)
            .where(SQLIdentifier("host_id"), .in, SQLGroupExpression(SQLRaw(hostIDs.map(String.init).joined(separator: ","))))
            .orderBy("host_id").orderBy("tag").all()
        for row in rows { out[try row.int64("host_id"), default: []].append(try row.string("tag")) }
        return out
    }
}
