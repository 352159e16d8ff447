import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// A rule with the names its response shows: for a group reference, the allowed group and
/// its account.
public struct SecurityGroupRuleView: Sendable {
    public var rule: SecurityGroupRule
    public var allowedGroup: SecurityGroup?
    public var allowedGroupAccount: Account?
}

/// A security group with what a response shows: owner names, rules, tags, members.
public struct SecurityGroupView: Sendable {
    public var group: SecurityGroup
    public var account: Account?
    public var domain: Domain?
    public var ingress: [SecurityGroupRuleView]
    public var egress: [SecurityGroupRuleView]
    public var tags: [ResourceTag]
    /// UUIDs of the live member instances (`virtualmachineids`).
    public var instanceUUIDs: [UUID]
}

/// What an `authorizeSecurityGroupIngress`/`Egress` request asks for, as parsed by the API.
public struct SecurityGroupAuthorization: Sendable {
    public var groupID: UUID?
    public var groupName: String?
    /// The owner of a group named by `groupName` (admins).
    public var accountName: String?
    public var domainID: UUID?
    public var proto: String?
    public var startPort: Int?
    public var endPort: Int?
    public var icmpType: Int?
    public var icmpCode: Int?
    public var cidrList: [String]?
    /// `usersecuritygrouplist[n].account` / `.group` entries, raw.
    public var groupList: [[String: String]]?

    public init() {}
}

/// Security groups (CloudStack's SecurityGroupManager): the commands, the memberships the
/// deploy makes, each account's `default` group, and the rule sets pushed to hosts (see
/// `SecurityGroupService+Push.swift`).
public final class SecurityGroupService: Sendable {
    let db: any Database
    let events: EventService
    let agents: AgentManager
    let config: ConfigService
    let logger: Logger

    init(db: any Database, events: EventService, agents: AgentManager, config: ConfigService, logger: Logger) {
        self.db = db
        self.events = events
        self.agents = agents
        self.config = config
        self.logger = logger
    }

    // MARK: - create and delete

