import Foundation
import SQLKit

/// A `configureSimulator` mock: latency and faults injected into the commands a simulated
/// host receives.
public struct SimulatorMock: Sendable, Equatable {
    public var id: Int64
    public var zoneID: Int64?
    public var podID: Int64?
    public var clusterID: Int64?
    public var hostID: Int64?
    /// The command's simple class name, e.g. `CheckHealthCommand`.
    public var name: String
    /// `key:value` pairs separated by `|` or `;` (`wait:<ms>`, `result:fail`, `result:fault`).
    public var value: String
    /// Uses left; nil means forever.
    public var remaining: Int?
    public var jsonResponse: String?
    public var created: Date

    public init(id: Int64 = 0, zoneID: Int64?, podID: Int64?, clusterID: Int64?, hostID: Int64?, name: String, value: String,
                remaining: Int?, jsonResponse: String?, created: Date = Date()) {
        self.id = id; self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID; self.hostID = hostID
        self.name = name; self.value = value; self.remaining = remaining; self.jsonResponse = jsonResponse; self.created = created
    }
}

/// Rows of `simulator_mocks`.
public enum SimulatorMockRepository {
    static let table = "simulator_mocks"

    static func map(_ row: any SQLRow) throws -> SimulatorMock {
        SimulatorMock(id: try row.int64("id"), zoneID: try row.optionalInt64("zone_id"), podID: try row.optionalInt64("pod_id"),
                      clusterID: try row.optionalInt64("cluster_id"), hostID: try row.optionalInt64("host_id"), name: try row.string("name"),
                      value: try row.string("value"), remaining: try row.optionalInt64("remaining").map(Int.init),
                      jsonResponse: try row.optionalString("json_response"), created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, _ mock: SimulatorMock) async throws -> SimulatorMock {
        let row = try await sql.insert(into: table)
            .columns("zone_id", "pod_id", "cluster_id", "host_id", "name", "value", "remaining", "json_response", "created")
            .values(SQLBind(mock.zoneID), SQLBind(mock.podID), SQLBind(mock.clusterID), SQLBind(mock.hostID), SQLBind(mock.name),
                    SQLBind(mock.value), SQLBind(mock.remaining.map(Int64.init)), SQLBind(mock.jsonResponse), SQLBind(mock.created.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting a simulator mock returned no id") }
        var m = mock
        m.id = id
        return m
    }

    /// A live mock by id.
    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> SimulatorMock? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live mocks named `name` (case-insensitively) with uses left; callers pick the
    /// narrowest scope that matches a host.
    public static func active(_ sql: any SQLDatabase, name: String) async throws -> [SimulatorMock] {
        try await sql.select().column("*").from(table)
            .where(SQLFunction("lower", args: SQLIdentifier("name")), .equal, SQLBind(name.lowercased()))
            .where("removed", .is, SQLLiteral.null)
            .where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("remaining"), .is, SQLLiteral.null), .or,
                                                          SQLBinaryExpression(SQLIdentifier("remaining"), .greaterThan, SQLLiteral.numeric("0")))))
            .orderBy("id", .descending).all().map(map)
    }

    /// True when any live mock exists (a cheap check before the per-command lookup).
    public static func anyActive(_ sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from(table).where("removed", .is, SQLLiteral.null).limit(1).first() != nil
    }

    /// Counts one use of a counted mock.
    public static func consume(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.update(table).set(SQLIdentifier("remaining"), to: SQLRaw("remaining - 1"))
            .where("id", .equal, id).where("remaining", .isNot, SQLLiteral.null).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }
}
