import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A static NAT mapping as `listIpForwardingRules` shows it.
public struct StaticNatView: Sendable {
    public var ip: VlanIPRangeRepository.Address
    public var networkUUID: UUID?
    public var vmUUID: UUID?
    public var vmName: String?
    public var vmDisplayName: String?
}

extension PublicIPService {
    /// `enableStaticNat`: maps the address one-to-one to an instance's guest address on the
    /// address's network. Refused on source NAT addresses, on addresses with port forwarding
    /// or load-balancing rules, and when the address already maps elsewhere.
    public func enableStaticNat(caller: Caller, ipID: UUID, vmID: UUID, networkID: UUID?, guestIP: String?) async throws {
        try await db.transaction { sql in
            let ip = try await Self.ownedAddress(sql, caller: caller, id: ipID)
            let n = try await Self.network(of: ip, sql, forWhat: "static NAT", tier: networkID)
            if let networkID, networkID != n.uuid {
                throw CloudError.invalidParameter("IP address \(ip.address) is associated with network \(n.name), not with network \(networkID.uuidString.lowercased())")
            }
            _ = try await Self.requireService(sql, .staticNat, network: n)
            guard !ip.sourceNAT else {
                throw CloudError.invalidParameter("Can't enable static NAT: IP address \(ip.address) is a source NAT IP address")
            }
            let target = try await Self.target(sql, caller: caller, vmID: vmID, network: n, accountID: ip.accountID ?? -1, guestIP: guestIP, forWhat: "static NAT")
            if ip.staticNAT {
                if ip.vmID == target.vm.id && ip.vmIP == target.ip { return }
                throw CloudError(.networkRuleConflict, "Failed to enable static NAT for IP address \(ip.address): it is already mapped to another instance; disable it first",
                                 csCode: .networkRuleConflict)
            }
            if let other = try await PublicIPRepository.staticNAT(sql, vmID: target.vm.id).first(where: { $0.vmIP == target.ip }) {
                throw CloudError(.networkRuleConflict, "Failed to enable static NAT for IP address \(ip.address): instance \(target.vm.displayName) address \(target.ip) already has static NAT from \(other.address)",
                                 csCode: .networkRuleConflict)
            }
            let probe = FirewallRule(purpose: .staticNat, proto: .all, ipAddressID: ip.id, networkID: n.id, accountID: ip.accountID ?? 0, domainID: ip.domainID ?? 0)
            try RuleConflicts.check(probe, against: try await Self.rulesForConflicts(sql, ip: ip), addressText: ip.address)
            guard try await PublicIPRepository.setStaticNAT(sql, id: ip.id, vmID: target.vm.id, vmIP: target.ip) else {
                throw CloudError(.internalError, "Static NAT on IP address \(ip.address) changed meanwhile; try again", csCode: .concurrentOperation)
            }
            try await RouterRepository.bumpGeneration(sql, networkID: n.id)
            try await self.recordEvent(sql, caller: caller, type: EventType.staticNatEnable, description: "Enabled static NAT from \(ip.address) to \(target.vm.displayName) (\(target.ip))",
                                       accountID: ip.accountID ?? caller.account.id, domainID: ip.domainID ?? caller.account.domainID,
                                       resourceType: "IpAddress", uuid: ip.uuid, name: ip.address)
        }
    }

    /// `disableStaticNat`.
    public func disableStaticNat(caller: Caller, ipID: UUID) async throws {
        try await db.transaction { sql in
            let ip = try await Self.ownedAddress(sql, caller: caller, id: ipID)
            guard ip.staticNAT else {
                throw CloudError.invalidParameter("Specified IP address \(ip.address) is not associated with any instance by static NAT")
            }
            try await PublicIPRepository.setStaticNAT(sql, id: ip.id, vmID: nil, vmIP: nil)
            if let n = ip.networkID { try await RouterRepository.bumpGeneration(sql, networkID: n) }
        }
    }

