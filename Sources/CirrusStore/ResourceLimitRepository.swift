import CirrusModel
import Foundation
import SQLKit

/// Resource limit and count rows, and the queries that recount resources from their tables.
public enum ResourceLimitRepository {
    static let limitTable = "resource_limits"
    static let countTable = "resource_counts"

    /// One owner of limits and counts.
    public struct Owner: Hashable, Sendable {
        public var kind: ResourceOwnerKind
        public var id: Int64

        public init(_ kind: ResourceOwnerKind, _ id: Int64) {
            self.kind = kind
            self.id = id
        }
    }

    /// An account with its domain and every ancestor domain, nearest first (ROOT last).
    public struct AccountChain: Sendable {
        public var account: Account
        public var domains: [Domain]
    }

    // MARK: - owners

    /// The live domain `domain` and its live ancestors, nearest first.
    public static func ancestry(_ sql: any SQLDatabase, of domain: Domain) async throws -> [Domain] {
        var prefixes = ["/"]
        var path = "/"
        for part in domain.path.split(separator: "/", omittingEmptySubsequences: true) {
            path += part + "/"
            prefixes.append(path)
        }
        let rows = try await sql.select().column("*").from(DomainRepository.table).where("path", .in, prefixes)
            .where("removed", .is, SQLLiteral.null).all()
        return try rows.map(DomainRepository.map).sorted { $0.level > $1.level }
    }

    /// An account (live or not) and its domain chain; nil when the account does not exist.
    public static func chain(_ sql: any SQLDatabase, accountID: Int64) async throws -> AccountChain? {
        guard let row = try await sql.select().column("*").from(AccountRepository.table).where("id", .equal, accountID).first() else { return nil }
        let account = try AccountRepository.map(row)
        guard let domainRow = try await sql.select().column("*").from(DomainRepository.table).where("id", .equal, account.domainID).first() else {
            throw StoreError("Account \(account.name) has no domain row \(account.domainID)")
        }
        let domain = try DomainRepository.map(domainRow)
        var domains = try await ancestry(sql, of: domain)
        if domains.first?.id != domain.id { domains.insert(domain, at: 0) }
        return AccountChain(account: account, domains: domains)
    }

    // MARK: - limits

    static func mapLimit(_ row: any SQLRow) throws -> ResourceLimitEntry {
        let raw = try row.int("resource_type")
        guard let type = ResourceType(rawValue: raw) else { throw StoreError("Stored resource type \(raw) is unknown") }
        return ResourceLimitEntry(id: try row.int64("id"), ownerKind: try row.enumValue("owner_type", as: ResourceOwnerKind.self),
                                  ownerID: try row.int64("owner_id"), type: type, max: try row.int64("max_value"))
    }

    /// The stored limits of the given owners.
    public static func limits(_ sql: any SQLDatabase, owners: [Owner]) async throws -> [Owner: [ResourceType: ResourceLimitEntry]] {
        guard !owners.isEmpty else { return [:] }
        var b = sql.select().column("*").from(limitTable)
        b = b.where { group in
            var g = group
            for kind in [ResourceOwnerKind.account, .domain] {
                let ids = owners.filter { $0.kind == kind }.map(\.id)
                guard !ids.isEmpty else { continue }
                g = g.orWhere(SQLGroupExpression(SQLBinaryExpression(
                    SQLBinaryExpression(SQLIdentifier("owner_type"), .equal, SQLBind(kind.rawValue)), .and,
                    SQLBinaryExpression(SQLIdentifier("owner_id"), .in, SQLGroupExpression(ids.map { SQLBind($0) })))))
            }
            return g
        }
        var out: [Owner: [ResourceType: ResourceLimitEntry]] = [:]
        for row in try await b.all() {
            let e = try mapLimit(row)
            out[Owner(e.ownerKind, e.ownerID), default: [:]][e.type] = e
        }
        return out
    }

    public static func limit(_ sql: any SQLDatabase, id: Int64) async throws -> ResourceLimitEntry? {
        try await sql.select().column("*").from(limitTable).where("id", .equal, id).first().map(mapLimit)
    }

    /// Creates or overwrites one limit; returns it with its id.
    public static func setLimit(_ sql: any SQLDatabase, owner: Owner, type: ResourceType, max: Int64) async throws -> ResourceLimitEntry {
        if let existing = try await self.limits(sql, owners: [owner])[owner]?[type], let id = existing.id {
            try await sql.update(limitTable).set("max_value", to: max).where("id", .equal, id).run()
            return ResourceLimitEntry(id: id, ownerKind: owner.kind, ownerID: owner.id, type: type, max: max)
        }
        let id = try await insertReturningID(sql, into: limitTable, [
            ("owner_type", SQLBind(owner.kind.rawValue)), ("owner_id", SQLBind(owner.id)), ("resource_type", SQLBind(type.rawValue)), ("max_value", SQLBind(max)),
        ])
        return ResourceLimitEntry(id: id, ownerKind: owner.kind, ownerID: owner.id, type: type, max: max)
    }

