import CirrusModel
import Foundation
import SQLKit

/// Rules on public addresses and networks (`firewall_rules`, with port forwarding details in
/// `port_forwarding_rules`). Load-balancing details are in `LoadBalancerRepository`.
public enum FirewallRuleRepository {
    static let table = "firewall_rules"
    static let forwarding = "port_forwarding_rules"

    /// What list commands filter rules on.
    public struct Filter: Sendable {
        public var scope: ListScope = .everything
        public var purpose: RulePurpose?
        public var trafficType: RuleTrafficType?
        public var id: Int64?
        public var ipAddressID: Int64?
        public var networkID: Int64?
        public var display: Bool?
        /// Port forwarding rules to this instance.
        public var instanceID: Int64?

        public init() {}
    }

    static func fields(_ r: FirewallRule) -> [ColumnValue] {
        [("purpose", SQLBind(r.purpose.rawValue)), ("traffic_type", SQLBind(r.trafficType.rawValue)), ("protocol", SQLBind(r.proto.rawValue)),
         ("start_port", NetworkRepository.bindOptional(r.ports?.start)), ("end_port", NetworkRepository.bindOptional(r.ports?.end)),
         ("icmp_type", NetworkRepository.bindOptional(r.icmpType)), ("icmp_code", NetworkRepository.bindOptional(r.icmpCode)),
         ("ip_address_id", NetworkRepository.bindOptional(r.ipAddressID)), ("network_id", SQLBind(r.networkID)), ("account_id", SQLBind(r.accountID)),
         ("domain_id", SQLBind(r.domainID)), ("state", SQLBind(r.state.rawValue)), ("source_cidrs", SQLBind(r.sourceCIDRs.joined(separator: ","))),
         ("dest_cidrs", SQLBind(r.destinationCIDRs.joined(separator: ","))), ("display", SQLBind(r.display)),
         ("related_rule_id", NetworkRepository.bindOptional(r.relatedRuleID))]
    }

    static func map(_ row: any SQLRow) throws -> FirewallRule {
        let start = try row.optionalInt64("start_port"), end = try row.optionalInt64("end_port")
        func list(_ column: String) throws -> [String] { try row.string(column).split(separator: ",").map(String.init) }
        return FirewallRule(id: try row.int64("id"), uuid: try row.uuid("uuid"), purpose: try row.enumValue("purpose", as: RulePurpose.self),
                            trafficType: try row.enumValue("traffic_type", as: RuleTrafficType.self), proto: try row.enumValue("protocol", as: RuleProtocol.self),
                            ports: start.map { PortRange(uncheckedStart: Int($0), end: Int(end ?? $0)) },
                            icmpType: try row.optionalInt64("icmp_type").map(Int.init), icmpCode: try row.optionalInt64("icmp_code").map(Int.init),
                            ipAddressID: try row.optionalInt64("ip_address_id"), networkID: try row.int64("network_id"), accountID: try row.int64("account_id"),
                            domainID: try row.int64("domain_id"), state: try row.enumValue("state", as: RuleState.self), sourceCIDRs: try list("source_cidrs"),
                            destinationCIDRs: try list("dest_cidrs"), display: try row.bool("display"), relatedRuleID: try row.optionalInt64("related_rule_id"),
                            created: try row.date("created"))
    }

