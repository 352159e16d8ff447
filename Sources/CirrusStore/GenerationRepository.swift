import SQLKit

/// Change counters: a writer bumps one inside its transaction; readers compare it with the
/// value their cache was built at.
public enum GenerationRepository {
    /// The counter for users, accounts, domains, roles, rules and settings.
    public static let identity = "identity"

    public static func bump(_ sql: any SQLDatabase, _ name: String) async throws {
        try await sql.raw("UPDATE generations SET value = value + 1 WHERE name = \(bind: name)").run()
    }

    public static func value(_ sql: any SQLDatabase, _ name: String) async throws -> Int64 {
        try await sql.select().column("value").from("generations").where("name", .equal, name).first().map { try $0.int64("value") } ?? 0
    }
}