    /// Removes every limit and count of an owner (when the account or domain goes).
    public static func removeOwner(_ sql: any SQLDatabase, _ owner: Owner) async throws {
        try await sql.delete(from: limitTable).where("owner_type", .equal, owner.kind.rawValue).where("owner_id", .equal, owner.id).run()
        try await sql.delete(from: countTable).where("owner_type", .equal, owner.kind.rawValue).where("owner_id", .equal, owner.id).run()
    }

    // MARK: - counts

    /// The stored counts of the given owners (missing rows are absent from the answer).
    public static func counts(_ sql: any SQLDatabase, owners: [Owner]) async throws -> [Owner: [ResourceType: Int64]] {
        guard !owners.isEmpty else { return [:] }
        var out: [Owner: [ResourceType: Int64]] = [:]
        for kind in [ResourceOwnerKind.account, .domain] {
            let ids = owners.filter { $0.kind == kind }.map(\.id)
            guard !ids.isEmpty else { continue }
            let rows = try await sql.select().column("*").from(countTable).where("owner_type", .equal, kind.rawValue).where("owner_id", .in, ids).all()
            for row in rows {
                guard let type = ResourceType(rawValue: try row.int("resource_type")) else { continue }
                out[Owner(kind, try row.int64("owner_id")), default: [:]][type] = try row.int64("count_value")
            }
        }
        return out
    }

    /// Creates zero counts for the types an owner has no row for yet (never overwrites one).
    public static func ensureCounts(_ sql: any SQLDatabase, owner: Owner, types: [ResourceType]) async throws {
        guard !types.isEmpty else { return }
        var b = sql.insert(into: countTable).columns("owner_type", "owner_id", "resource_type", "count_value")
        for type in types { b = b.values(SQLBind(owner.kind.rawValue), SQLBind(owner.id), SQLBind(type.rawValue), SQLBind(Int64(0))) }
        try await b.ignoringConflicts(with: ["owner_type", "owner_id", "resource_type"]).run()
    }

    /// Adds `deltas` to an owner's counts in one statement, never below zero. A positive
    /// delta is applied only while the count stays within the type's entry in `limits`
    /// (absent or negative: unlimited); the check and the write are one conditional
    /// UPDATE, so concurrent callers can never both take the last unit. Returns the types
    /// whose row was changed: a type missing from the answer had no row or would have
    /// exceeded its limit.
    public static func add(_ sql: any SQLDatabase, owner: Owner, deltas: [ResourceType: Int64], limits: [ResourceType: Int64] = [:]) async throws -> Set<ResourceType> {
        let types = deltas.keys.filter { deltas[$0] != 0 }.sorted()
        guard !types.isEmpty else { return [] }
        func caseOf(_ value: (ResourceType) -> Int64) -> SQLQueryString {
            var q: SQLQueryString = "CASE resource_type"
            for t in types { q += " WHEN \(literal: t.rawValue) THEN \(bind: value(t))" }
            q += " END"
            return q
        }
        let delta = caseOf { deltas[$0] ?? 0 }
        let limit = caseOf { limits[$0] ?? ResourceLimits.unlimited }
        var q: SQLQueryString = "UPDATE resource_counts SET count_value = CASE WHEN count_value + "
        q += delta + " < 0 THEN 0 ELSE count_value + " + delta + " END"
        q += " WHERE owner_type = \(bind: owner.kind.rawValue) AND owner_id = \(bind: owner.id)"
        q += " AND resource_type IN (\(literals: types.map { String($0.rawValue) }, joinedBy: ", "))"
        q += " AND (" + delta + " <= 0 OR " + limit + " < 0 OR count_value + " + delta + " <= " + limit + ")"
        q += " RETURNING resource_type"
        let rows = try await sql.raw(q).all()
        return Set(try rows.compactMap { ResourceType(rawValue: try $0.int("resource_type")) })
    }

    /// Overwrites one count (recounting), creating its row if needed.
    public static func setCount(_ sql: any SQLDatabase, owner: Owner, type: ResourceType, count: Int64) async throws {
        try await ensureCounts(sql, owner: owner, types: [type])
        try await sql.update(countTable).set("count_value", to: count).where("owner_type", .equal, owner.kind.rawValue)
            .where("owner_id", .equal, owner.id).where("resource_type", .equal, type.rawValue).run()
    }

    // MARK: - recounting from the resource tables

