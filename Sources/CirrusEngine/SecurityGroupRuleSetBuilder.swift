import CirrusModel
import CirrusProtocol
import CirrusStore
import Crypto
import Foundation
import SQLKit

/// Computes the rule set a host enforces for one instance: the one place security group
/// rules become what a host sees. The instance's NIC on a security-group network (its
/// default NIC when that is one, else the first such NIC), the union of its groups' rules,
/// rules naming a group expanded to the default-NIC IPv4 addresses of that group's Running
/// members (as CloudStack does), identical matches merged, everything sorted.
public enum SecurityGroupRuleSetBuilder {
    /// The rule set for an instance (sequence 0) and the host it runs on; nil when it is not
    /// Running on a host, has no NIC on a security-group network, or belongs to no group.
    public static func build(_ sql: any SQLDatabase, instanceID: Int64) async throws -> (set: SecurityGroupRuleSet, hostID: Int64)? {
        guard let vm = try await VirtualMachineRepository.find(sql, id: instanceID), vm.state == .running, let hostID = vm.hostID else { return nil }
        let nics = try await NicRepository.of(sql, instanceIDs: [instanceID])[instanceID] ?? []
        let sgNetworks = try await SecurityGroupRepository.securityGroupNetworks(sql, networkIDs: nics.map(\.networkID))
        let candidates = nics.filter { sgNetworks.contains($0.networkID) }.sorted { $0.deviceID < $1.deviceID }
        guard let nic = candidates.first(where: \.isDefault) ?? candidates.first else { return nil }
        let groups = try await SecurityGroupRepository.groups(sql, instanceIDs: [instanceID])[instanceID] ?? []
        guard !groups.isEmpty else { return nil }
        let rules = try await SecurityGroupRepository.rules(sql, groupIDs: groups.map(\.id)).values.flatMap { $0 }
        let referenced = Array(Set(rules.compactMap(\.allowedGroupID)))
        let addresses = try await SecurityGroupRepository.runningMemberAddresses(sql, groupIDs: referenced)
        let compiled = compile(rules: rules, memberAddresses: addresses)
        let set = SecurityGroupRuleSet(instanceName: vm.instanceName, instanceUUID: vm.uuid.uuidString.lowercased(), macAddress: nic.macAddress,
                                       ipv4Address: nic.ipv4Address, ipv6Address: nic.ipv6Address, sequence: 0, signature: "",
                                       ingress: compiled.ingress, egress: compiled.egress, egressAllowAll: compiled.egress.isEmpty)
        var signed = set
        signed.signature = signature(set)
        return (signed, hostID)
    }

    /// Merges rules (pure): per direction, one entry per protocol/ports/ICMP match with the
    /// sorted union of its CIDRs; a group reference contributes `<address>/32` for each
    /// running member address in `memberAddresses`. Matches left without any CIDR (a group
    /// with no running member) are dropped.
    public static func compile(rules: [SecurityGroupRule], memberAddresses: [Int64: [String]]) -> (ingress: [SecurityGroupRuleSet.Rule], egress: [SecurityGroupRuleSet.Rule]) {
        struct Key: Hashable { var type: SecurityGroupRuleType; var proto: String; var start: Int?; var end: Int?; var icmpType: Int?; var icmpCode: Int? }
        var merged: [Key: Set<String>] = [:]
        for r in rules {
            let key = Key(type: r.type, proto: r.proto.description, start: r.ports?.start, end: r.ports?.end,
                          icmpType: r.proto.isICMP ? r.icmpType : nil, icmpCode: r.proto.isICMP ? r.icmpCode : nil)
            var cidrs = merged[key] ?? []
            if let cidr = r.cidr { cidrs.insert(cidr) }
            if let g = r.allowedGroupID {
                for ip in memberAddresses[g] ?? [] { cidrs.insert(ip.contains(":") ? "\(ip)/128" : "\(ip)/32") }
            }
            merged[key] = cidrs
        }
        func direction(_ type: SecurityGroupRuleType) -> [SecurityGroupRuleSet.Rule] {
            merged.filter { $0.key.type == type && !$0.value.isEmpty }.map { key, cidrs in
                SecurityGroupRuleSet.Rule(proto: key.proto, startPort: key.start, endPort: key.end, icmpType: key.icmpType, icmpCode: key.icmpCode,
                                          cidrs: cidrs.sorted(by: cidrOrder))
            }.sorted()
        }
        return (direction(.ingress), direction(.egress))
    }

    /// IPv4 CIDRs by address then prefix length, before IPv6 ones in text order.
    static func cidrOrder(_ a: String, _ b: String) -> Bool {
        switch (IPv4CIDR(a), IPv4CIDR(b)) {
        case let (x?, y?): return (x.network.value, x.prefixLength) < (y.network.value, y.prefixLength)
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a < b
        }
    }

    /// SHA-256 over the set's content without its sequence and signature: equal rule sets for
    /// the same NIC have equal signatures.
    static func signature(_ set: SecurityGroupRuleSet) -> String {
        var unsigned = set
        unsigned.sequence = 0
        unsigned.signature = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(unsigned)) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
