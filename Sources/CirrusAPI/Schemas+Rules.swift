import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// Response shapes of rules on public addresses and networks.
extension Schemas {
    static func cidrs(_ list: [String]) -> String? { list.isEmpty ? nil : list.joined(separator: ",") }

    /// CloudStack's `FirewallRuleResponse` (ingress and egress).
    static let firewallRule = ResponseSchema<RuleView>(objectName: "firewallrule", fields: [
        .string("id", "the ID of the rule") { id($0.rule.uuid) },
        .string("protocol", "the protocol: tcp, udp, icmp or all") { $0.rule.proto.rawValue },
        .integer("startport", "the first port") { $0.rule.ports?.start },
        .integer("endport", "the last port") { $0.rule.ports?.end },
        .string("ipaddressid", "the ID of the public address (ingress rules)") { $0.ipUUID.map(id) },
        .string("networkid", "the ID of the network") { $0.networkUUID.map(id) },
        .string("ipaddress", "the public address (ingress rules)") { $0.ipAddress },
        .string("state", "Add, Active or Revoke") { $0.rule.state.rawValue },
        .string("cidrlist", "the source CIDRs, comma separated") { cidrs($0.rule.sourceCIDRs) },
        .integer("icmptype", "the ICMP type (-1: any)") { $0.rule.icmpType },
        .integer("icmpcode", "the ICMP code (-1: any)") { $0.rule.icmpCode },
        .bool("fordisplay", "whether the owner sees it") { $0.rule.display },
        .string("destcidrlist", "the destination CIDRs of an egress rule, comma separated") { cidrs($0.rule.destinationCIDRs) },
        .string("traffictype", "Ingress or Egress") { $0.rule.trafficType.rawValue },
    ])

    /// CloudStack's `FirewallRuleResponse` as port forwarding rules show it.
    static let portForwardingRule = ResponseSchema<RuleView>(objectName: "portforwardingrule", fields: [
        .string("id", "the ID of the rule") { id($0.rule.uuid) },
        .string("privateport", "the first private port") { $0.forwarding.map { String($0.privatePorts.start) } },
        .string("privateendport", "the last private port") { $0.forwarding.map { String($0.privatePorts.end) } },
        .string("protocol", "tcp or udp") { $0.rule.proto.rawValue },
        .string("publicport", "the first public port") { $0.rule.ports.map { String($0.start) } },
        .string("publicendport", "the last public port") { $0.rule.ports.map { String($0.end) } },
        .string("virtualmachineid", "the ID of the instance") { $0.vmUUID.map(id) },
        .string("virtualmachinename", "the name of the instance") { $0.vmName },
        .string("virtualmachinedisplayname", "the display name of the instance") { $0.vmDisplayName },
        .string("ipaddressid", "the ID of the public address") { $0.ipUUID.map(id) },
        .string("ipaddress", "the public address") { $0.ipAddress },
        .string("state", "Add, Active or Revoke") { $0.rule.state.rawValue },
        .string("cidrlist", "the source CIDRs, comma separated") { cidrs($0.rule.sourceCIDRs) },
        .string("vmguestip", "the guest address the rule forwards to") { $0.forwarding?.guestIP },
        .string("networkid", "the ID of the network") { $0.networkUUID.map(id) },
        .bool("fordisplay", "whether the owner sees it") { $0.rule.display },
    ])

    /// Static NAT as `listIpForwardingRules` shows it.
    static let ipForwardingRule = ResponseSchema<StaticNatView>(objectName: "ipforwardingrule", fields: [
        .string("id", "the ID of the rule (that of its public address)") { id($0.ip.uuid) },
        .string("protocol", "the protocol (all traffic)") { _ in "all" },
        .string("virtualmachineid", "the ID of the instance") { $0.vmUUID.map(id) },
        .string("virtualmachinename", "the name of the instance") { $0.vmName },
        .string("virtualmachinedisplayname", "the display name of the instance") { $0.vmDisplayName },
        .string("ipaddressid", "the ID of the public address") { id($0.ip.uuid) },
        .string("ipaddress", "the public address") { $0.ip.address },
        .string("state", "the state of the rule") { _ in RuleState.active.rawValue },
        .string("vmguestip", "the guest address") { $0.ip.vmIP },
        .string("networkid", "the ID of the network") { $0.networkUUID.map(id) },
        .bool("fordisplay", "whether the owner sees it") { $0.ip.display },
    ])

