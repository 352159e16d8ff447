import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// What `createLoadBalancerRule` asks for.
public struct LoadBalancerRequest: Sendable {
    public var name: String
    public var description: String?
    public var algorithm: String
    public var publicIPID: UUID?
    public var networkID: UUID?
    public var publicPort: Int
    public var privatePort: Int
    public var proto: String?
    public var cidrList: [String]?
    public var openFirewall: Bool
    public var display: Bool

    public init(name: String, algorithm: String, publicPort: Int, privatePort: Int) {
        self.name = name
        self.algorithm = algorithm
        self.publicPort = publicPort
        self.privatePort = privatePort
        self.openFirewall = true
        self.display = true
    }
}

/// What `createLBHealthCheckPolicy` asks for.
public struct HealthCheckRequest: Sendable {
    public var pingPath: String?
    public var description: String?
    public var responseTimeout: Int?
    public var interval: Int?
    public var healthyThreshold: Int?
    public var unhealthyThreshold: Int?
    public var display: Bool

    public init() { display = true }
}

/// An instance behind a load-balancing rule, with the addresses it is a member by.
public struct LBMemberView: Sendable {
    public var instanceID: Int64
    public var instanceUUID: UUID
    public var addresses: [String]
}

extension PublicIPService {
    static func parseAlgorithm(_ text: String) throws -> LBAlgorithm {
        guard let a = LBAlgorithm(rawValue: text.lowercased()) else {
            throw CloudError.invalidParameter("Invalid algorithm \(text): use roundrobin, leastconn or source")
        }
        return a
    }

    static func parseLBProtocol(_ text: String?) throws -> LBProtocol {
        guard let text else { return .tcp }
        guard let p = LBProtocol(rawValue: text.lowercased()) else {
            throw CloudError.invalidParameter("Invalid protocol \(text) for a load-balancing rule: use tcp, udp or tcp-proxy")
        }
        return p
    }