    /// `createSecurityGroup`: a new empty group of the caller's (or the named) account.
    public func create(caller: Caller, name: String, description: String?, accountName: String?, domainID: UUID?) async throws -> SecurityGroupView {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CloudError.invalidParameter("Security group name cannot be empty") }
        return try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            if try await SecurityGroupRepository.find(sql, accountID: owner.id, name: name) != nil {
                throw CloudError.invalidParameter("Unable to create security group, a group with name \(name) already exists.")
            }
            let g = try await SecurityGroupRepository.insert(sql, SecurityGroup(name: name, description: description, accountID: owner.id, domainID: owner.domainID))
            try await self.events.record(sql, type: EventType.securityGroupCreate, state: .completed, description: "Created security group \(g.name)",
                                         userID: caller.user.id, accountID: owner.id, domainID: owner.domainID, resource: Self.resource(g))
            return try await Self.view(sql, g)
        }
    }

    /// `deleteSecurityGroup` by id, or by name in the caller's (or the named) account. The
    /// `default` group, a group other groups' rules allow, and a group with instances are refused.
    public func delete(caller: Caller, id: UUID?, name: String?, accountName: String?, domainID: UUID?) async throws {
        try await db.transaction { sql in
            let g = try await Self.locate(sql, caller: caller, id: id, name: name, accountName: accountName, domainID: domainID, missing: { what in
                CloudError.invalidParameter("Unable to find network group: \(what); failed to delete group.")
            })
            if g.isDefault { throw CloudError.invalidParameter("The network group default is reserved") }
            if try await SecurityGroupRepository.countAllowingRules(sql, groupID: g.id) > 0 {
                throw CloudError.resourceInUse("Cannot delete group when there are security rules that allow this group")
            }
            if !(try await SecurityGroupRepository.members(sql, groupIDs: [g.id])[g.id] ?? []).isEmpty {
                throw CloudError.resourceInUse("Cannot delete group when it's in use by virtual machines")
            }
            try await SecurityGroupRepository.markRemoved(sql, id: g.id, at: Date())
            try await TagRepository.deleteAll(sql, type: .securityGroup, resourceID: g.id)
            try await self.events.record(sql, type: EventType.securityGroupDelete, state: .completed, description: "Deleted security group \(g.name)",
                                         userID: caller.user.id, accountID: g.accountID, domainID: g.domainID, resource: Self.resource(g))
        }
    }

    // MARK: - rules

    /// The checks of `authorizeSecurityGroupIngress`/`Egress`, made before its job is queued:
    /// the group (which the caller must be allowed to change), the match and the referenced
    /// groups. Returns the group.
    public func checkAuthorize(caller: Caller, _ request: SecurityGroupAuthorization, type: SecurityGroupRuleType) async throws -> SecurityGroup {
        try await db.read { sql in try await self.plan(sql, caller: caller, request, type: type).group }
    }

    /// `authorizeSecurityGroupIngress`/`Egress` (in its job): adds one rule per CIDR and per
    /// referenced group, skipping those the group already has; refused when every one exists.
    /// The members' hosts get their new rule sets. Returns the group with the new rules.
    public func authorize(caller: Caller, _ request: SecurityGroupAuthorization, type: SecurityGroupRuleType) async throws -> SecurityGroupView {
        let view = try await db.transaction { sql -> SecurityGroupView in
            let plan = try await self.plan(sql, caller: caller, request, type: type)
            let existing = try await SecurityGroupRepository.rules(sql, groupIDs: [plan.group.id])[plan.group.id] ?? []
            let now = Date()
            var proposed = plan.match.cidrs.map { plan.match.rule(groupID: plan.group.id, type: type, cidr: $0, created: now) }
            proposed += plan.allowed.map { plan.match.rule(groupID: plan.group.id, type: type, allowedGroupID: $0.id, created: now) }
            var added: [SecurityGroupRule] = []
            for rule in proposed where !existing.contains(where: { $0.sameMatch(as: rule) }) && !added.contains(where: { $0.sameMatch(as: rule) }) {
                added.append(try await SecurityGroupRepository.insert(sql, rule))
            }
            guard !added.isEmpty else {
                throw CloudError.invalidParameter("The \(type.rawValue) rule(s) already exist in security group \(plan.group.name); nothing was added")
            }
            var view = try await Self.view(sql, plan.group)
            let ids = Set(added.map(\.id))
            view.ingress = view.ingress.filter { ids.contains($0.rule.id) }
            view.egress = view.egress.filter { ids.contains($0.rule.id) }
            return view
        }
        await sync(instanceIDs: try await db.read { try await SecurityGroupRepository.runningMembers($0, groupIDs: [view.group.id]) })
        return view
    }

    /// Finds the rule `revokeSecurityGroupIngress`/`Egress` names and checks the caller may
    /// change its group (before the job is queued).
    public func checkRevoke(caller: Caller, ruleID: UUID, type: SecurityGroupRuleType) async throws -> SecurityGroup {
        try await db.read { sql in try await Self.locateRule(sql, caller: caller, ruleID: ruleID, type: type).1 }
    }

    /// `revokeSecurityGroupIngress`/`Egress` (in its job): the rule goes and the members'
    /// hosts get their new rule sets.
    public func revoke(caller: Caller, ruleID: UUID, type: SecurityGroupRuleType) async throws {
        let group = try await db.transaction { sql -> SecurityGroup in
            let (rule, group) = try await Self.locateRule(sql, caller: caller, ruleID: ruleID, type: type)
            try await SecurityGroupRepository.deleteRule(sql, id: rule.id)
            try await TagRepository.deleteAll(sql, type: .securityGroupRule, resourceID: rule.id)
            return group
        }
        await sync(instanceIDs: try await db.read { try await SecurityGroupRepository.runningMembers($0, groupIDs: [group.id]) })
    }

    // MARK: - listing

    /// `listSecurityGroups` within `scope`; `instanceID` lists that instance's groups (the
    /// caller must be allowed to see it); an unknown group id matches nothing.
    public func list(caller: Caller, scope: ListScope, id: UUID?, name: String?, instanceID: UUID?, keyword: String?, tags: [TagPair],
                     page: (offset: Int, limit: Int?)) async throws -> Listing<SecurityGroupView> {
        try await db.read { sql in
            var f = SecurityGroupRepository.Filter()
            f.scope = scope
            f.name = name
            f.keyword = keyword
            f.tags = tags
            if let instanceID {
                guard let vm = try await VirtualMachineRepository.find(sql, uuid: instanceID) else {
                    throw CloudError.invalidParameter("Unable to list network groups for virtual machine instance \(instanceID.uuidString.lowercased()); instance not found.")
                }
                try await Ownership.checkAccess(sql, caller: caller, accountID: vm.accountID, domainID: vm.domainID,
                                                resource: "instance \(instanceID.uuidString.lowercased())")
                f.instanceID = vm.id
                f.scope = .everything
            }
            if let id {
                guard let g = try await SecurityGroupRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = g.id
            }
            let listing = try await SecurityGroupRepository.list(sql, f, offset: page.offset, limit: page.limit)
            return Listing(items: try await Self.views(sql, listing.items), total: listing.total)
        }
    }

    // MARK: - helpers

    struct Plan {
        var group: SecurityGroup
        var match: SecurityGroupRuleMatch
        var allowed: [SecurityGroup]
    }

    /// Validates an authorization: the group and access to it, then the match, then the
    /// referenced groups (accounts in the owner's domain), in CloudStack's order.
    func plan(_ sql: any SQLDatabase, caller: Caller, _ r: SecurityGroupAuthorization, type: SecurityGroupRuleType) async throws -> Plan {
        let command = type == .ingress ? "authorizeSecurityGroupIngress" : "authorizeSecurityGroupEgress"
        if r.groupID != nil && r.groupName != nil {
            throw CloudError.invalidParameter("securitygroupid parameter is mutually exclusive with securitygroupname parameter")
        }
        guard r.groupID != nil || r.groupName != nil else {
            throw CloudError.invalidParameter("Either securitygroupid or securitygroupname is required by \(command) command")
        }
        let group = try await Self.locate(sql, caller: caller, id: r.groupID, name: r.groupName, accountName: r.accountName, domainID: r.domainID, missing: { what in
            CloudError.invalidParameter("Unable to find security group \(what)")
        })
        let references = try (r.groupList ?? []).map { entry throws(CloudError) -> SecurityGroupRuleMatch.GroupReference in
            func field(_ key: String) -> String? { (entry[key] ?? entry.first { $0.key.lowercased() == key }?.value).flatMap { $0.isEmpty ? nil : $0 } }
            guard let group = field("group"), let account = field("account") else {
                throw .invalidParameter("Invalid user group specified, fields 'group' and 'account' cannot be null, please specify groups in the form:  usersecuritygrouplist[0].group=XXX&usersecuritygrouplist[0].account=YYY")
            }
            return SecurityGroupRuleMatch.GroupReference(account: account, group: group)
        }
        let match = try SecurityGroupRuleMatch.parse(protocol: r.proto, startPort: r.startPort, endPort: r.endPort, icmpType: r.icmpType, icmpCode: r.icmpCode,
                                                     cidrList: r.cidrList, hasGroupReferences: !references.isEmpty)
        var allowed: [SecurityGroup] = []
        for ref in references {
            guard let account = try await AccountRepository.find(sql, name: ref.account, domainID: group.domainID), account.state == .enabled else {
                throw CloudError.invalidParameter("Nonexistent account: \(ref.account) when trying to authorize security group rule for \(group.name)")
            }
            guard let other = try await SecurityGroupRepository.find(sql, accountID: account.id, name: ref.group) else {
                throw CloudError.invalidParameter("Nonexistent group \(ref.group) for account \(ref.account) is given, unable to authorize security group rule.")
            }
            if !allowed.contains(where: { $0.id == other.id }) { allowed.append(other) }
        }
        return Plan(group: group, match: match, allowed: allowed)
    }

    /// A group by id, or by name in the caller's (or the named) account; 531 when the caller
    /// may not change it.
    static func locate(_ sql: any SQLDatabase, caller: Caller, id: UUID?, name: String?, accountName: String?, domainID: UUID?,
                       missing: (String) -> CloudError) async throws -> SecurityGroup {
        let found: SecurityGroup?
        if let id {
            found = try await SecurityGroupRepository.find(sql, uuid: id)
        } else if let name {
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            found = try await SecurityGroupRepository.find(sql, accountID: owner.id, name: name)
        } else {
            throw CloudError.invalidParameter("Either the security group id or its name must be given")
        }
        guard let group = found else { throw missing(id.map { $0.uuidString.lowercased() } ?? name ?? "") }
        try await Ownership.checkAccess(sql, caller: caller, accountID: group.accountID, domainID: group.domainID, resource: "security group \(group.name)")
        return group
    }

    static func locateRule(_ sql: any SQLDatabase, caller: Caller, ruleID: UUID, type: SecurityGroupRuleType) async throws -> (SecurityGroupRule, SecurityGroup) {
        guard let rule = try await SecurityGroupRepository.rule(sql, uuid: ruleID), let group = try await SecurityGroupRepository.find(sql, id: rule.groupID) else {
            throw CloudError.invalidParameter("Unable to find security rule with id \(ruleID.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: group.accountID, domainID: group.domainID, resource: "security group \(group.name)")
        guard rule.type == type else {
            throw CloudError.invalidParameter("Mismatch in rule type for security rule with id \(ruleID.uuidString.lowercased())")
        }
        return (rule, group)
    }

    static func resource(_ g: SecurityGroup) -> EventResource {
        EventResource(type: "SecurityGroup", uuid: g.uuid.uuidString.lowercased(), name: g.name)
    }

    static func view(_ sql: any SQLDatabase, _ g: SecurityGroup) async throws -> SecurityGroupView {
        try await views(sql, [g])[0]
    }

    /// Views of a page of groups: a handful of queries for the whole page.
    static func views(_ sql: any SQLDatabase, _ groups: [SecurityGroup]) async throws -> [SecurityGroupView] {
        guard !groups.isEmpty else { return [] }
        let ids = groups.map(\.id)
        let rules = try await SecurityGroupRepository.rules(sql, groupIDs: ids)
        let allowedIDs = Set(rules.values.flatMap { $0 }.compactMap(\.allowedGroupID))
        let allowed = try await SecurityGroupRepository.find(sql, ids: allowedIDs)
        let accounts = try await AccountRepository.find(sql, ids: Set(groups.map(\.accountID) + allowed.values.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(groups.map(\.domainID)))
        let tags = try await TagRepository.tags(sql, type: .securityGroup, resourceIDs: ids)
        let members = try await SecurityGroupRepository.members(sql, groupIDs: ids)
        return groups.map { g in
            let ruleViews = (rules[g.id] ?? []).map { r in
                let other = r.allowedGroupID.flatMap { allowed[$0] }
                return SecurityGroupRuleView(rule: r, allowedGroup: other, allowedGroupAccount: other.flatMap { accounts[$0.accountID] })
            }
            return SecurityGroupView(group: g, account: accounts[g.accountID], domain: domains[g.domainID],
                                     ingress: ruleViews.filter { $0.rule.type == .ingress }, egress: ruleViews.filter { $0.rule.type == .egress },
                                     tags: tags[g.id] ?? [], instanceUUIDs: (members[g.id] ?? []).map(\.uuid))
        }
    }
}