    /// CloudStack's `LoadBalancerResponse`.
    static let loadBalancer = ResponseSchema<LoadBalancerView>(objectName: "loadbalancerrule", fields: [
        .string("id", "the ID of the rule") { id($0.lb.rule.uuid) },
        .string("name", "the name of the rule") { $0.lb.name },
        .string("description", "the description of the rule") { $0.lb.description },
        .string("publicipid", "the ID of the public address") { $0.ipUUID.map(id) },
        .string("publicip", "the public address") { $0.ipAddress },
        .string("publicport", "the public port") { $0.lb.rule.ports.map { String($0.start) } },
        .string("privateport", "the private port of the members") { String($0.lb.privatePort) },
        .string("algorithm", "roundrobin, leastconn or source") { $0.lb.algorithm.rawValue },
        .string("networkid", "the ID of the network") { $0.networkUUID.map(id) },
        .string("cidrlist", "the source CIDRs, comma separated") { cidrs($0.lb.rule.sourceCIDRs) },
        .string("account", "the owning account") { $0.accountName },
        .string("domainid", "the ID of the owner's domain") { $0.domainUUID.map(id) },
        .string("domain", "the name of the owner's domain") { $0.domainName },
        .string("state", "Add, Active or Revoke") { $0.lb.rule.state.rawValue },
        .string("zoneid", "the ID of the zone") { $0.zoneUUID.map(id) },
        .string("zonename", "the name of the zone") { $0.zoneName },
        .string("protocol", "tcp, udp or tcp-proxy") { $0.lb.lbProtocol.rawValue },
        .bool("fordisplay", "whether the owner sees it") { $0.lb.rule.display },
    ])

    static let stickinessPolicy = ResponseSchema<LBPolicy>(objectName: "stickinesspolicy", fields: [
        .string("id", "the ID of the policy") { id($0.uuid) },
        .string("name", "the name of the policy") { $0.name },
        .string("methodname", "LbCookie, AppCookie or SourceBased") { $0.method?.rawValue },
        .string("description", "the description of the policy") { $0.description },
        .string("state", "the state of the policy") { _ in RuleState.active.rawValue },
        .bool("fordisplay", "whether the owner sees it") { $0.display },
        .map("params", "the parameters of the method") { $0.params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } },
    ])

    /// CloudStack's `LBStickinessResponse`: a rule with its stickiness policies.
    static let stickinessPolicies = ResponseSchema<LBPoliciesView>(objectName: "stickinesspolicies", fields: [
        .string("lbruleid", "the ID of the load balancer rule") { id($0.rule.lb.rule.uuid) },
        .string("name", "the name of the stickiness policy") { $0.policies.first?.name },
        .string("description", "the description of the stickiness policy") { $0.policies.first?.description },
        .string("account", "the owning account") { $0.rule.accountName },
        .string("domainid", "the ID of the owner's domain") { $0.rule.domainUUID.map(id) },
        .string("domain", "the name of the owner's domain") { $0.rule.domainName },
        .string("state", "the state of the rule") { $0.rule.lb.rule.state.rawValue },
        .string("zoneid", "the ID of the zone") { $0.rule.zoneUUID.map(id) },
        .list("stickinesspolicy", "the stickiness policies", schema: stickinessPolicy) { $0.policies },
    ])

    static let healthCheckPolicy = ResponseSchema<LBPolicy>(objectName: "healthcheckpolicy", fields: [
        .string("id", "the ID of the policy") { id($0.uuid) },
        .string("pingpath", "the path probed over HTTP (/ for a TCP check)") { $0.pingPath },
        .string("description", "the description of the policy") { $0.description },
        .string("state", "the state of the policy") { _ in RuleState.active.rawValue },
        .integer("responsetime", "seconds to wait for an answer") { $0.responseTimeout },
        .integer("healthcheckinterval", "seconds between probes") { $0.interval },
        .integer("healthcheckthresshold", "successes before a member is healthy") { $0.healthyThreshold },
        .integer("unhealthcheckthresshold", "failures before a member is unhealthy") { $0.unhealthyThreshold },
        .bool("fordisplay", "whether the owner sees it") { $0.display },
    ])

    /// CloudStack's `LBHealthCheckResponse`: a rule with its health-check policies.
    static let healthCheckPolicies = ResponseSchema<LBPoliciesView>(objectName: "healthcheckpolicies", fields: [
        .string("lbruleid", "the ID of the load balancer rule") { id($0.rule.lb.rule.uuid) },
        .string("account", "the owning account") { $0.rule.accountName },
        .string("domainid", "the ID of the owner's domain") { $0.rule.domainUUID.map(id) },
        .string("domain", "the name of the owner's domain") { $0.rule.domainName },
        .string("zoneid", "the ID of the zone") { $0.rule.zoneUUID.map(id) },
        .list("healthcheckpolicy", "the health-check policies", schema: healthCheckPolicy) { $0.policies },
    ])
}
