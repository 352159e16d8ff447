import CirrusModel
import Foundation
import SQLKit

/// Load-balancing rules (`load_balancer_rules` beside their `firewall_rules` row), their
/// members and their stickiness and health-check policies.
public enum LoadBalancerRepository {
    static let rules = "load_balancer_rules"
    static let members = "load_balancer_members"
    static let policies = "load_balancer_policies"

    /// What `listLoadBalancerRules` filters on.
    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var id: Int64?
        public var name: String?
        public var ipAddressID: Int64?
        public var networkID: Int64?
        public var zoneID: Int64?
        public var instanceID: Int64?
        public var display: Bool?
        public var keyword: String?

        public init() {}
    }

    public static func insert(_ sql: any SQLDatabase, _ lb: LoadBalancerRule) async throws -> LoadBalancerRule {
        var out = lb
        out.rule = try await FirewallRuleRepository.insert(sql, lb.rule)
        try await sql.insert(into: rules).columns("rule_id", "name", "description", "algorithm", "private_port", "lb_protocol")
            .values(SQLBind(out.rule.id), SQLBind(lb.name), NetworkRepository.bindOptional(lb.description), SQLBind(lb.algorithm.rawValue),
                    SQLBind(lb.privatePort), SQLBind(lb.lbProtocol.rawValue)).run()
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ lb: LoadBalancerRule) async throws {
        try await FirewallRuleRepository.update(sql, lb.rule)
        try await sql.update(rules).set("name", to: lb.name).set(SQLIdentifier("description"), to: NetworkRepository.bindOptional(lb.description))
            .set("algorithm", to: lb.algorithm.rawValue).set("lb_protocol", to: lb.lbProtocol.rawValue).where("rule_id", .equal, lb.rule.id).run()
    }

    static func map(_ row: any SQLRow) throws -> LoadBalancerRule {
        LoadBalancerRule(rule: try FirewallRuleRepository.map(row), name: try row.string("name"), description: try row.optionalString("description"),
                         algorithm: try row.enumValue("algorithm", as: LBAlgorithm.self), privatePort: try row.int("private_port"),
                         lbProtocol: try row.enumValue("lb_protocol", as: LBProtocol.self))
    }

    static func joined(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(FirewallRuleRepository.table))).column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(rules)))
            .from(FirewallRuleRepository.table).join(rules, on: SQLColumn("rule_id", table: rules), .equal, SQLColumn("id", table: FirewallRuleRepository.table))
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> LoadBalancerRule? {
        try await joined(sql).where(SQLColumn("uuid", table: FirewallRuleRepository.table), .equal, SQLBind(uuid.stored)).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> LoadBalancerRule? {
        try await joined(sql).where(SQLColumn("id", table: FirewallRuleRepository.table), .equal, literal(id)).first().map(map)
    }

    /// The load-balancing rules of a network.
    public static func of(_ sql: any SQLDatabase, networkID: Int64) async throws -> [LoadBalancerRule] {
        try await joined(sql).where(SQLColumn("network_id", table: FirewallRuleRepository.table), .equal, literal(networkID))
            .orderBy(SQLColumn("id", table: FirewallRuleRepository.table)).all().map(map)
    }

    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int, limit: Int?) async throws -> Listing<LoadBalancerRule> {
        let t = FirewallRuleRepository.table
        return try await fetchListing(sql, columns: SQLList([SQLColumn(SQLLiteral.all, table: SQLIdentifier(t)), SQLColumn(SQLLiteral.all, table: SQLIdentifier(rules))]), filtered: { b in
            var b = b.from(t).join(rules, on: SQLColumn("rule_id", table: rules), .equal, SQLColumn("id", table: t))
            b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLColumn("account_id", table: t), domainColumn: SQLColumn("domain_id", table: t))
            if let id = f.id { b = b.where(SQLColumn("id", table: t), .equal, literal(id)) }
            if let n = f.name { b = b.where(SQLColumn("name", table: rules), .equal, SQLBind(n)) }
            if let k = f.keyword { b = b.where(SQLColumn("name", table: rules), .like, SQLBind("%\(k)%")) }
            if let ip = f.ipAddressID { b = b.where(SQLColumn("ip_address_id", table: t), .equal, literal(ip)) }
            if let n = f.networkID { b = b.where(SQLColumn("network_id", table: t), .equal, literal(n)) }
            if let d = f.display { b = b.where(SQLColumn("display", table: t), .equal, SQLBind(d)) }
            if let z = f.zoneID {
                b = b.where(SQLColumn("network_id", table: t), .in, SQLGroupExpression(sql.select().column("id").from("networks").where("zone_id", .equal, literal(z)).select))
            }
            if let i = f.instanceID {
                b = b.where(SQLColumn("id", table: t), .in, SQLGroupExpression(sql.select().column("rule_id").from(members).where("instance_id", .equal, literal(i)).select))
            }
            return b
        }, order: { $0.orderBy(SQLColumn("id", table: t)) }, offset: offset, limit: limit, map: map)
    }

    // MARK: - Members

    public static func members(_ sql: any SQLDatabase, ruleIDs: [Int64]) async throws -> [LoadBalancerMember] {
        guard !ruleIDs.isEmpty else { return [] }
        return try await sql.select().column("*").from(members).where("rule_id", .in, ruleIDs).orderBy("rule_id").orderBy("instance_id").orderBy("guest_ip").all().map {
            LoadBalancerMember(ruleID: try $0.int64("rule_id"), instanceID: try $0.int64("instance_id"), guestIP: try $0.string("guest_ip"))
        }
    }

    public static func addMember(_ sql: any SQLDatabase, _ m: LoadBalancerMember) async throws {
        try await sql.insert(into: members).columns("rule_id", "instance_id", "guest_ip").values(SQLBind(m.ruleID), SQLBind(m.instanceID), SQLBind(m.guestIP)).run()
    }

    public static func removeMember(_ sql: any SQLDatabase, _ m: LoadBalancerMember) async throws {
        try await sql.delete(from: members).where("rule_id", .equal, m.ruleID).where("instance_id", .equal, m.instanceID).where("guest_ip", .equal, m.guestIP).run()
    }

    /// Whether `guestIP` of the instance is behind any rule.
    public static func isMember(_ sql: any SQLDatabase, instanceID: Int64, guestIP: String) async throws -> Bool {
        try await sql.select().column("rule_id").from(members).where("instance_id", .equal, instanceID).where("guest_ip", .equal, guestIP)
            .limit(1).first() != nil
    }

    /// Removes an instance from every rule (its expunge).
    public static func removeMembers(_ sql: any SQLDatabase, instanceID: Int64) async throws -> [Int64] {
        let ruleIDs = try await sql.select().column("rule_id").from(members).where("instance_id", .equal, instanceID).all().map { try $0.int64("rule_id") }
        try await sql.delete(from: members).where("instance_id", .equal, instanceID).run()
        return Array(Set(ruleIDs))
    }

    // MARK: - Policies

    static func mapPolicy(_ row: any SQLRow) throws -> LBPolicy {
        let params = try row.string("params")
        let decoded = (try? JSONDecoder().decode([String: String].self, from: Data(params.utf8))) ?? [:]
        return LBPolicy(id: try row.int64("id"), uuid: try row.uuid("uuid"), ruleID: try row.int64("rule_id"), kind: try row.enumValue("kind", as: LBPolicy.Kind.self),
                        name: try row.optionalString("name"), method: try row.optionalString("method").flatMap(LBStickinessMethod.init(rawValue:)),
                        params: decoded, description: try row.optionalString("description"), pingPath: try row.optionalString("ping_path"),
                        responseTimeout: try row.optionalInt64("response_timeout").map(Int.init), interval: try row.optionalInt64("check_interval").map(Int.init),
                        healthyThreshold: try row.optionalInt64("healthy_threshold").map(Int.init),
                        unhealthyThreshold: try row.optionalInt64("unhealthy_threshold").map(Int.init), display: try row.bool("display"))
    }

    public static func insert(_ sql: any SQLDatabase, _ p: LBPolicy) async throws -> LBPolicy {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let params = String(decoding: try encoder.encode(p.params), as: UTF8.self)
        var out = p
        out.id = try await insertReturningID(sql, into: policies, [
            ("uuid", SQLBind(p.uuid.stored)), ("rule_id", SQLBind(p.ruleID)), ("kind", SQLBind(p.kind.rawValue)), ("name", NetworkRepository.bindOptional(p.name)),
            ("method", NetworkRepository.bindOptional(p.method?.rawValue)), ("params", SQLBind(params)), ("description", NetworkRepository.bindOptional(p.description)),
            ("ping_path", NetworkRepository.bindOptional(p.pingPath)), ("response_timeout", NetworkRepository.bindOptional(p.responseTimeout)),
            ("check_interval", NetworkRepository.bindOptional(p.interval)), ("healthy_threshold", NetworkRepository.bindOptional(p.healthyThreshold)),
            ("unhealthy_threshold", NetworkRepository.bindOptional(p.unhealthyThreshold)), ("display", SQLBind(p.display)),
        ])
        return out
    }

    public static func policy(_ sql: any SQLDatabase, uuid: UUID) async throws -> LBPolicy? {
        try await sql.select().column("*").from(policies).where("uuid", .equal, uuid.stored).first().map(mapPolicy)
    }

    public static func policies(_ sql: any SQLDatabase, ruleIDs: [Int64], kind: LBPolicy.Kind? = nil) async throws -> [LBPolicy] {
        guard !ruleIDs.isEmpty else { return [] }
        var b = sql.select().column("*").from(policies).where("rule_id", .in, ruleIDs)
        if let kind { b = b.where("kind", .equal, kind.rawValue) }
        return try await b.orderBy("id").all().map(mapPolicy)
    }

    public static func deletePolicy(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: policies).where("id", .equal, id).run()
    }

    public static func setPolicyDisplay(_ sql: any SQLDatabase, id: Int64, display: Bool) async throws {
        try await sql.update(policies).set("display", to: display).where("id", .equal, id).run()
    }
}
