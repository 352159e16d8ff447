import CirrusModel
import Foundation
import SQLKit

extension VirtualMachineRepository {
    /// Live instances by id, in one query per 500 ids.
    public static func find(_ sql: any SQLDatabase, ids: [Int64]) async throws -> [Int64: VirtualMachine] {
        var out: [Int64: VirtualMachine] = [:]
        let unique = Array(Set(ids))
        for start in stride(from: 0, to: unique.count, by: 500) {
            let chunk = unique[start..<min(start + 500, unique.count)].map { literal($0) }
            for vm in try await sql.select().column(SQLRaw(qualifiedColumns)).from(table).where(SQLColumn("id", table: table), .in, SQLGroupExpression(chunk))
                .where("removed", .is, SQLLiteral.null).all().map(map) {
                out[vm.id] = vm
            }
        }
        return out
    }
}

extension ServiceOfferingRepository {
    /// Offerings by id.
    public static func names(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: String] = [:]
        for row in try await sql.select().column("id").column("name").from("service_offerings").where("id", .in, Array(ids)).all() {
            out[try row.int64("id")] = try row.string("name")
        }
        return out
    }
}