    public static func insert(_ sql: any SQLDatabase, _ r: FirewallRule) async throws -> FirewallRule {
        var out = r
        out.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(r.uuid.stored)), ("created", SQLBind(r.created.storedMillis))] + fields(r))
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ r: FirewallRule) async throws {
        try await updateColumns(sql, table: table, id: r.id, fields(r))
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> FirewallRule? {
        try await sql.select().column("*").from(table).where("id", .equal, id).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> FirewallRule? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).first().map(map)
    }

    /// Every ingress rule on a public address.
    public static func on(_ sql: any SQLDatabase, ipAddressID: Int64) async throws -> [FirewallRule] {
        try await sql.select().column("*").from(table).where("ip_address_id", .equal, ipAddressID).orderBy("id").all().map(map)
    }

    /// Every rule of a network (ingress rules of its addresses, and its egress rules).
    public static func of(_ sql: any SQLDatabase, networkID: Int64) async throws -> [FirewallRule] {
        try await sql.select().column("*").from(table).where("network_id", .equal, networkID).orderBy("id").all().map(map)
    }

    /// The network's egress rules.
    public static func egress(_ sql: any SQLDatabase, networkID: Int64) async throws -> [FirewallRule] {
        try await sql.select().column("*").from(table).where("network_id", .equal, networkID).where("traffic_type", .equal, RuleTrafficType.egress.rawValue)
            .orderBy("id").all().map(map)
    }

    /// Deletes a rule and its details (cascade).
    public static func delete(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: forwarding).where("rule_id", .equal, id).run()
        try await sql.delete(from: LoadBalancerRepository.members).where("rule_id", .equal, id).run()
        try await sql.delete(from: LoadBalancerRepository.policies).where("rule_id", .equal, id).run()
        try await sql.delete(from: LoadBalancerRepository.rules).where("rule_id", .equal, id).run()
        try await sql.delete(from: table).where("id", .equal, id).run()
    }

    public static func setState(_ sql: any SQLDatabase, ids: [Int64], _ state: RuleState) async throws {
        guard !ids.isEmpty else { return }
        try await sql.update(table).set("state", to: state.rawValue).where("id", .in, ids).run()
    }

    // MARK: - Port forwarding

    public static func insert(_ sql: any SQLDatabase, _ pf: PortForwardingRule) async throws -> PortForwardingRule {
        var out = pf
        out.rule = try await insert(sql, pf.rule)
        try await sql.insert(into: forwarding).columns("rule_id", "instance_id", "dest_ip", "dest_start_port", "dest_end_port")
            .values(SQLBind(out.rule.id), SQLBind(pf.instanceID), SQLBind(pf.guestIP), SQLBind(pf.privatePorts.start), SQLBind(pf.privatePorts.end)).run()
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ pf: PortForwardingRule) async throws {
        try await update(sql, pf.rule)
        try await sql.update(forwarding).set("instance_id", to: pf.instanceID).set("dest_ip", to: pf.guestIP)
            .set("dest_start_port", to: pf.privatePorts.start).set("dest_end_port", to: pf.privatePorts.end).where("rule_id", .equal, pf.rule.id).run()
    }

    static func mapForwarding(_ row: any SQLRow) throws -> PortForwardingRule {
        PortForwardingRule(rule: try map(row), instanceID: try row.int64("instance_id"), guestIP: try row.string("dest_ip"),
                           privatePorts: PortRange(uncheckedStart: try row.int("dest_start_port"), end: try row.int("dest_end_port")))
    }

    public static func portForwarding(_ sql: any SQLDatabase, ruleID: Int64) async throws -> PortForwardingRule? {
        try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(table))).column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(forwarding)))
            .from(table).join(forwarding, on: SQLColumn("rule_id", table: forwarding), .equal, SQLColumn("id", table: table))
            .where(SQLColumn("id", table: table), .equal, literal(ruleID)).first().map(mapForwarding)
    }

    /// Port forwarding rules of a network, or to an instance.
    public static func portForwarding(_ sql: any SQLDatabase, networkID: Int64? = nil, instanceID: Int64? = nil) async throws -> [PortForwardingRule] {
        var b = sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(table))).column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(forwarding)))
            .from(table).join(forwarding, on: SQLColumn("rule_id", table: forwarding), .equal, SQLColumn("id", table: table))
        if let n = networkID { b = b.where(SQLColumn("network_id", table: table), .equal, literal(n)) }
        if let i = instanceID { b = b.where(SQLColumn("instance_id", table: forwarding), .equal, literal(i)) }
        return try await b.orderBy(SQLColumn("id", table: table)).all().map(mapForwarding)
    }

    // MARK: - Listing

    /// Rules in the caller's scope matching `f`, with port forwarding details when the
    /// purpose is PortForwarding.
    public static func list(_ sql: any SQLDatabase, _ f: Filter, offset: Int, limit: Int?) async throws -> Listing<(rule: FirewallRule, forwarding: PortForwardingRule?)> {
        let withForwarding = f.purpose == .portForwarding || f.instanceID != nil
        let columns: any SQLExpression = withForwarding
            ? SQLList([SQLColumn(SQLLiteral.all, table: SQLIdentifier(table)), SQLColumn(SQLLiteral.all, table: SQLIdentifier(forwarding))])
            : SQLColumn(SQLLiteral.all, table: SQLIdentifier(table))
        return try await fetchListing(sql, columns: columns, filtered: { b in
            var b = b.from(table)
            if withForwarding { b = b.join(forwarding, on: SQLColumn("rule_id", table: forwarding), .equal, SQLColumn("id", table: table)) }
            b = ScopeFilter.apply(f.scope, to: b, accountColumn: SQLColumn("account_id", table: table), domainColumn: SQLColumn("domain_id", table: table))
            if let p = f.purpose { b = b.where(SQLColumn("purpose", table: table), .equal, SQLBind(p.rawValue)) }
            if let t = f.trafficType { b = b.where(SQLColumn("traffic_type", table: table), .equal, SQLBind(t.rawValue)) }
            if let id = f.id { b = b.where(SQLColumn("id", table: table), .equal, literal(id)) }
            if let ip = f.ipAddressID { b = b.where(SQLColumn("ip_address_id", table: table), .equal, literal(ip)) }
            if let n = f.networkID { b = b.where(SQLColumn("network_id", table: table), .equal, literal(n)) }
            if let d = f.display { b = b.where(SQLColumn("display", table: table), .equal, SQLBind(d)) }
            if let i = f.instanceID { b = b.where(SQLColumn("instance_id", table: forwarding), .equal, literal(i)) }
            return b
        }, order: { $0.orderBy(SQLColumn("id", table: table)) }, offset: offset, limit: limit) { row in
            withForwarding ? (rule: try map(row), forwarding: try mapForwarding(row)) : (rule: try map(row), forwarding: nil)
        }
    }
}
