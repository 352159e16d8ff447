import CirrusModel
import Foundation
import SQLKit

/// Security groups (`security_groups`), their rules (`security_group_rules`), memberships
/// (`security_group_vm_map`) and the rule set last sent for each instance
/// (`security_group_rulesets`).
public enum SecurityGroupRepository {
    static let table = "security_groups"
    static let rules = "security_group_rules"
    static let members = "security_group_vm_map"
    static let rulesets = "security_group_rulesets"

    static func map(_ row: any SQLRow) throws -> SecurityGroup {
        SecurityGroup(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), description: try row.optionalString("description"),
                      accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"), created: try row.date("created"))
    }

    static func mapRule(_ row: any SQLRow) throws -> SecurityGroupRule {
        let raw = try row.string("protocol")
        guard let proto = SecurityGroupProtocol(stored: raw) else { throw StoreError("Stored security group rule protocol \(raw) is not known") }
        let start = try row.optionalInt64("start_port"), end = try row.optionalInt64("end_port")
        return SecurityGroupRule(id: try row.int64("id"), uuid: try row.uuid("uuid"), groupID: try row.int64("group_id"),
                                 type: try row.enumValue("rule_type", as: SecurityGroupRuleType.self), proto: proto,
                                 ports: start.map { PortRange(uncheckedStart: Int($0), end: Int(end ?? $0)) },
                                 icmpType: try row.optionalInt64("icmp_type").map(Int.init), icmpCode: try row.optionalInt64("icmp_code").map(Int.init),
                                 cidr: try row.optionalString("cidr"), allowedGroupID: try row.optionalInt64("allowed_group_id"), created: try row.date("created"))
    }

    // MARK: - groups

