import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// An affinity group with the names and members a response shows.
public struct AffinityGroupView: Sendable {
    public var group: AffinityGroup
    public var account: Account?
    public var domain: Domain?
    /// UUIDs of the live member instances (`virtualmachineIds`).
    public var instanceUUIDs: [UUID]
}

/// Affinity groups: the commands, and the membership and placement-rule functions the instance
/// core calls during deploy, start, `updateVMAffinityGroup` and expunge.
public final class AffinityGroupService: Sendable {
    let db: any Database
    let events: EventService

    init(db: any Database, events: EventService) {
        self.db = db
        self.events = events
    }

    // MARK: - for the instance core

    /// The groups a deploy (or `updateVMAffinityGroup`) names, by id or by name, all owned by
    /// the instance's account. Ids and names together are refused; an unknown id or name is a
    /// 431; another account's group is a 531 (even for root admins, as in CloudStack).
    public static func resolve(_ sql: any SQLDatabase, ids: [UUID], names: [String], owner accountID: Int64) async throws -> [AffinityGroup] {
        if !ids.isEmpty && !names.isEmpty {
            throw CloudError.invalidParameter("affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter")
        }
        var out: [AffinityGroup] = []
        for id in ids {
            guard let g = try await AffinityGroupRepository.find(sql, uuid: id) else {
                throw CloudError.invalidParameter("Unable to find affinity group by id \(id.uuidString.lowercased())")
            }
            guard g.accountID == accountID else {
                throw CloudError.permissionDenied("Affinity Group \(g.name) does not belong to the VM's account")
            }
            if !out.contains(where: { $0.id == g.id }) { out.append(g) }
        }
        for name in names.map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let g = try await AffinityGroupRepository.find(sql, accountID: accountID, name: name) else {
                throw CloudError.invalidParameter("Unable to find affinity group by name \(name)")
            }
            if !out.contains(where: { $0.id == g.id }) { out.append(g) }
        }
        return out
    }

    /// Makes the instance a member of `groups` (in the deploy's transaction).
    public static func addMembers(_ sql: any SQLDatabase, instanceID: Int64, groups: [AffinityGroup]) async throws {
        try await AffinityGroupRepository.addMembers(sql, instanceID: instanceID, groupIDs: groups.map(\.id))
    }

    /// Takes the instance out of every group (expunge, Error).
    public static func removeAll(_ sql: any SQLDatabase, instanceID: Int64) async throws {
        try await AffinityGroupRepository.removeAll(sql, instanceID: instanceID)
    }

    /// Sets the instance's groups to exactly `groups` (`updateVMAffinityGroup`).
    public static func replace(_ sql: any SQLDatabase, instanceID: Int64, groups: [AffinityGroup]) async throws {
        try await AffinityGroupRepository.removeAll(sql, instanceID: instanceID)
        try await AffinityGroupRepository.addMembers(sql, instanceID: instanceID, groupIDs: groups.map(\.id))
    }

    /// The groups of one instance, oldest first.
    public static func groups(_ sql: any SQLDatabase, instanceID: Int64) async throws -> [AffinityGroup] {
        try await AffinityGroupRepository.groups(sql, instanceID: instanceID)
    }

    /// The groups of several instances, by instance id (for instance listings).
    public static func groups(_ sql: any SQLDatabase, instanceIDs: [Int64]) async throws -> [Int64: [AffinityGroup]] {
        try await AffinityGroupRepository.groups(sql, instanceIDs: instanceIDs)
    }

    /// What the instance's groups demand of the host it starts on, from where the other
    /// members run now (see ``AffinityRules/compute(instanceID:groups:)``).
    public static func placementRules(_ sql: any SQLDatabase, instanceID: Int64) async throws -> AffinityRules {
        let groups = try await AffinityGroupRepository.groups(sql, instanceID: instanceID)
        guard !groups.isEmpty else { return .none }
        let members = try await AffinityGroupRepository.members(sql, groupIDs: groups.map(\.id))
        return AffinityRules.compute(instanceID: instanceID, groups: groups.map { (type: $0.type, members: members[$0.id] ?? []) })
    }

    // MARK: - commands

    /// `listAffinityGroupTypes`: every type a user may create.
    public func types(keyword: String?) -> [AffinityGroupType] {
        AffinityGroupType.listed.filter { t in keyword.map { t.rawValue.localizedCaseInsensitiveContains($0) } ?? true }
    }

    /// The checks of `createAffinityGroup`, made before its job is queued; returns the owner.
    public func checkCreate(caller: Caller, name: String, type: String, accountName: String?, domainID: UUID?) async throws -> (Account, AffinityGroupType) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CloudError.invalidParameter("Unable to create affinity group, the name can't be empty") }
        guard let t = AffinityGroupType(rawValue: type) else {
            throw CloudError.invalidParameter("Unable to create affinity group, invalid affinity group type: \(type). Valid values are \(AffinityGroupType.listed.map(\.rawValue).joined(separator: ","))")
        }
        let owner = try await db.read { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            try await Self.checkFree(sql, name: name, owner: owner)
            return owner
        }
        return (owner, t)
    }

    /// `createAffinityGroup` (in its job; the command's AG.CREATE events surround it).
    public func create(caller: Caller, name: String, type: String, description: String?, accountName: String?, domainID: UUID?) async throws -> AffinityGroupView {
        let (_, t) = try await checkCreate(caller: caller, name: name, type: type, accountName: accountName, domainID: domainID)
        return try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            try await Self.checkFree(sql, name: name, owner: owner)
            let g = try await AffinityGroupRepository.insert(sql, AffinityGroup(name: name, description: description, type: t, accountID: owner.id, domainID: owner.domainID))
            return try await Self.view(sql, g)
        }
    }

    /// Finds the group `deleteAffinityGroup` names (by id, or by name in the owner's account)
    /// and checks the caller may delete it.
    public func find(caller: Caller, id: UUID?, name: String?, accountName: String?, domainID: UUID?) async throws -> AffinityGroup {
        try await db.read { sql in try await Self.find(sql, caller: caller, id: id, name: name, accountName: accountName, domainID: domainID) }
    }

    /// `deleteAffinityGroup` (in its job; AG.DELETE events surround it): the group goes, and its
    /// members leave it.
    public func delete(caller: Caller, id: UUID?, name: String?, accountName: String?, domainID: UUID?) async throws {
        try await db.transaction { sql in
            let g = try await Self.find(sql, caller: caller, id: id, name: name, accountName: accountName, domainID: domainID)
            try await AffinityGroupRepository.delete(sql, id: g.id)
        }
    }

    /// `listAffinityGroups` within `scope`; with `instanceID` the groups of that instance
    /// (which the caller must be allowed to see).
    public func list(caller: Caller, scope: ListScope, id: UUID?, name: String?, type: String?, instanceID: UUID?, keyword: String?,
                     page: (offset: Int, limit: Int?)) async throws -> Listing<AffinityGroupView> {
        var groupType: AffinityGroupType?
        if let type {
            guard let t = AffinityGroupType(rawValue: type) else {
                throw CloudError.invalidParameter("Invalid affinity group type: \(type). Valid values are \(AffinityGroupType.listed.map(\.rawValue).joined(separator: ","))")
            }
            groupType = t
        }
        let wantedType = groupType
        return try await db.read { sql in
            var scope = scope
            var vm: Int64?
            if let instanceID {
                guard let instance = try await AffinityGroupRepository.instance(sql, uuid: instanceID) else {
                    throw CloudError.invalidParameter("Unable to list affinity groups for virtual machine instance \(instanceID.uuidString.lowercased()); instance not found.")
                }
                try await Ownership.checkAccess(sql, caller: caller, accountID: instance.accountID, domainID: instance.domainID,
                                                resource: "instance \(instanceID.uuidString.lowercased())")
                vm = instance.id
                scope = .everything
            }
            var internalID: Int64?
            if let id {
                guard let g = try await AffinityGroupRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                internalID = g.id
            }
            let listing = try await AffinityGroupRepository.list(sql, scope: scope, id: internalID, name: name, type: wantedType, instanceID: vm, keyword: keyword,
                                                                 offset: page.offset, limit: page.limit)
            let accounts = try await AccountRepository.find(sql, ids: Set(listing.items.map(\.accountID)))
            let domains = try await DomainRepository.find(sql, ids: Set(listing.items.map(\.domainID)))
            let members = try await AffinityGroupRepository.memberUUIDs(sql, groupIDs: listing.items.map(\.id))
            return Listing(items: listing.items.map {
                AffinityGroupView(group: $0, account: accounts[$0.accountID], domain: domains[$0.domainID], instanceUUIDs: members[$0.id] ?? [])
            }, total: listing.total)
        }
    }

    // MARK: - helpers

    static func checkFree(_ sql: any SQLDatabase, name: String, owner: Account) async throws {
        if try await AffinityGroupRepository.find(sql, accountID: owner.id, name: name) != nil {
            throw CloudError.invalidParameter("Unable to create affinity group, a group with name \(name) already exists.")
        }
    }

    static func find(_ sql: any SQLDatabase, caller: Caller, id: UUID?, name: String?, accountName: String?, domainID: UUID?) async throws -> AffinityGroup {
        let group: AffinityGroup?
        if let id {
            group = try await AffinityGroupRepository.find(sql, uuid: id)
        } else if let name {
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            group = try await AffinityGroupRepository.find(sql, accountID: owner.id, name: name)
        } else {
            throw CloudError.invalidParameter("Either the affinity group Id or group name must be specified to delete the group")
        }
        guard let group else {
            throw CloudError.invalidParameter("Unable to find affinity group \(id.map { $0.uuidString.lowercased() } ?? name ?? "")")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: group.accountID, domainID: group.domainID, resource: "affinity group \(group.name)")
        return group
    }

    static func view(_ sql: any SQLDatabase, _ g: AffinityGroup) async throws -> AffinityGroupView {
        AffinityGroupView(group: g, account: try await AccountRepository.find(sql, id: g.accountID), domain: try await DomainRepository.find(sql, id: g.domainID),
                          instanceUUIDs: try await AffinityGroupRepository.memberUUIDs(sql, groupIDs: [g.id])[g.id] ?? [])
    }
}
