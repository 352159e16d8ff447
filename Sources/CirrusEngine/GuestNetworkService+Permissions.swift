import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// An account granted the use of a network, as `listNetworkPermissions` shows it.
public struct NetworkPermissionView: Sendable {
    public var networkUUID: UUID
    public var account: Account
    public var domain: Domain?
}

extension GuestNetworkService {
    /// The network whose grants the caller administers: a network of one account (Isolated,
    /// L2, or a Shared network with account scope), not a VPC tier, administered by its owner
    /// or an admin over the owner's domain (CloudStack 4.17's rules and texts).
    static func grantable(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> Network {
        guard let n = try await NetworkRepository.find(sql, uuid: id) else { throw notFound(id) }
        try await Ownership.checkAccess(sql, caller: caller, accountID: n.accountID, domainID: n.domainID, resource: "network \(n.name)")
        guard n.aclType == .account else {
            throw CloudError.invalidParameter("Network \(n.name) is already shared in its domain; permissions are granted on networks of one account")
        }
        guard n.vpcID == nil else { throw CloudError.invalidParameter("VPC tiers cannot be shared: \(n.name) is a tier of a VPC") }
        return n
    }

    /// The accounts named by `accountids` and `accounts`: live accounts of the network owner's
    /// domain (CloudStack looks them up in that domain only). The owner itself is left out, as
    /// CloudStack does: it uses its network anyway.
    static func grantees(_ sql: any SQLDatabase, network n: Network, accountIDs: [UUID], accountNames: [String], projectIDs: [UUID]) async throws -> [Account] {
        guard projectIDs.isEmpty else { throw CloudError.invalidParameter("Projects are not supported yet; give accounts or accountids") }
        guard !accountIDs.isEmpty || !accountNames.isEmpty else { throw CloudError.invalidParameter("Give accounts or accountids") }
        var out: [Account] = []
        for id in accountIDs {
            guard let a = try await AccountRepository.find(sql, uuid: id) else {
                throw CloudError.invalidParameter("Unable to find account with id \(id.uuidString.lowercased())")
            }
            out.append(a)
        }
        for name in accountNames {
            guard let a = try await AccountRepository.find(sql, name: name, domainID: n.domainID) else {
                throw CloudError.invalidParameter("Unable to find account \(name) in the domain of network \(n.name)")
            }
            out.append(a)
        }
        for a in out {
            guard a.domainID == n.domainID else {
                throw CloudError.invalidParameter("Account \(a.name) is not in the domain of network \(n.name)'s owner; permissions are granted within that domain")
            }
        }
        var seen = Set<Int64>()
        return out.filter { $0.id != n.accountID && seen.insert($0.id).inserted }
    }

    /// `createNetworkPermissions`: the accounts may deploy into and add NICs on the network.
    public func grant(caller: Caller, networkID: UUID, accountIDs: [UUID], accountNames: [String], projectIDs: [UUID]) async throws {
        try await db.transaction { sql in
            let n = try await Self.grantable(sql, caller: caller, id: networkID)
            let accounts = try await Self.grantees(sql, network: n, accountIDs: accountIDs, accountNames: accountNames, projectIDs: projectIDs)
            guard !accounts.isEmpty else { return }
            try await NetworkPermissionRepository.add(sql, networkID: n.id, accountIDs: accounts.map(\.id), at: Date())
            try await self.events.record(sql, type: EventType.networkPermissionsCreate, state: .completed,
                                         description: "Granted network \(n.name) to \(accounts.map(\.name).joined(separator: ", "))",
                                         userID: caller.user.id, accountID: n.accountID, domainID: n.domainID, resource: Self.resource(n))
        }
    }

    /// `removeNetworkPermissions`: refused for an account that still has NICs on the network
    /// (Cirrus keeps "every NIC's owner may use its network" true; CloudStack 4.19 does not
    /// check). An account without a grant is accepted and left as it is, as in CloudStack.
    public func revoke(caller: Caller, networkID: UUID, accountIDs: [UUID], accountNames: [String], projectIDs: [UUID]) async throws {
        try await db.transaction { sql in
            let n = try await Self.grantable(sql, caller: caller, id: networkID)
            let accounts = try await Self.grantees(sql, network: n, accountIDs: accountIDs, accountNames: accountNames, projectIDs: projectIDs)
            try await NetworkRepository.lockForRules(sql, id: n.id)
            let granted = Set(try await NetworkPermissionRepository.accounts(sql, networkID: n.id))
            for a in accounts where granted.contains(a.id) {
                try await Self.checkNoNics(sql, network: n, account: a)
            }
            try await NetworkPermissionRepository.remove(sql, networkID: n.id, accountIDs: accounts.map(\.id))
            try await self.events.record(sql, type: EventType.networkPermissionsRemove, state: .completed,
                                         description: "Removed the permissions of \(accounts.map(\.name).joined(separator: ", ")) on network \(n.name)",
                                         userID: caller.user.id, accountID: n.accountID, domainID: n.domainID, resource: Self.resource(n))
        }
    }

    /// `resetNetworkPermissions`: every grant goes, unless a granted account still has NICs on it.
    public func resetGrants(caller: Caller, networkID: UUID) async throws {
        try await db.transaction { sql in
            let n = try await Self.grantable(sql, caller: caller, id: networkID)
            try await NetworkRepository.lockForRules(sql, id: n.id)
            for id in try await NetworkPermissionRepository.accounts(sql, networkID: n.id) {
                if let a = try await AccountRepository.find(sql, id: id) { try await Self.checkNoNics(sql, network: n, account: a) }
            }
            try await NetworkPermissionRepository.removeAll(sql, networkID: n.id)
            try await self.events.record(sql, type: EventType.networkPermissionsReset, state: .completed, description: "Reset the permissions of network \(n.name)",
                                         userID: caller.user.id, accountID: n.accountID, domainID: n.domainID, resource: Self.resource(n))
        }
    }

    static func checkNoNics(_ sql: any SQLDatabase, network n: Network, account a: Account) async throws {
        let count = try await NicRepository.userNicCount(sql, networkID: n.id, accountID: a.id)
        guard count == 0 else {
            throw CloudError(.resourceInUse, "Cannot remove the permission of account \(a.name) on network \(n.name): its instances still have \(count) NIC(s) on it",
                             csCode: .resourceInUse)
        }
    }

    /// `listNetworkPermissions`: the granted accounts (owner and its admins only; a network
    /// that can't have grants lists none).
    public func grants(caller: Caller, networkID: UUID) async throws -> [NetworkPermissionView] {
        try await db.read { sql in
            guard let n = try await NetworkRepository.find(sql, uuid: networkID) else { throw Self.notFound(networkID) }
            try await Ownership.checkAccess(sql, caller: caller, accountID: n.accountID, domainID: n.domainID, resource: "network \(n.name)")
            let accounts = try await AccountRepository.find(sql, ids: Set(try await NetworkPermissionRepository.accounts(sql, networkID: n.id)))
            let domains = try await DomainRepository.find(sql, ids: Set(accounts.values.map(\.domainID)))
            return accounts.values.sorted { $0.name < $1.name }.map { NetworkPermissionView(networkUUID: n.uuid, account: $0, domain: domains[$0.domainID]) }
        }
    }
}
