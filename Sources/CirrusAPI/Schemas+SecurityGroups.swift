import CirrusEngine
import CirrusModel
import Foundation

/// Response shapes of security groups and their rules (CloudStack's `SecurityGroupResponse`
/// and `SecurityGroupRuleResponse`).
extension Schemas {
    /// A rule: ports for TCP/UDP (and `all`/numbered protocols, 0–0), ICMP type and code,
    /// and its source — a CIDR, or a group with its account.
    static let securityGroupRule = ResponseSchema<SecurityGroupRuleView>(objectName: "securitygrouprule", fields: [
        .string("ruleid", "the ID of the rule") { id($0.rule.uuid) },
        .string("protocol", "the protocol: tcp, udp, icmp, all or an IP protocol number") { $0.rule.proto.description },
        .integer("icmptype", "the ICMP type (-1 any)") { $0.rule.proto.isICMP ? $0.rule.icmpType : nil },
        .integer("icmpcode", "the ICMP code (-1 any)") { $0.rule.proto.isICMP ? $0.rule.icmpCode : nil },
        .integer("startport", "the first port") { $0.rule.proto.isICMP ? nil : ($0.rule.ports?.start ?? 0) },
        .integer("endport", "the last port") { $0.rule.proto.isICMP ? nil : ($0.rule.ports?.end ?? 0) },
        .string("securitygroupname", "the group whose members the rule admits") { $0.allowedGroup?.name },
        .string("account", "the account of that group") { $0.allowedGroupAccount?.name },
        .string("cidr", "the CIDR the rule admits (ingress) or allows sending to (egress)") { $0.rule.cidr },
    ])

    static let securityGroup = ResponseSchema<SecurityGroupView>(objectName: "securitygroup", fields: [
        .string("id", "the ID of the security group") { id($0.group.uuid) },
        .string("name", "the name of the security group") { $0.group.name },
        .string("description", "the description of the security group") { $0.group.description },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .list("ingressrule", "the ingress rules of the group", schema: securityGroupRule) { $0.ingress },
        .list("egressrule", "the egress rules of the group", schema: securityGroupRule) { $0.egress },
        .resourceTags { $0.tags },
        .integer("virtualmachinecount", "the number of instances in the group") { $0.instanceUUIDs.count },
        .stringList("virtualmachineids", "the IDs of the instances in the group") { $0.instanceUUIDs.map(id) },
    ])

    /// A security group as listed inside an instance.
    static let instanceSecurityGroup = ResponseSchema<SecurityGroup>(objectName: "securitygroup", fields: [
        .string("id", "the ID of the security group") { id($0.uuid) },
        .string("name", "the name of the security group") { $0.name },
        .string("description", "the description of the security group") { $0.description },
    ])
}
