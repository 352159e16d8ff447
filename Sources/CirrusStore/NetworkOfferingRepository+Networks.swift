import CirrusModel
import Foundation
import SQLKit

extension NetworkOfferingRepository {
    /// The offering with `id`, removed or not (networks keep pointing at their offering).
    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> NetworkOffering? {
        guard let row = try await sql.select().column("*").from(table).where("id", .equal, id).first() else { return nil }
        return try await withServices(sql, [try map(row)]).first
    }

    /// Offerings by id, with their services.
    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: NetworkOffering] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from(table).where("id", .in, Array(ids)).all().map(map)
        return Dictionary(try await withServices(sql, rows).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The enabled isolated offering with availability Required: what deploy uses to make an
    /// account's first network.
    public static func required(_ sql: any SQLDatabase) async throws -> NetworkOffering? {
        guard let row = try await sql.select().column("*").from(table).where("removed", .is, SQLLiteral.null)
            .where("availability", .equal, NetworkOfferingAvailability.required.rawValue).where("state", .equal, NetworkOfferingState.enabled.rawValue)
            .where("guest_ip_type", .equal, GuestIPType.isolated.rawValue).where("for_vpc", .equal, SQLBind(false)).orderBy("id").first() else { return nil }
        return try await withServices(sql, [try map(row)]).first
    }
}
