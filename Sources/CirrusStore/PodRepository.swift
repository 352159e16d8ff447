import CirrusModel
import Foundation
import SQLKit

/// Pod rows (CloudStack's `host_pod_ref`) and their management-address pool
/// (`pod_ip_addresses`, CloudStack's `op_dc_ip_address_alloc`).
public enum PodRepository {
    static let table = "pods"
    static let addresses = "pod_ip_addresses"

    /// Optional predicates of ``list(_:_:offset:limit:)``.
    public struct Filter: Sendable {
        public var id: Int64?
        public var zoneID: Int64?
        public var name: String?
        public var keyword: String?
        public var allocationState: AllocationState?
        public init(id: Int64? = nil, zoneID: Int64? = nil, name: String? = nil, keyword: String? = nil, allocationState: AllocationState? = nil) {
            self.id = id; self.zoneID = zoneID; self.name = name; self.keyword = keyword; self.allocationState = allocationState
        }
    }

    static func map(_ row: any SQLRow) throws -> Pod {
        Pod(id: try row.int64("id"), uuid: try row.uuid("uuid"), zoneID: try row.int64("zone_id"), name: try row.string("name"),
            gateway: try row.string("gateway"), cidr: try row.string("cidr"), startIP: try row.optionalString("start_ip"),
            endIP: try row.optionalString("end_ip"), allocationState: try row.enumValue("allocation_state", as: AllocationState.self),
            created: try row.date("created"))
    }

    static func fields(_ p: Pod) -> [ColumnValue] {
        [("name", SQLBind(p.name)), ("gateway", SQLBind(p.gateway)), ("cidr", SQLBind(p.cidr)), ("start_ip", SQLBind(p.startIP)),
         ("end_ip", SQLBind(p.endIP)), ("allocation_state", SQLBind(p.allocationState.rawValue))]
    }

    /// Inserts a pod (its `id` is ignored) and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ pod: Pod) async throws -> Pod {
        var p = pod
        p.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(pod.uuid.stored)), ("zone_id", SQLBind(pod.zoneID))] + fields(pod)
                                           + [("created", SQLBind(pod.created.storedMillis))])
        return p
    }

    /// Writes the mutable columns of `pod` (name, gateway, CIDR, range, allocation state).
    public static func update(_ sql: any SQLDatabase, _ pod: Pod) async throws {
        try await updateColumns(sql, table: table, id: pod.id, fields(pod))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Pod? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Pod? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: Pod] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: Pod] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all() {
            let p = try map(row); out[p.id] = p
        }
        return out
    }

    /// Live pods matching `filter`, ordered by id.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter = Filter(), offset: Int = 0, limit: Int? = nil) async throws -> Listing<Pod> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table).where("removed", .is, SQLLiteral.null)
            if let id = filter.id { b = b.where("id", .equal, id) }
            if let z = filter.zoneID { b = b.where("zone_id", .equal, z) }
            if let name = filter.name { b = b.where("name", .equal, name) }
            if let keyword = filter.keyword { b = b.where(keywordPredicate("name", keyword)) }
            if let s = filter.allocationState { b = b.where("allocation_state", .equal, s.rawValue) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    /// Soft-deletes the pod and drops its address pool.
    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.delete(from: addresses).where("pod_id", .equal, id).run()
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    /// Live clusters and hosts of a pod, for `deletePod`'s refusal.
    public static func contents(_ sql: any SQLDatabase, podID: Int64) async throws -> (clusters: Int, hosts: Int) {
        let clusters = try await countRows(sql, table: "clusters") { $0.where("pod_id", .equal, podID).where("removed", .is, SQLLiteral.null) }
        let hosts = try await countRows(sql, table: "hosts") { $0.where("pod_id", .equal, podID).where("removed", .is, SQLLiteral.null) }
        return (clusters, hosts)
    }

    // MARK: management addresses

    /// One management address of a pod's range.
    public struct Address: Sendable, Equatable {
        public var address: String
        public var number: Int64
        public var reservationID: String?
        public var taken: Date?
    }

    /// Adds addresses (as `(text, integer)` pairs) to a pod's pool, in batches.
    public static func insertAddresses(_ sql: any SQLDatabase, zoneID: Int64, podID: Int64, _ list: [(String, Int64)]) async throws {
        for chunk in stride(from: 0, to: list.count, by: 200).map({ Array(list[$0..<min($0 + 200, list.count)]) }) {
            var b = sql.insert(into: addresses).columns("address", "address_num", "zone_id", "pod_id")
            for (text, number) in chunk { b = b.values(SQLBind(text), SQLBind(number), SQLBind(zoneID), SQLBind(podID)) }
            try await b.run()
        }
    }

    /// Removes the free addresses of a pod outside `[low, high]` (all when the bounds are nil).
    public static func deleteFreeAddresses(_ sql: any SQLDatabase, podID: Int64, keeping range: ClosedRange<Int64>?) async throws {
        var b = sql.delete(from: addresses).where("pod_id", .equal, podID).where("taken", .is, SQLLiteral.null)
        if let range {
            b = b.where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("address_num"), .lessThan, SQLBind(range.lowerBound)), .or,
                                                               SQLBinaryExpression(SQLIdentifier("address_num"), .greaterThan, SQLBind(range.upperBound)))))
        }
        try await b.run()
    }

    /// The pool of a pod, ordered by address.
    public static func addresses(_ sql: any SQLDatabase, podID: Int64) async throws -> [Address] {
        try await sql.select().column("*").from(addresses).where("pod_id", .equal, podID).orderBy("address_num").all().map {
            Address(address: try $0.string("address"), number: try $0.int64("address_num"), reservationID: try $0.optionalString("reservation_id"),
                    taken: try $0.optionalDate("taken"))
        }
    }

    /// Number of taken addresses of a pod.
    public static func takenAddressCount(_ sql: any SQLDatabase, podID: Int64) async throws -> Int {
        try await countRows(sql, table: addresses) { $0.where("pod_id", .equal, podID).where("taken", .isNot, SQLLiteral.null) }
    }

    /// Takes the lowest free address of a pod for `reservationID`, or returns nil when none is free.
    public static func takeAddress(_ sql: any SQLDatabase, podID: Int64, reservationID: String, at date: Date) async throws -> String? {
        for _ in 0..<5 {
            guard let row = try await sql.select().column("id").column("address").from(addresses).where("pod_id", .equal, podID)
                .where("taken", .is, SQLLiteral.null).orderBy("address_num").limit(1).first() else { return nil }
            let id = try row.int64("id")
            let claimed = try await sql.update(addresses).set("taken", to: date.storedMillis).set("reservation_id", to: reservationID)
                .where("id", .equal, id).where("taken", .is, SQLLiteral.null).returning("id").all()
            if !claimed.isEmpty { return try row.string("address") }
        }
        return nil
    }

    /// Frees the addresses held under `reservationID`.
    public static func releaseAddresses(_ sql: any SQLDatabase, reservationID: String) async throws {
        try await sql.update(addresses).set(SQLIdentifier("taken"), to: SQLLiteral.null).set(SQLIdentifier("reservation_id"), to: SQLLiteral.null)
            .where("reservation_id", .equal, reservationID).run()
    }
}
