import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

extension RouterDocumentBuilder {
    /// Fills the rule sections of a network's router document: static NAT, port forwarding,
    /// ingress firewall, egress rules (the default policy is set by the caller from the
    /// offering) and load balancers, from the network's rules in a fixed number of queries.
    /// Revoked rules are left out; rules on addresses no longer held are skipped.
    /// IPv6 firewall rules of dual-stack networks go in their own section. Sections are
    /// appended to, so a VPC router's document collects them tier by tier (with each
    /// tier's addresses); network ACLs and static routes are in RouterDocumentBuilder+VPC.swift.
    static func ruleSections(_ sql: any SQLDatabase, network n: Network, addresses: [VlanIPRangeRepository.Address],
                             into doc: inout RouterDocument) async throws {
        let rules = try await FirewallRuleRepository.of(sql, networkID: n.id).filter { $0.state != .revoke }
        let forwarding = try await FirewallRuleRepository.portForwarding(sql, networkID: n.id).filter { $0.rule.state != .revoke }
        let balancers = try await LoadBalancerRepository.of(sql, networkID: n.id).filter { $0.rule.state != .revoke }
        let members = Dictionary(grouping: try await LoadBalancerRepository.members(sql, ruleIDs: balancers.map(\.rule.id)), by: \.ruleID)
        let policies = Dictionary(grouping: try await LoadBalancerRepository.policies(sql, ruleIDs: balancers.map(\.rule.id)), by: \.ruleID)
        let addressText = Dictionary(addresses.map { ($0.id, $0.address) }, uniquingKeysWith: { a, _ in a })

        doc.staticNat += addresses.filter(\.staticNAT).compactMap { ip in ip.vmIP.map { .init(publicIP: ip.address, guestIP: $0) } }
        doc.portForwarding += forwarding.compactMap { pf in
            guard let ipID = pf.rule.ipAddressID, let publicIP = addressText[ipID], let ports = pf.rule.ports else { return nil }
            return .init(publicIP: publicIP, proto: pf.rule.proto.rawValue, publicPorts: ports.description, guestIP: pf.guestIP,
                         privatePorts: pf.privatePorts.description, sourceCIDRs: pf.rule.sourceCIDRs)
        }
        doc.ipv6Firewall += rules.filter { $0.purpose == .ipv6Firewall }.map { rule in
            .init(traffic: rule.trafficType.rawValue.lowercased(), proto: rule.proto.rawValue, ports: rule.ports?.description, icmpType: rule.icmpType,
                  icmpCode: rule.icmpCode, sourceCIDRs: rule.sourceCIDRs, destinationCIDRs: rule.destinationCIDRs)
        }
        for rule in rules where rule.purpose == .firewall {
            if rule.trafficType == .ingress {
                guard let ipID = rule.ipAddressID, let publicIP = addressText[ipID] else { continue }
                doc.firewall.append(.init(publicIP: publicIP, proto: rule.proto.rawValue, ports: rule.ports?.description, icmpType: rule.icmpType,
                                          icmpCode: rule.icmpCode, sourceCIDRs: rule.sourceCIDRs))
            } else {
                doc.egress.rules.append(.init(proto: rule.proto.rawValue, ports: rule.ports?.description, icmpType: rule.icmpType, icmpCode: rule.icmpCode,
                                              sourceCIDRs: rule.sourceCIDRs, destinationCIDRs: rule.destinationCIDRs))
            }
        }
        doc.loadBalancers += balancers.compactMap { lb in
            guard let ipID = lb.rule.ipAddressID, let publicIP = addressText[ipID], let port = lb.rule.ports?.start else { return nil }
            let rulePolicies = policies[lb.rule.id] ?? []
            let sticky = rulePolicies.first { $0.kind == .stickiness }
            let health = rulePolicies.first { $0.kind == .healthCheck }
            return .init(name: lb.name, publicIP: publicIP, publicPort: port, proto: lb.lbProtocol.rawValue, algorithm: lb.algorithm.rawValue,
                         privatePort: lb.privatePort, members: (members[lb.rule.id] ?? []).map(\.guestIP), sourceCIDRs: lb.rule.sourceCIDRs,
                         stickiness: sticky.flatMap { p in p.method.map { .init(method: $0.rawValue, params: p.params) } },
                         healthCheck: health.map { .init(path: $0.pingPath ?? "/", timeout: $0.responseTimeout ?? 2, interval: $0.interval ?? 5,
                                                         healthyThreshold: $0.healthyThreshold ?? 2, unhealthyThreshold: $0.unhealthyThreshold ?? 1) })
        }
    }
}