    static func ownedLoadBalancer(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> LoadBalancerRule {
        guard let lb = try await LoadBalancerRepository.find(sql, uuid: id) else {
            throw CloudError.invalidParameter("Unable to find load balancer rule with id \(id.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: lb.rule.accountID, domainID: lb.rule.domainID, resource: "load balancer rule \(lb.name)")
        return lb
    }

    /// A load-balancing rule the caller may operate on, for job plans.
    public func loadBalancer(caller: Caller, id: UUID) async throws -> LoadBalancerRule {
        try await db.read { try await Self.ownedLoadBalancer($0, caller: caller, id: id) }
    }

    /// `createLoadBalancerRule`: a public port of an associated address balanced over
    /// members' private port; conflicts with other rules on the address are refused.
    public func createLoadBalancer(caller: Caller, _ r: LoadBalancerRequest) async throws -> LoadBalancerView {
        let algorithm = try Self.parseAlgorithm(r.algorithm)
        let lbProtocol = try Self.parseLBProtocol(r.proto)
        let publicPort = try PortRange(start: r.publicPort, startName: "publicport")
        _ = try PortRange(start: r.privatePort, startName: "privateport")
        let name = r.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 255 else { throw CloudError.invalidParameter("A load balancer rule needs a name of 1 to 255 characters") }
        let cidrs = try RuleCIDRs.parse(r.cidrList, parameter: "cidrlist")
        guard let ipID = r.publicIPID else {
            throw CloudError.invalidParameter("Unable to create load balancer rule: give publicipid, an address associated with the network (associateIpAddress)")
        }
        return try await db.transaction { sql in
            let ip = try await Self.ownedAddress(sql, caller: caller, id: ipID)
            try await PublicIPRepository.lockForRules(sql, id: ip.id)
            let n = try await Self.network(of: ip, sql, forWhat: "load balancer rule", tier: r.networkID)
            if let networkID = r.networkID, networkID != n.uuid {
                throw CloudError.invalidParameter("IP address \(ip.address) is associated with network \(n.name), not with network \(networkID.uuidString.lowercased())")
            }
            _ = try await Self.requireService(sql, .lb, network: n)
            var lb = LoadBalancerRule(rule: FirewallRule(purpose: .loadBalancing, proto: lbProtocol == .udp ? .udp : .tcp, ports: publicPort, ipAddressID: ip.id,
                                                         networkID: n.id, accountID: ip.accountID ?? n.accountID, domainID: ip.domainID ?? n.domainID,
                                                         state: .add, sourceCIDRs: cidrs, display: r.display),
                                      name: name, description: r.description, algorithm: algorithm, privatePort: r.privatePort, lbProtocol: lbProtocol)
            try RuleConflicts.check(lb.rule, against: try await Self.rulesForConflicts(sql, ip: ip), addressText: ip.address)
            lb = try await LoadBalancerRepository.insert(sql, lb)
            if r.openFirewall { try await self.openFirewall(sql, for: lb.rule) }
            return try await self.loadBalancerViews(sql, [lb])[0]
        }
    }

    /// Applies a load-balancing rule `createLoadBalancerRule` made (see ``activateRule(caller:id:)``).
    public func activateLoadBalancer(caller: Caller, id: UUID) async throws -> LoadBalancerView {
        _ = try await activateRule(caller: caller, id: id)
        return try await db.read { sql in
            guard let lb = try await LoadBalancerRepository.find(sql, uuid: id) else { throw CloudError.internalError() }
            return try await self.loadBalancerViews(sql, [lb])[0]
        }
    }

    /// `updateLoadBalancerRule`: name, description, algorithm, protocol, display.
    public func updateLoadBalancer(caller: Caller, id: UUID, name: String?, description: String?, algorithm: String?, proto: String?, display: Bool?) async throws -> LoadBalancerView {
        let algorithm = try algorithm.map(Self.parseAlgorithm)
        let lbProtocol = try proto.map { try Self.parseLBProtocol($0) }
        return try await db.transaction { sql in
            var lb = try await Self.ownedLoadBalancer(sql, caller: caller, id: id)
            if let name {
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { throw CloudError.invalidParameter("A load balancer rule needs a non-empty name") }
                lb.name = trimmed
            }
            if let description { lb.description = description }
            if let algorithm { lb.algorithm = algorithm }
            if let lbProtocol {
                guard (lbProtocol == .udp) == (lb.lbProtocol == .udp) else {
                    throw CloudError.invalidParameter("The protocol of load balancer rule \(lb.name) can change between tcp and tcp-proxy only")
                }
                lb.lbProtocol = lbProtocol
            }
            if let display { lb.rule.display = display }
            try await LoadBalancerRepository.update(sql, lb)
            try await RouterRepository.bumpGeneration(sql, networkID: lb.rule.networkID)
            return try await self.loadBalancerViews(sql, [lb])[0]
        }
    }

    /// `deleteLoadBalancerRule`: with its members, policies and the firewall rule it opened.
    public func deleteLoadBalancer(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let lb = try await Self.ownedLoadBalancer(sql, caller: caller, id: id)
            if let ip = lb.rule.ipAddressID {
                for related in try await FirewallRuleRepository.on(sql, ipAddressID: ip) where related.relatedRuleID == lb.rule.id {
                    try await FirewallRuleRepository.delete(sql, id: related.id)
                }
            }
            try await FirewallRuleRepository.delete(sql, id: lb.rule.id)
            try await RouterRepository.bumpGeneration(sql, networkID: lb.rule.networkID)
        }
    }

    /// The members `assignToLoadBalancerRule` / `removeFromLoadBalancerRule` name: each
    /// instance by its primary address on the rule's network, or by the addresses
    /// `vmidipmap` gives (primary or secondary).
    static func members(_ sql: any SQLDatabase, caller: Caller, lb: LoadBalancerRule, network n: Network, vmIDs: [UUID],
                        vmIPs: [(vm: UUID, ip: String)]) async throws -> [LoadBalancerMember] {
        guard !vmIDs.isEmpty || !vmIPs.isEmpty else {
            throw CloudError.invalidParameter("Give virtualmachineids or vmidipmap")
        }
        var out: [LoadBalancerMember] = []
        for vm in vmIDs {
            let t = try await target(sql, caller: caller, vmID: vm, network: n, accountID: lb.rule.accountID, guestIP: nil, forWhat: "load balancer member")
            out.append(LoadBalancerMember(ruleID: lb.rule.id, instanceID: t.vm.id, guestIP: t.ip))
        }
        for pair in vmIPs {
            guard IPv4Address(pair.ip) != nil else { throw CloudError.invalidParameter("Invalid vmidipmap address \(pair.ip)") }
            let t = try await target(sql, caller: caller, vmID: pair.vm, network: n, accountID: lb.rule.accountID, guestIP: pair.ip, forWhat: "load balancer member")
            out.append(LoadBalancerMember(ruleID: lb.rule.id, instanceID: t.vm.id, guestIP: t.ip))
        }
        return Array(Set(out))
    }

    /// `assignToLoadBalancerRule`.
    public func assign(caller: Caller, ruleID: UUID, vmIDs: [UUID], vmIPs: [(vm: UUID, ip: String)]) async throws {
        try await db.transaction { sql in
            let lb = try await Self.ownedLoadBalancer(sql, caller: caller, id: ruleID)
            guard let n = try await NetworkRepository.find(sql, id: lb.rule.networkID) else { throw CloudError.internalError() }
            let wanted = try await Self.members(sql, caller: caller, lb: lb, network: n, vmIDs: vmIDs, vmIPs: vmIPs)
            let existing = Set(try await LoadBalancerRepository.members(sql, ruleIDs: [lb.rule.id]))
            for m in wanted {
                if existing.contains(m) {
                    throw CloudError.invalidParameter("Address \(m.guestIP) is already assigned to load balancer rule \(lb.name)")
                }
                try await LoadBalancerRepository.addMember(sql, m)
            }
            try await RouterRepository.bumpGeneration(sql, networkID: n.id)
        }
    }

    /// `removeFromLoadBalancerRule`.
    public func unassign(caller: Caller, ruleID: UUID, vmIDs: [UUID], vmIPs: [(vm: UUID, ip: String)]) async throws {
        try await db.transaction { sql in
            let lb = try await Self.ownedLoadBalancer(sql, caller: caller, id: ruleID)
            guard let n = try await NetworkRepository.find(sql, id: lb.rule.networkID) else { throw CloudError.internalError() }
            let existing = try await LoadBalancerRepository.members(sql, ruleIDs: [lb.rule.id])
            var toRemove: [LoadBalancerMember] = []
            for vm in vmIDs {
                guard let instance = try await VirtualMachineRepository.find(sql, uuid: vm), existing.contains(where: { $0.instanceID == instance.id }) else {
                    throw CloudError.invalidParameter("Instance \(vm.uuidString.lowercased()) is not assigned to load balancer rule \(lb.name)")
                }
                toRemove += existing.filter { $0.instanceID == instance.id }
            }
            for pair in vmIPs {
                guard let instance = try await VirtualMachineRepository.find(sql, uuid: pair.vm),
                      let m = existing.first(where: { $0.instanceID == instance.id && $0.guestIP == pair.ip }) else {
                    throw CloudError.invalidParameter("Address \(pair.ip) of instance \(pair.vm.uuidString.lowercased()) is not assigned to load balancer rule \(lb.name)")
                }
                toRemove.append(m)
            }
            for m in Set(toRemove) { try await LoadBalancerRepository.removeMember(sql, m) }
            try await RouterRepository.bumpGeneration(sql, networkID: n.id)
        }
    }

    /// Load-balancing rules in the caller's scope.
    public func listLoadBalancers(caller: Caller, scope: ListScope, id: UUID?, name: String?, ipID: UUID?, vmID: UUID?, zoneID: UUID?, networkID: UUID?,
                                  display: Bool?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<LoadBalancerView> {
        try await db.read { sql in
            var f = LoadBalancerRepository.Filter()
            f.scope = scope; f.name = name; f.display = display; f.keyword = keyword
            let empty = Listing<LoadBalancerView>(items: [], total: 0)
            if let id { guard let r = try await FirewallRuleRepository.find(sql, uuid: id) else { return empty }; f.id = r.id }
            if let ipID { guard let ip = try await PublicIPRepository.find(sql, uuid: ipID) else { return empty }; f.ipAddressID = ip.id }
            if let vmID { guard let vm = try await VirtualMachineRepository.find(sql, uuid: vmID) else { return empty }; f.instanceID = vm.id }
            if let zoneID { guard let z = try await ZoneRepository.find(sql, uuid: zoneID) else { return empty }; f.zoneID = z.id }
            if let networkID { guard let n = try await NetworkRepository.find(sql, uuid: networkID) else { return empty }; f.networkID = n.id }
            let listing = try await LoadBalancerRepository.list(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await self.loadBalancerViews(sql, listing.items), total: listing.total)
        }
    }

    /// `listLoadBalancerRuleInstances`: the members (`applied`, the default) or the
    /// instances of the rule's network that could still be assigned.
    public func ruleInstances(caller: Caller, ruleID: UUID, applied: Bool) async throws -> [LBMemberView] {
        try await db.read { sql in
            let lb = try await Self.ownedLoadBalancer(sql, caller: caller, id: ruleID)
            let members = try await LoadBalancerRepository.members(sql, ruleIDs: [lb.rule.id])
            var out: [LBMemberView] = []
            if applied {
                for (instanceID, group) in Dictionary(grouping: members, by: \.instanceID).sorted(by: { $0.key < $1.key }) {
                    guard let vm = try await VirtualMachineRepository.find(sql, id: instanceID) else { continue }
                    out.append(LBMemberView(instanceID: vm.id, instanceUUID: vm.uuid, addresses: group.map(\.guestIP).sorted()))
                }
            } else {
                let assigned = Set(members.map(\.instanceID))
                for nic in try await NicRepository.on(sql, networkID: lb.rule.networkID, ownerType: .user) where !assigned.contains(nic.instanceID) {
                    guard let vm = try await VirtualMachineRepository.find(sql, id: nic.instanceID), vm.accountID == lb.rule.accountID,
                          vm.state != .destroyed, vm.state != .expunging else { continue }
                    out.append(LBMemberView(instanceID: vm.id, instanceUUID: vm.uuid, addresses: nic.ipv4Address.map { [$0] } ?? []))
                }
            }
            return out
        }
    }

    // MARK: - Policies

    /// `createLBStickinessPolicy`: one per rule; the method's parameters are checked.
    public func createStickinessPolicy(caller: Caller, ruleID: UUID, name: String, method: String, params: [String: String], description: String?,
                                       display: Bool) async throws -> LBPoliciesView {
        guard let m = LBStickinessMethod.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(method) == .orderedSame }) else {
            throw CloudError.invalidParameter("Failed to create Stickiness policy: method \(method) is not supported; use LbCookie, AppCookie or SourceBased")
        }
        var normalised: [String: String] = [:]
        for (key, value) in params {
            let k = key.lowercased()
            guard m.acceptedParameters.contains(k) else {
                throw CloudError.invalidParameter("Failed to create Stickiness policy: parameter \(key) is not supported by method \(m.rawValue); accepted: \(m.acceptedParameters.sorted().joined(separator: ", "))")
            }
            if ["length", "holdtime", "tablesize"].contains(k) || k == "expire" {
                let digits = k == "expire" || k == "holdtime" ? value.trimmingCharacters(in: CharacterSet(charactersIn: "smhd")) : value
                let trimmed = k == "tablesize" ? digits.trimmingCharacters(in: CharacterSet(charactersIn: "kmgKMG")) : digits
                guard let n = Int(trimmed), n > 0 else {
                    throw CloudError.invalidParameter("Failed to create Stickiness policy: parameter \(key) needs a positive number, not \(value)")
                }
            }
            normalised[k] = value
        }
        if m == .appCookie && normalised["cookie-name"] == nil {
            throw CloudError.invalidParameter("Failed to create Stickiness policy: AppCookie needs the cookie-name parameter")
        }
        let trimmedName = name.trimmingCharacters(in: .whitespaces)
        guard !trimmedName.isEmpty else { throw CloudError.invalidParameter("A stickiness policy needs a name") }
        let params = normalised
        return try await db.transaction { sql in
            let lb = try await Self.ownedLoadBalancer(sql, caller: caller, id: ruleID)
            guard try await LoadBalancerRepository.policies(sql, ruleIDs: [lb.rule.id], kind: .stickiness).isEmpty else {
                throw CloudError.invalidParameter("Failed to create Stickiness policy: Already policy attached for the LB rule \(lb.name)")
            }
            _ = try await LoadBalancerRepository.insert(sql, LBPolicy(ruleID: lb.rule.id, kind: .stickiness, name: trimmedName, method: m, params: params,
                                                                     description: description, display: display))
            try await RouterRepository.bumpGeneration(sql, networkID: lb.rule.networkID)
            return LBPoliciesView(rule: try await self.loadBalancerViews(sql, [lb])[0],
                                  policies: try await LoadBalancerRepository.policies(sql, ruleIDs: [lb.rule.id], kind: .stickiness))
        }
    }

    /// `createLBHealthCheckPolicy`: one per rule; the router's haproxy probes members.
    public func createHealthCheckPolicy(caller: Caller, ruleID: UUID, _ r: HealthCheckRequest) async throws -> LBPoliciesView {
        let timeout = r.responseTimeout ?? 2, interval = r.interval ?? 5
        let healthy = r.healthyThreshold ?? 2, unhealthy = r.unhealthyThreshold ?? 1
        guard (1...60).contains(timeout) else { throw CloudError.invalidParameter("Invalid responsetimeout \(timeout): use 1 to 60 seconds") }
        guard (1...600).contains(interval) else { throw CloudError.invalidParameter("Invalid intervaltime \(interval): use 1 to 600 seconds") }
        guard interval > timeout else {
            throw CloudError.invalidParameter("Failed to create HealthCheck policy: intervaltime (\(interval)) must be greater than responsetimeout (\(timeout))")
        }
        for (name, v) in [("healthythreshold", healthy), ("unhealthythreshold", unhealthy)] where !(1...10).contains(v) {
            throw CloudError.invalidParameter("Invalid \(name) \(v): use 1 to 10")
        }
        let path = r.pingPath ?? "/"
        guard path.hasPrefix("/"), !path.contains(" ") else { throw CloudError.invalidParameter("Invalid pingpath \(path): it must start with / and have no spaces") }
        return try await db.transaction { sql in
            let lb = try await Self.ownedLoadBalancer(sql, caller: caller, id: ruleID)
            guard try await LoadBalancerRepository.policies(sql, ruleIDs: [lb.rule.id], kind: .healthCheck).isEmpty else {
                throw CloudError.invalidParameter("Failed to create HealthCheck policy: Already policy attached for the LB rule \(lb.name)")
            }
            _ = try await LoadBalancerRepository.insert(sql, LBPolicy(ruleID: lb.rule.id, kind: .healthCheck, description: r.description, pingPath: path,
                                                                     responseTimeout: timeout, interval: interval, healthyThreshold: healthy,
                                                                     unhealthyThreshold: unhealthy, display: r.display))
            try await RouterRepository.bumpGeneration(sql, networkID: lb.rule.networkID)
            return LBPoliciesView(rule: try await self.loadBalancerViews(sql, [lb])[0],
                                  policies: try await LoadBalancerRepository.policies(sql, ruleIDs: [lb.rule.id], kind: .healthCheck))
        }
    }

    /// The policy with `id` and its rule, checked for the caller.
    static func ownedPolicy(_ sql: any SQLDatabase, caller: Caller, id: UUID, kind: LBPolicy.Kind) async throws -> (LBPolicy, LoadBalancerRule) {
        guard let p = try await LoadBalancerRepository.policy(sql, uuid: id), p.kind == kind, let lb = try await LoadBalancerRepository.find(sql, id: p.ruleID) else {
            throw CloudError.invalidParameter("Unable to find \(kind == .stickiness ? "stickiness" : "health check") policy with id \(id.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: lb.rule.accountID, domainID: lb.rule.domainID, resource: "load balancer rule \(lb.name)")
        return (p, lb)
    }

    /// The rule a policy belongs to, for job plans.
    public func policyRule(caller: Caller, id: UUID, kind: LBPolicy.Kind) async throws -> LoadBalancerRule {
        try await db.read { try await Self.ownedPolicy($0, caller: caller, id: id, kind: kind).1 }
    }

    public func deletePolicy(caller: Caller, id: UUID, kind: LBPolicy.Kind) async throws {
        try await db.transaction { sql in
            let (p, lb) = try await Self.ownedPolicy(sql, caller: caller, id: id, kind: kind)
            try await LoadBalancerRepository.deletePolicy(sql, id: p.id)
            try await RouterRepository.bumpGeneration(sql, networkID: lb.rule.networkID)
        }
    }

    public func updatePolicy(caller: Caller, id: UUID, kind: LBPolicy.Kind, display: Bool?) async throws -> LBPoliciesView {
        try await db.transaction { sql in
            let (p, lb) = try await Self.ownedPolicy(sql, caller: caller, id: id, kind: kind)
            if let display { try await LoadBalancerRepository.setPolicyDisplay(sql, id: p.id, display: display) }
            return LBPoliciesView(rule: try await self.loadBalancerViews(sql, [lb])[0],
                                  policies: try await LoadBalancerRepository.policies(sql, ruleIDs: [lb.rule.id], kind: kind))
        }
    }

    /// Policies of rules in the caller's scope: by rule (`lbruleid`) or by policy (`id`).
    public func listPolicies(caller: Caller, kind: LBPolicy.Kind, ruleID: UUID?, policyID: UUID?, display: Bool?) async throws -> [LBPoliciesView] {
        try await db.read { sql in
            let lb: LoadBalancerRule
            if let policyID {
                lb = try await Self.ownedPolicy(sql, caller: caller, id: policyID, kind: kind).1
            } else if let ruleID {
                lb = try await Self.ownedLoadBalancer(sql, caller: caller, id: ruleID)
            } else {
                throw CloudError.invalidParameter("Give lbruleid or id")
            }
            var policies = try await LoadBalancerRepository.policies(sql, ruleIDs: [lb.rule.id], kind: kind)
            if let policyID { policies = policies.filter { $0.uuid == policyID } }
            if let display { policies = policies.filter { $0.display == display } }
            return [LBPoliciesView(rule: try await self.loadBalancerViews(sql, [lb])[0], policies: policies)]
        }
    }
}