    static func scalar(_ sql: any SQLDatabase, _ query: SQLQueryString) async throws -> Int64 {
        guard let row = try await sql.raw(query).first() else { return 0 }
        // SUM is NUMERIC on PostgreSQL: every query casts it to BIGINT.
        return try row.decode(column: "n", as: Int64?.self) ?? 0
    }

    /// What an account really holds of `type`, computed from the resource tables.
    public static func actualCount(_ sql: any SQLDatabase, accountID: Int64, type: ResourceType) async throws -> Int64 {
        let liveVM: SQLQueryString = "account_id = \(bind: accountID) AND vm_type = 'User' AND removed IS NULL AND state NOT IN ('Destroyed', 'Expunging', 'Error')"
        let liveVolume: SQLQueryString = "account_id = \(bind: accountID) AND removed IS NULL AND state NOT IN ('Destroy', 'Expunging', 'Expunged', 'Destroying')"
        // Templates and ISOs an account registered; the built-in and system ones are nobody's.
        let ownTemplate: SQLQueryString = "account_id = \(bind: accountID) AND removed IS NULL AND template_type NOT IN ('BUILTIN', 'SYSTEM', 'ROUTING')"
        switch type {
        case .userVM: return try await scalar(sql, "SELECT COUNT(*) AS n FROM vm_instances WHERE " + liveVM)
        case .cpu: return try await scalar(sql, "SELECT CAST(SUM(cpu) AS BIGINT) AS n FROM vm_instances WHERE " + liveVM)
        case .memory: return try await scalar(sql, "SELECT CAST(SUM(memory) AS BIGINT) AS n FROM vm_instances WHERE " + liveVM)
        case .volume: return try await scalar(sql, "SELECT COUNT(*) AS n FROM volumes WHERE " + liveVolume)
        case .primaryStorage: return try await scalar(sql, "SELECT CAST(SUM(size) AS BIGINT) AS n FROM volumes WHERE " + liveVolume)
        case .template: return try await scalar(sql, "SELECT COUNT(*) AS n FROM templates WHERE " + ownTemplate)
        case .secondaryStorage:
            let templates = try await scalar(sql, "SELECT CAST(SUM(r.physical_size) AS BIGINT) AS n FROM template_store_refs r JOIN templates t ON t.id = r.template_id WHERE r.download_state = 'DOWNLOADED' AND t."
                                             + ownTemplate)
            return templates + (try await snapshotTotals(sql, accountID: accountID).bytes)
        case .snapshot: return try await snapshotTotals(sql, accountID: accountID).count
        case .publicIP:
            return try await scalar(sql, "SELECT COUNT(*) AS n FROM public_ip_addresses WHERE account_id = \(bind: accountID) AND allocated IS NOT NULL AND removed IS NULL AND is_system = \(false)")
        case .network:
            return try await scalar(sql, "SELECT COUNT(*) AS n FROM networks WHERE account_id = \(bind: accountID) AND acl_type = 'Account' AND removed IS NULL")
        case .project, .vpc:
            // Projects and VPCs are not built yet.
            return 0
        }
    }

    /// The account's live snapshots and their bytes on secondary storage, once the `snapshots`
    /// table of migration 11 exists with the columns this needs (zero until then).
    static func snapshotTotals(_ sql: any SQLDatabase, accountID: Int64) async throws -> (count: Int64, bytes: Int64) {
        let columns: Set<String>
        if sql.dialect.name == "sqlite" {
            columns = Set(try await sql.raw("SELECT name FROM pragma_table_info('snapshots')").all().map { try $0.string("name") })
        } else {
            columns = Set(try await sql.raw("SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'snapshots' AND table_schema = current_schema()").all().map { try $0.string("name") })
        }
        guard columns.contains("account_id"), columns.contains("removed") else { return (0, 0) }
        let count = try await scalar(sql, "SELECT COUNT(*) AS n FROM snapshots WHERE account_id = \(bind: accountID) AND removed IS NULL")
        var bytes: Int64 = 0
        if let sizeColumn = ["physical_size", "size"].first(where: columns.contains) {
            bytes = try await scalar(sql, "SELECT CAST(SUM(\(ident: sizeColumn)) AS BIGINT) AS n FROM snapshots WHERE account_id = \(bind: accountID) AND removed IS NULL")
        }
        return (count, bytes)
    }

    /// Live accounts directly in a domain, and its live child domains.
    public static func members(_ sql: any SQLDatabase, domainID: Int64) async throws -> (accounts: [Int64], children: [Int64]) {
        let accounts = try await sql.select().column("id").from(AccountRepository.table).where("domain_id", .equal, domainID)
            .where("removed", .is, SQLLiteral.null).all().map { try $0.int64("id") }
        let children = try await sql.select().column("id").from(DomainRepository.table).where("parent_id", .equal, domainID)
            .where("removed", .is, SQLLiteral.null).all().map { try $0.int64("id") }
        return (accounts, children)
    }
}