    /// Static NAT mappings in the caller's scope (`listIpForwardingRules`).
    public func listStaticNat(caller: Caller, scope: ListScope, id: UUID?, ipID: UUID?, vmID: UUID?, page: (offset: Int, limit: Int?)) async throws -> Listing<StaticNatView> {
        try await db.read { sql in
            var f = PublicIPRepository.Filter()
            f.scope = scope
            f.staticNAT = true
            for wanted in [id, ipID].compactMap({ $0 }) {
                guard let found = try await PublicIPRepository.id(sql, uuid: wanted), f.id == nil || f.id == found else { return Listing(items: [], total: 0) }
                f.id = found
            }
            var listing = try await PublicIPRepository.list(sql, f, offset: 0, limit: nil)
            if let vmID { listing.items = listing.items.filter { $0.vmUUID == vmID } }
            let total = listing.items.count
            let window = listing.items.dropFirst(page.offset).prefix(page.limit ?? Int.max)
            return Listing(items: window.map {
                StaticNatView(ip: $0.address, networkUUID: $0.networkUUID, vmUUID: $0.vmUUID, vmName: $0.vmName, vmDisplayName: $0.vmDisplayName)
            }, total: total)
        }
    }

    // MARK: - Cleanup

    /// Deletes every rule on an address (its release), and the remote access VPN on it.
    static func removeRules(_ sql: any SQLDatabase, ipAddressID: Int64) async throws {
        try await VPNService.removeRemoteAccess(sql, ipAddressID: ipAddressID)
        for rule in try await FirewallRuleRepository.on(sql, ipAddressID: ipAddressID) { try await FirewallRuleRepository.delete(sql, id: rule.id) }
    }

    /// Deletes every rule of a network, its addresses' static NAT and its remote access VPNs
    /// (network deletion).
    public static func removeRules(_ sql: any SQLDatabase, networkID: Int64) async throws {
        try await VPNService.removeRemoteAccess(sql, networkID: networkID)
        for rule in try await FirewallRuleRepository.of(sql, networkID: networkID) { try await FirewallRuleRepository.delete(sql, id: rule.id) }
        for ip in try await PublicIPRepository.of(sql, networkID: networkID) where ip.staticNAT {
            try await PublicIPRepository.setStaticNAT(sql, id: ip.id, vmID: nil, vmIP: nil)
        }
    }

    /// Removes what points at an instance that is going away: its port forwarding rules,
    /// load-balancer memberships and static NAT. Raises the affected networks' generations.
    public static func removeRules(_ sql: any SQLDatabase, instanceID: Int64) async throws {
        var networks = Set<Int64>()
        for pf in try await FirewallRuleRepository.portForwarding(sql, instanceID: instanceID) {
            networks.insert(pf.rule.networkID)
            for related in try await FirewallRuleRepository.of(sql, networkID: pf.rule.networkID) where related.relatedRuleID == pf.rule.id {
                try await FirewallRuleRepository.delete(sql, id: related.id)
            }
            try await FirewallRuleRepository.delete(sql, id: pf.rule.id)
        }
        for ruleID in try await LoadBalancerRepository.removeMembers(sql, instanceID: instanceID) {
            if let rule = try await FirewallRuleRepository.find(sql, id: ruleID) { networks.insert(rule.networkID) }
        }
        for ip in try await PublicIPRepository.staticNAT(sql, vmID: instanceID) {
            try await PublicIPRepository.setStaticNAT(sql, id: ip.id, vmID: nil, vmIP: nil)
            if let n = ip.networkID { networks.insert(n) }
        }
        for n in networks { try await RouterRepository.bumpGeneration(sql, networkID: n) }
    }
}

extension PublicIPService {
    /// What points at an instance's guest address (port forwarding, load-balancer membership,
    /// static NAT), described for an error; nil when nothing does.
    static func rulesTargeting(_ sql: any SQLDatabase, instanceID: Int64, guestIP: String) async throws -> String? {
        if try await FirewallRuleRepository.portForwarding(sql, instanceID: instanceID).contains(where: { $0.guestIP == guestIP }) {
            return "port forwarding rules"
        }
        if let nat = try await PublicIPRepository.staticNAT(sql, vmID: instanceID).first(where: { $0.vmIP == guestIP }) {
            return "static NAT from \(nat.address)"
        }
        if try await LoadBalancerRepository.isMember(sql, instanceID: instanceID, guestIP: guestIP) { return "load balancer rules" }
        return nil
    }
}