    /// Inserts a group and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ g: SecurityGroup) async throws -> SecurityGroup {
        var out = g
        out.id = try await insertReturningID(sql, into: table, [
            ("uuid", SQLBind(g.uuid.stored)), ("name", SQLBind(g.name)), ("description", SQLBind(g.description)),
            ("account_id", SQLBind(g.accountID)), ("domain_id", SQLBind(g.domainID)), ("created", SQLBind(g.created.storedMillis)),
        ])
        return out
    }

    /// A live group by id.
    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> SecurityGroup? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// Live groups by id.
    public static func find(_ sql: any SQLDatabase, ids: Set<Int64>) async throws -> [Int64: SecurityGroup] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: SecurityGroup] = [:]
        for row in try await sql.select().column("*").from(table).where("id", .in, SQLBind.group(Array(ids))).all() {
            let g = try map(row); out[g.id] = g
        }
        return out
    }

    /// A live group by UUID.
    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> SecurityGroup? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The account's live group with this exact name.
    public static func find(_ sql: any SQLDatabase, accountID: Int64, name: String) async throws -> SecurityGroup? {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("name", .equal, name)
            .where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// Marks a group removed and deletes its rules, its memberships, and the rules of other
    /// groups that allow it.
    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.delete(from: rules).where("group_id", .equal, id).run()
        try await sql.delete(from: rules).where("allowed_group_id", .equal, id).run()
        try await sql.delete(from: members).where("group_id", .equal, id).run()
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    /// The account's live groups.
    public static func of(_ sql: any SQLDatabase, accountID: Int64) async throws -> [SecurityGroup] {
        try await sql.select().column("*").from(table).where("account_id", .equal, accountID).where("removed", .is, SQLLiteral.null)
            .orderBy("id").all().map(map)
    }

    /// What `listSecurityGroups` filters on.
    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var name: String?
        /// Groups this instance belongs to.
        public var instanceID: Int64?
        public var keyword: String?
        public var tags: [TagPair] = []

        public init() {}
    }

    /// Live groups matching `f`, oldest first.
    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int, limit: Int?) async throws -> Listing<SecurityGroup> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = ScopeFilter.apply(f.scope, to: b.from(table), accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
                .where("removed", .is, SQLLiteral.null)
            if let id = f.id { b = b.where("id", .equal, id) }
            if let name = f.name { b = b.where("name", .equal, name) }
            if let keyword = f.keyword { b = b.where(keywordPredicate("name", keyword)) }
            if let vm = f.instanceID { b = b.where("id", .in, SQLSecurityGroupsOfInstance(instanceID: vm)) }
            if !f.tags.isEmpty { b = b.where(TagRepository.matching(type: .securityGroup, tags: f.tags)) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id") }, offset: offset, limit: limit, map: map)
    }

    // MARK: - rules

    public static func insert(_ sql: any SQLDatabase, _ r: SecurityGroupRule) async throws -> SecurityGroupRule {
        var out = r
        out.id = try await insertReturningID(sql, into: rules, [
            ("uuid", SQLBind(r.uuid.stored)), ("group_id", SQLBind(r.groupID)), ("rule_type", SQLBind(r.type.rawValue)),
            ("protocol", SQLBind(r.proto.description)), ("start_port", NetworkRepository.bindOptional(r.ports?.start)),
            ("end_port", NetworkRepository.bindOptional(r.ports?.end)), ("icmp_type", NetworkRepository.bindOptional(r.icmpType)),
            ("icmp_code", NetworkRepository.bindOptional(r.icmpCode)), ("cidr", NetworkRepository.bindOptional(r.cidr)),
            ("allowed_group_id", NetworkRepository.bindOptional(r.allowedGroupID)), ("created", SQLBind(r.created.storedMillis)),
        ])
        return out
    }

    public static func rule(_ sql: any SQLDatabase, uuid: UUID) async throws -> SecurityGroupRule? {
        try await sql.select().column("*").from(rules).where("uuid", .equal, uuid.stored).first().map(mapRule)
    }

    public static func deleteRule(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: rules).where("id", .equal, id).run()
    }

    /// The rules of the groups, by group id, oldest first.
    public static func rules(_ sql: any SQLDatabase, groupIDs: [Int64]) async throws -> [Int64: [SecurityGroupRule]] {
        guard !groupIDs.isEmpty else { return [:] }
        var out: [Int64: [SecurityGroupRule]] = [:]
        for row in try await sql.select().column("*").from(rules).where("group_id", .in, SQLBind.group(Array(Set(groupIDs)))).orderBy("id").all() {
            let r = try mapRule(row)
            out[r.groupID, default: []].append(r)
        }
        return out
    }

    /// The groups that have rules allowing any of `groupIDs` (other than those groups' own).
    public static func groupsAllowing(_ sql: any SQLDatabase, groupIDs: [Int64]) async throws -> Set<Int64> {
        guard !groupIDs.isEmpty else { return [] }
        let rows = try await sql.select().distinct().column("group_id").from(rules).where("allowed_group_id", .in, SQLBind.group(Array(Set(groupIDs)))).all()
        return Set(try rows.map { try $0.int64("group_id") })
    }

    /// How many rules of groups other than `groupID` allow it.
    public static func countAllowingRules(_ sql: any SQLDatabase, groupID: Int64) async throws -> Int {
        try await countRows(sql, table: rules) { $0.where("allowed_group_id", .equal, groupID).where("group_id", .notEqual, groupID) }
    }

    // MARK: - memberships

    /// Adds the instance to the groups (already-present memberships are kept).
    public static func addMembers(_ sql: any SQLDatabase, instanceID: Int64, groupIDs: [Int64]) async throws {
        let existing = Set(try await sql.select().column("group_id").from(members).where("instance_id", .equal, instanceID).all().map { try $0.int64("group_id") })
        var added: Set<Int64> = []
        for g in groupIDs where !existing.contains(g) && !added.contains(g) {
            try await sql.insert(into: members).columns("group_id", "instance_id").values(SQLBind(g), SQLBind(instanceID)).run()
            added.insert(g)
        }
    }

    /// The live groups of several instances, by instance id, oldest group first.
    public static func groups(_ sql: any SQLDatabase, instanceIDs: [Int64]) async throws -> [Int64: [SecurityGroup]] {
        guard !instanceIDs.isEmpty else { return [:] }
        var out: [Int64: [SecurityGroup]] = [:]
        for chunkStart in stride(from: 0, to: instanceIDs.count, by: 500) {
            let chunk = Array(instanceIDs[chunkStart..<min(chunkStart + 500, instanceIDs.count)])
            let rows = try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(table))).column(SQLColumn("instance_id", table: members))
                .from(table).join(members, on: SQLColumn("group_id", table: members), .equal, SQLColumn("id", table: table))
                .where(SQLColumn("instance_id", table: members), .in, SQLBind.group(chunk))
                .where(SQLColumn("removed", table: table), .is, SQLLiteral.null)
                .orderBy(SQLColumn("id", table: table)).all()
            for row in rows { out[try row.int64("instance_id"), default: []].append(try map(row)) }
        }
        return out
    }

    /// The live (not expunged) member instances of the groups, by group id: id and UUID.
    public static func members(_ sql: any SQLDatabase, groupIDs: [Int64]) async throws -> [Int64: [(id: Int64, uuid: UUID)]] {
        guard !groupIDs.isEmpty else { return [:] }
        let rows = try await sql.select().column(SQLColumn("group_id", table: members)).column(SQLColumn("id", table: "vm_instances"), as: "vm_id")
            .column(SQLColumn("uuid", table: "vm_instances"))
            .from(members).join("vm_instances", on: SQLColumn("instance_id", table: members), .equal, SQLColumn("id", table: "vm_instances"))
            .where(SQLColumn("group_id", table: members), .in, SQLBind.group(Array(Set(groupIDs))))
            .where(SQLColumn("removed", table: "vm_instances"), .is, SQLLiteral.null)
            .orderBy(SQLColumn("instance_id", table: members)).all()
        var out: [Int64: [(id: Int64, uuid: UUID)]] = [:]
        for row in rows { out[try row.int64("group_id"), default: []].append((try row.int64("vm_id"), try row.uuid("uuid"))) }
        return out
    }

    /// The default-NIC IPv4 addresses of the Running members of the groups, by group id
    /// (what a rule naming a group admits).
    public static func runningMemberAddresses(_ sql: any SQLDatabase, groupIDs: [Int64]) async throws -> [Int64: [String]] {
        guard !groupIDs.isEmpty else { return [:] }
        let rows = try await sql.select().column(SQLColumn("group_id", table: members)).column(SQLColumn("ip4_address", table: "nics"))
            .from(members).join("vm_instances", on: SQLColumn("instance_id", table: members), .equal, SQLColumn("id", table: "vm_instances"))
            .join("nics", on: SQLColumn("instance_id", table: "nics"), .equal, SQLColumn("id", table: "vm_instances"))
            .where(SQLColumn("group_id", table: members), .in, SQLBind.group(Array(Set(groupIDs))))
            .where(SQLColumn("state", table: "vm_instances"), .equal, SQLBind(VirtualMachineState.running.rawValue))
            .where(SQLColumn("removed", table: "vm_instances"), .is, SQLLiteral.null)
            .where(SQLColumn("owner_type", table: "nics"), .equal, SQLBind(NicOwnerType.user.rawValue))
            .where(SQLColumn("is_default", table: "nics"), .equal, SQLBind(true))
            .where(SQLColumn("removed", table: "nics"), .is, SQLLiteral.null)
            .all()
        var out: [Int64: [String]] = [:]
        for row in rows {
            guard let ip = try row.optionalString("ip4_address") else { continue }
            out[try row.int64("group_id"), default: []].append(ip)
        }
        return out
    }

    /// The Running instances that belong to any of the groups.
    public static func runningMembers(_ sql: any SQLDatabase, groupIDs: [Int64]) async throws -> [Int64] {
        guard !groupIDs.isEmpty else { return [] }
        let rows = try await sql.select().distinct().column(SQLColumn("instance_id", table: members))
            .from(members).join("vm_instances", on: SQLColumn("instance_id", table: members), .equal, SQLColumn("id", table: "vm_instances"))
            .where(SQLColumn("group_id", table: members), .in, SQLBind.group(Array(Set(groupIDs))))
            .where(SQLColumn("state", table: "vm_instances"), .equal, SQLBind(VirtualMachineState.running.rawValue))
            .where(SQLColumn("removed", table: "vm_instances"), .is, SQLLiteral.null).all()
        return try rows.map { try $0.int64("instance_id") }.sorted()
    }

    /// Every Running instance that belongs to some live group (the sweep's candidates).
    public static func runningMembers(_ sql: any SQLDatabase) async throws -> [Int64] {
        let rows = try await sql.select().distinct().column(SQLColumn("instance_id", table: members))
            .from(members).join("vm_instances", on: SQLColumn("instance_id", table: members), .equal, SQLColumn("id", table: "vm_instances"))
            .where(SQLColumn("state", table: "vm_instances"), .equal, SQLBind(VirtualMachineState.running.rawValue))
            .where(SQLColumn("removed", table: "vm_instances"), .is, SQLLiteral.null).all()
        return try rows.map { try $0.int64("instance_id") }.sorted()
    }

    /// The networks among `networkIDs` whose offering has the SecurityGroup service.
    public static func securityGroupNetworks(_ sql: any SQLDatabase, networkIDs: [Int64]) async throws -> Set<Int64> {
        guard !networkIDs.isEmpty else { return [] }
        let rows = try await sql.select().column(SQLColumn("id", table: "networks")).from("networks")
            .join("offering_services", on: SQLColumn("offering_id", table: "offering_services"), .equal, SQLColumn("network_offering_id", table: "networks"))
            .where(SQLColumn("kind", table: "offering_services"), .equal, SQLBind("network"))
            .where(SQLColumn("service", table: "offering_services"), .equal, SQLBind(NetworkService.securityGroup.rawValue))
            .where(SQLColumn("id", table: "networks"), .in, SQLBind.group(Array(Set(networkIDs)))).all()
        return Set(try rows.map { try $0.int64("id") })
    }

    /// The live networks of a zone whose offering has the SecurityGroup service, oldest first.
    public static func securityGroupNetworks(_ sql: any SQLDatabase, zoneID: Int64) async throws -> [Int64] {
        let rows = try await sql.select().column(SQLColumn("id", table: "networks")).from("networks")
            .join("offering_services", on: SQLColumn("offering_id", table: "offering_services"), .equal, SQLColumn("network_offering_id", table: "networks"))
            .where(SQLColumn("kind", table: "offering_services"), .equal, SQLBind("network"))
            .where(SQLColumn("service", table: "offering_services"), .equal, SQLBind(NetworkService.securityGroup.rawValue))
            .where(SQLColumn("zone_id", table: "networks"), .equal, SQLBind(zoneID))
            .where(SQLColumn("removed", table: "networks"), .is, SQLLiteral.null)
            .orderBy(SQLColumn("id", table: "networks")).all()
        return try rows.map { try $0.int64("id") }
    }

    // MARK: - rule sets sent to hosts

    /// What was last sent for an instance: the sequence number, the signature of the rule
    /// set its host applied (nil while a send is under way or after it stopped) and that host.
    public struct RuleSetLog: Sendable, Equatable {
        public var instanceID: Int64
        public var sequence: Int64
        public var signature: String?
        public var hostID: Int64?
        public var applied: Date?
    }

    static func mapLog(_ row: any SQLRow) throws -> RuleSetLog {
        RuleSetLog(instanceID: try row.int64("instance_id"), sequence: try row.int64("sequence"), signature: try row.optionalString("signature"),
                   hostID: try row.optionalInt64("host_id"), applied: try row.optionalDate("applied"))
    }

    public static func ruleSetLog(_ sql: any SQLDatabase, instanceID: Int64) async throws -> RuleSetLog? {
        try await sql.select().column("*").from(rulesets).where("instance_id", .equal, instanceID).first().map(mapLog)
    }

    /// Takes the next sequence number for an instance (and forgets what its host applied
    /// until the send is answered). Returns the new number.
    public static func nextSequence(_ sql: any SQLDatabase, instanceID: Int64) async throws -> Int64 {
        try await sql.raw("""
            INSERT INTO security_group_rulesets (instance_id, sequence) VALUES (\(unsafeRaw: String(instanceID)), 0) ON CONFLICT (instance_id) DO NOTHING
            """).run()
        try await sql.update(rulesets).set(SQLIdentifier("sequence"), to: SQLRaw("sequence + 1")).set("signature", to: SQLLiteral.null)
            .set("host_id", to: SQLLiteral.null).where("instance_id", .equal, instanceID).run()
        guard let log = try await ruleSetLog(sql, instanceID: instanceID) else { throw StoreError("The rule set log of instance \(instanceID) vanished") }
        return log.sequence
    }

    /// Records that `hostID` applied rule set `sequence` with `signature`, unless a newer one
    /// was taken meanwhile.
    public static func recordApplied(_ sql: any SQLDatabase, instanceID: Int64, sequence: Int64, signature: String, hostID: Int64, at date: Date) async throws {
        try await sql.update(rulesets).set("signature", to: signature).set("host_id", to: hostID).set("applied", to: date.storedMillis)
            .where("instance_id", .equal, instanceID).where("sequence", .equal, sequence).run()
    }

    /// Forgets what a host applied for an instance that no longer runs there.
    public static func clearApplied(_ sql: any SQLDatabase, instanceID: Int64) async throws {
        try await sql.update(rulesets).set("signature", to: SQLLiteral.null).set("host_id", to: SQLLiteral.null).where("instance_id", .equal, instanceID).run()
    }
}

/// `(SELECT group_id FROM security_group_vm_map WHERE instance_id = ?)`.
struct SQLSecurityGroupsOfInstance: SQLExpression {
    let instanceID: Int64

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write("(SELECT ")
        SQLIdentifier("group_id").serialize(to: &serializer)
        serializer.write(" FROM ")
        SQLIdentifier(SecurityGroupRepository.members).serialize(to: &serializer)
        serializer.write(" WHERE ")
        SQLIdentifier("instance_id").serialize(to: &serializer)
        serializer.write(" = ")
        SQLBind(instanceID).serialize(to: &serializer)
        serializer.write(")")
    }
}
