import CirrusModel
import Foundation
import SQLKit

/// Dedicated zones, pods, clusters and hosts (`dedicated_resources`).
public enum DedicationRepository {
    static let table = "dedicated_resources"

    static func map(_ row: any SQLRow) throws -> Dedication {
        guard let kind = DedicatedResourceKind(rawValue: try row.string("resource_type")) else {
            throw StoreError("Unknown dedicated resource type in \(table)")
        }
        return Dedication(id: try row.int64("id"), uuid: try row.uuid("uuid"), kind: kind, resourceID: try row.int64("resource_id"),
                          domainID: try row.int64("domain_id"), accountID: try row.optionalInt64("account_id"), created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, _ d: Dedication) async throws -> Dedication {
        var out = d
        out.id = try await insertReturningID(sql, into: table, [
            ("uuid", SQLBind(d.uuid.stored)), ("resource_type", SQLBind(d.kind.rawValue)), ("resource_id", SQLBind(d.resourceID)),
            ("domain_id", SQLBind(d.domainID)), ("account_id", SQLBind(d.accountID)), ("created", SQLBind(d.created.storedMillis)),
        ])
        return out
    }

    /// The dedication of one resource, if any.
    public static func find(_ sql: any SQLDatabase, kind: DedicatedResourceKind, resourceID: Int64) async throws -> Dedication? {
        try await sql.select().column("*").from(table).where("resource_type", .equal, kind.rawValue).where("resource_id", .equal, resourceID).first().map(map)
    }

    /// Every dedication (a handful per cloud: placement reads them all).
    public static func all(_ sql: any SQLDatabase) async throws -> [Dedication] {
        try await sql.select().column("*").from(table).orderBy("id").all().map(map)
    }

    public static func delete(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: table).where("id", .equal, id).run()
    }

    /// Dedications of one kind, filtered as the list commands filter them.
    public static func list(_ sql: any SQLDatabase, kind: DedicatedResourceKind, resourceID: Int64?, domainID: Int64?, accountID: Int64?) async throws -> [Dedication] {
        var b = sql.select().column("*").from(table).where("resource_type", .equal, kind.rawValue)
        if let resourceID { b = b.where("resource_id", .equal, resourceID) }
        if let domainID { b = b.where("domain_id", .equal, domainID) }
        if let accountID { b = b.where("account_id", .equal, accountID) }
        return try await b.orderBy("id").all().map(map)
    }
}
