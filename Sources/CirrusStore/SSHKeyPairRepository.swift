import CirrusModel
import Foundation
import SQLKit

/// SSH key pair rows (`ssh_keypairs`).
public enum SSHKeyPairRepository {
    static let table = "ssh_keypairs"

    static func map(_ row: any SQLRow) throws -> SSHKeyPair {
        SSHKeyPair(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), accountID: try row.int64("account_id"),
                   domainID: try row.int64("domain_id"), publicKey: try row.string("public_key"), fingerprint: try row.string("fingerprint"),
                   created: try row.date("created"))
    }

    /// Inserts a key pair and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ k: SSHKeyPair) async throws -> SSHKeyPair {
        var out = k
        out.id = try await insertReturningID(sql, into: table, [
            ("uuid", SQLBind(k.uuid.stored)), ("name", SQLBind(k.name)), ("account_id", SQLBind(k.accountID)), ("domain_id", SQLBind(k.domainID)),
            ("public_key", SQLBind(k.publicKey)), ("fingerprint", SQLBind(k.fingerprint)), ("created", SQLBind(k.created.storedMillis)),
        ])
        return out
    }

    /// The account's key pair with this exact name.
    public static func find(_ sql: any SQLDatabase, accountID: Int64, name: String) async throws -> SSHKeyPair? {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("name", .equal, name).first().map(map)
    }

    /// The account's key pairs with these names (those that exist).
    public static func find(_ sql: any SQLDatabase, accountID: Int64, names: [String]) async throws -> [SSHKeyPair] {
        guard !names.isEmpty else { return [] }
        return try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("name", .in, names).orderBy("id").all().map(map)
    }

    /// The account's key pair holding this public key (`<type> <base64>`).
    public static func find(_ sql: any SQLDatabase, accountID: Int64, publicKey: String) async throws -> SSHKeyPair? {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("public_key", .equal, publicKey).first().map(map)
    }

    public static func delete(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: table).where("id", .equal, id).run()
    }

    /// Deletes every key pair of an account (when the account goes).
    public static func deleteAll(_ sql: any SQLDatabase, accountID: Int64) async throws {
        try await sql.delete(from: table).where("account_id", .equal, accountID).run()
    }

    /// Key pairs in `scope`, newest first, as `listSSHKeyPairs` filters them: exact name and
    /// fingerprint, `keyword` in the name or fingerprint.
    public static func list(_ sql: any SQLDatabase, scope: ListScope, name: String?, fingerprint: String?, keyword: String?,
                            offset: Int, limit: Int?) async throws -> Listing<SSHKeyPair> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = ScopeFilter.apply(scope, to: b.from(table), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let name { b = b.where("name", .equal, name) }
            if let fingerprint { b = b.where("fingerprint", .equal, fingerprint) }
            if let keyword {
                b = b.where(SQLGroupExpression(SQLBinaryExpression(keywordPredicate("name", keyword), .or, keywordPredicate("fingerprint", keyword))))
            }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id", .descending) }, offset: offset, limit: limit, map: map)
    }
}
