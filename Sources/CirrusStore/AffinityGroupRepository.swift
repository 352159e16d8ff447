import CirrusModel
import Foundation
import SQLKit

/// Affinity groups (`affinity_groups`) and their instance memberships (`affinity_group_vm_map`).
public enum AffinityGroupRepository {
    static let table = "affinity_groups"
    static let members = "affinity_group_vm_map"

    static func map(_ row: any SQLRow) throws -> AffinityGroup {
        let raw = try row.string("group_type")
        guard let type = AffinityGroupType(rawValue: raw) else { throw StoreError("Stored affinity group type \(raw) is not known") }
        return AffinityGroup(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), description: try row.optionalString("description"),
                             type: type, accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"), created: try row.date("created"))
    }

    /// Inserts a group and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ g: AffinityGroup) async throws -> AffinityGroup {
        var out = g
        out.id = try await insertReturningID(sql, into: table, [
            ("uuid", SQLBind(g.uuid.stored)), ("name", SQLBind(g.name)), ("description", SQLBind(g.description)), ("group_type", SQLBind(g.type.rawValue)),
            ("account_id", SQLBind(g.accountID)), ("domain_id", SQLBind(g.domainID)), ("created", SQLBind(g.created.storedMillis)),
        ])
        return out
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> AffinityGroup? {
        try await sql.select().column("*").from(table).where("id", .equal, id).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> AffinityGroup? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).first().map(map)
    }

    /// The account's group with this exact name.
    public static func find(_ sql: any SQLDatabase, accountID: Int64, name: String) async throws -> AffinityGroup? {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("name", .equal, name).first().map(map)
    }

    /// Deletes a group and its memberships.
    public static func delete(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: members).where("affinity_group_id", .equal, id).run()
        try await sql.delete(from: table).where("id", .equal, id).run()
    }

    /// Groups in `scope`, newest first: exact id, name and type; `instanceID` keeps the groups
    /// that instance belongs to; `keyword` in the name.
    public static func list(_ sql: any SQLDatabase, scope: ListScope, id: Int64?, name: String?, type: AffinityGroupType?, instanceID: Int64?, keyword: String?,
                            offset: Int, limit: Int?) async throws -> Listing<AffinityGroup> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = ScopeFilter.apply(scope, to: b.from(table), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let id { b = b.where("id", .equal, id) }
            if let name { b = b.where("name", .equal, name) }
            if let type { b = b.where("group_type", .equal, type.rawValue) }
            if let keyword { b = b.where(keywordPredicate("name", keyword)) }
            if let instanceID { b = b.where("id", .in, SQLGroupsOfInstance(instanceID: instanceID)) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id", .descending) }, offset: offset, limit: limit, map: map)
    }

    // MARK: memberships

    /// The groups an instance belongs to, oldest first.
    public static func groups(_ sql: any SQLDatabase, instanceID: Int64) async throws -> [AffinityGroup] {
        try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(table))).from(table)
            .join(members, on: SQLColumn("affinity_group_id", table: members), .equal, SQLColumn("id", table: table))
            .where(SQLColumn("instance_id", table: members), .equal, SQLBind(instanceID))
            .orderBy(SQLColumn("id", table: table)).all().map(map)
    }

    /// The groups of several instances, by instance id (for instance listings).
    public static func groups(_ sql: any SQLDatabase, instanceIDs: [Int64]) async throws -> [Int64: [AffinityGroup]] {
        guard !instanceIDs.isEmpty else { return [:] }
        var out: [Int64: [AffinityGroup]] = [:]
        for chunkStart in stride(from: 0, to: instanceIDs.count, by: 500) {
            let chunk = Array(instanceIDs[chunkStart..<min(chunkStart + 500, instanceIDs.count)])
            let rows = try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(table))).column(SQLColumn("instance_id", table: members))
                .from(table).join(members, on: SQLColumn("affinity_group_id", table: members), .equal, SQLColumn("id", table: table))
                .where(SQLColumn("instance_id", table: members), .in, SQLBind.group(chunk))
                .orderBy(SQLColumn("id", table: table)).all()
            for row in rows { out[try row.int64("instance_id"), default: []].append(try map(row)) }
        }
        return out
    }

    /// Adds the instance to the groups (already-present memberships are kept).
    public static func addMembers(_ sql: any SQLDatabase, instanceID: Int64, groupIDs: [Int64]) async throws {
        let existing = Set(try await groups(sql, instanceID: instanceID).map(\.id))
        var added: Set<Int64> = []
        for g in groupIDs where !existing.contains(g) && !added.contains(g) {
            try await sql.insert(into: members).columns("affinity_group_id", "instance_id").values(SQLBind(g), SQLBind(instanceID)).run()
            added.insert(g)
        }
    }

    /// Removes the instance from every group.
    public static func removeAll(_ sql: any SQLDatabase, instanceID: Int64) async throws {
        try await sql.delete(from: members).where("instance_id", .equal, instanceID).run()
    }

    /// The live member instances of the groups with their state and host, by group id.
    public static func members(_ sql: any SQLDatabase, groupIDs: [Int64]) async throws -> [Int64: [AffinityMember]] {
        guard !groupIDs.isEmpty else { return [:] }
        let rows = try await sql.select().column(SQLColumn("affinity_group_id", table: members)).column(SQLColumn("id", table: "vm_instances"), as: "vm_id")
            .column(SQLColumn("state", table: "vm_instances")).column(SQLColumn("host_id", table: "vm_instances"))
            .from(members).join("vm_instances", on: SQLColumn("instance_id", table: members), .equal, SQLColumn("id", table: "vm_instances"))
            .where(SQLColumn("affinity_group_id", table: members), .in, SQLBind.group(groupIDs))
            .where(SQLColumn("removed", table: "vm_instances"), .is, SQLLiteral.null)
            .orderBy(SQLColumn("instance_id", table: members)).all()
        var out: [Int64: [AffinityMember]] = [:]
        for row in rows {
            out[try row.int64("affinity_group_id"), default: []].append(AffinityMember(
                instanceID: try row.int64("vm_id"), state: try row.enumValue("state", as: VirtualMachineState.self), hostID: try row.optionalInt64("host_id")))
        }
        return out
    }

    /// The UUIDs of the live member instances of the groups, by group id (`virtualmachineIds`).
    public static func memberUUIDs(_ sql: any SQLDatabase, groupIDs: [Int64]) async throws -> [Int64: [UUID]] {
        guard !groupIDs.isEmpty else { return [:] }
        let rows = try await sql.select().column(SQLColumn("affinity_group_id", table: members)).column(SQLColumn("uuid", table: "vm_instances"))
            .from(members).join("vm_instances", on: SQLColumn("instance_id", table: members), .equal, SQLColumn("id", table: "vm_instances"))
            .where(SQLColumn("affinity_group_id", table: members), .in, SQLBind.group(groupIDs))
            .where(SQLColumn("removed", table: "vm_instances"), .is, SQLLiteral.null)
            .orderBy(SQLColumn("instance_id", table: members)).all()
        var out: [Int64: [UUID]] = [:]
        for row in rows { out[try row.int64("affinity_group_id"), default: []].append(try row.uuid("uuid")) }
        return out
    }

    /// The instance's id and owner by UUID (live instances only), for `virtualmachineid` filters.
    public static func instance(_ sql: any SQLDatabase, uuid: UUID) async throws -> (id: Int64, accountID: Int64, domainID: Int64)? {
        guard let row = try await sql.select().column("id").column("account_id").column("domain_id").from("vm_instances")
            .where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first() else { return nil }
        return (try row.int64("id"), try row.int64("account_id"), try row.int64("domain_id"))
    }
}

/// `(SELECT affinity_group_id FROM affinity_group_vm_map WHERE instance_id = ?)`.
struct SQLGroupsOfInstance: SQLExpression {
    let instanceID: Int64

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write("(SELECT ")
        SQLIdentifier("affinity_group_id").serialize(to: &serializer)
        serializer.write(" FROM ")
        SQLIdentifier(AffinityGroupRepository.members).serialize(to: &serializer)
        serializer.write(" WHERE ")
        SQLIdentifier("instance_id").serialize(to: &serializer)
        serializer.write(" = ")
        SQLBind(instanceID).serialize(to: &serializer)
        serializer.write(")")
    }
}
