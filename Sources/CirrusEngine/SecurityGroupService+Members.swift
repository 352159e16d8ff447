import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// Memberships and accounts: what the deploy, account creation and account deletion call,
/// inside their own transactions.
extension SecurityGroupService {
    /// The account's `default` group, created (with no rules: nothing comes in, everything
    /// goes out) when it is missing. CloudStack creates it with the account.
    @discardableResult
    public static func ensureDefaultGroup(_ sql: any SQLDatabase, account: Account) async throws -> SecurityGroup {
        if let g = try await SecurityGroupRepository.find(sql, accountID: account.id, name: SecurityGroup.defaultName) { return g }
        return try await SecurityGroupRepository.insert(sql, SecurityGroup(name: SecurityGroup.defaultName, description: SecurityGroup.defaultDescription,
                                                                           accountID: account.id, domainID: account.domainID))
    }

    /// Removes every group of a deleted account with its rules and memberships, and the rules
    /// of other accounts' groups that admitted them.
    public static func removeAccountGroups(_ sql: any SQLDatabase, accountID: Int64, at date: Date) async throws {
        for g in try await SecurityGroupRepository.of(sql, accountID: accountID) {
            try await SecurityGroupRepository.markRemoved(sql, id: g.id, at: date)
            try await TagRepository.deleteAll(sql, type: .securityGroup, resourceID: g.id)
        }
    }

    /// The networks a deploy uses: those it names; in a zone with security groups that names
    /// none, the first security-group network the owner may use (CloudStack picks one with
    /// free addresses; a full one fails later with the usual exhaustion error).
    static func networkIDsForDeploy(_ sql: any SQLDatabase, zone: Zone, owner: Account, requested: [UUID]) async throws -> [UUID] {
        guard requested.isEmpty, zone.securityGroupEnabled else { return requested }
        for id in try await SecurityGroupRepository.securityGroupNetworks(sql, zoneID: zone.id) {
            guard let n = try await NetworkRepository.find(sql, id: id) else { continue }
            if try await GuestNetworkService.mayUse(sql, network: n, account: owner) { return [n.uuid] }
        }
        throw CloudError.invalidParameter("No network with security enabled is found in zone id=\(zone.uuid.uuidString.lowercased())")
    }

    /// The groups a deploy puts the instance in: those named by id or by name (not both; all
    /// the owner's), or else the owner's `default` group when `defaultAdding`. Outside zones
    /// with security groups naming groups is refused; in such zones every network but L2
    /// ones must have the SecurityGroup service. No groups when no network has it.
    public static func resolveForDeploy(_ sql: any SQLDatabase, zone: Zone, networks: [Network], ids: [UUID], names: [String], owner: Account,
                                        defaultAdding: Bool) async throws -> [SecurityGroup] {
        let names = names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if !ids.isEmpty && !names.isEmpty {
            throw CloudError.invalidParameter("securitygroupids parameter is mutually exclusive with securitygroupnames parameter")
        }
        let sgNetworks = try await SecurityGroupRepository.securityGroupNetworks(sql, networkIDs: networks.map(\.id))
        guard zone.securityGroupEnabled || !sgNetworks.isEmpty else {
            if !ids.isEmpty || !names.isEmpty {
                throw CloudError.invalidParameter("Can't create vm with security groups; security group feature is not enabled per zone")
            }
            return []
        }
        for n in networks where n.guestType != .l2 && !sgNetworks.contains(n.id) {
            throw CloudError.invalidParameter("Network is not security group enabled: \(n.uuid.uuidString.lowercased())")
        }
        guard !sgNetworks.isEmpty else {
            if !ids.isEmpty || !names.isEmpty {
                throw CloudError.invalidParameter("Can't create vm with security groups; none of its networks has the SecurityGroup service")
            }
            return []
        }
        var out: [SecurityGroup] = []
        for id in ids {
            guard let g = try await SecurityGroupRepository.find(sql, uuid: id) else {
                throw CloudError.invalidParameter("Unable to find security group by id \(id.uuidString.lowercased())")
            }
            guard g.accountID == owner.id else {
                throw CloudError.permissionDenied("Security group \(g.name) does not belong to the VM's account")
            }
            if !out.contains(where: { $0.id == g.id }) { out.append(g) }
        }
        for name in names {
            guard let g = try await SecurityGroupRepository.find(sql, accountID: owner.id, name: name) else {
                throw CloudError.invalidParameter("Unable to find group by name \(name)")
            }
            if !out.contains(where: { $0.id == g.id }) { out.append(g) }
        }
        if out.isEmpty && defaultAdding { out.append(try await ensureDefaultGroup(sql, account: owner)) }
        return out
    }

    /// Makes the instance a member of `groups` (in the deploy's transaction).
    public static func addMembers(_ sql: any SQLDatabase, instanceID: Int64, groups: [SecurityGroup]) async throws {
        try await SecurityGroupRepository.addMembers(sql, instanceID: instanceID, groupIDs: groups.map(\.id))
    }

    /// The groups of several instances, by instance id (for instance responses).
    public static func groups(_ sql: any SQLDatabase, instanceIDs: [Int64]) async throws -> [Int64: [SecurityGroup]] {
        try await SecurityGroupRepository.groups(sql, instanceIDs: instanceIDs)
    }
}
