import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// Roles, their ordered rules, and the API access check.
public struct RoleService: Sendable {
    let db: any Database
    let events: EventService
    let cache: IdentityCache

    public init(db: any Database, events: EventService, cache: IdentityCache) {
        self.db = db
        self.events = events
        self.cache = cache
    }

    /// May `caller` call `api`, whose declaration allows `defaultRoles` by default?
    public func check(caller: Caller, api: String, defaultRoles: Set<RoleType>) async throws -> RoleAccess.Decision {
        if caller.role.isRootAdmin { return .allowed(by: .rootAdmin) }
        return RoleAccess.check(role: caller.role, rules: try await rules(for: caller), api: api, defaultRoles: defaultRoles)
    }

    public func list(caller: Caller, id: UUID?, name: String?, type: RoleType?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<Role> {
        try await db.read { sql in
            var roleID: Int64?
            if let id {
                guard let r = try await RoleRepository.find(sql, uuid: id) else { throw CloudError.invalidParameter("Unable to find role by id \(id.uuidString.lowercased())") }
                roleID = r.id
            }
            // Non-root callers see public roles and their own.
            let restrict: Int64? = caller.isRootAdmin ? nil : caller.role.id
            return try await RoleRepository.list(sql, id: roleID, name: name, type: type, keyword: keyword, publicOnlyExcept: restrict, offset: page.offset, limit: page.limit)
        }
    }

    /// Creates a role, optionally copying the rules of `cloneFrom`.
    public func create(caller: Caller, name: String, type: RoleType?, cloneFrom: UUID?, description: String?, isPublic: Bool) async throws -> Role {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CloudError.invalidParameter("The role name cannot be empty") }
        return try await cache.mutate { sql in
            if try await RoleRepository.findByName(sql, name: name) != nil {
                throw CloudError.invalidParameter("Role with name \(name) already exists")
            }
            var roleType = type
            var rules: [RolePermission] = []
            if let cloneFrom {
                guard let source = try await RoleRepository.find(sql, uuid: cloneFrom) else {
                    throw CloudError.invalidParameter("Unable to find role by id \(cloneFrom.uuidString.lowercased())")
                }
                roleType = roleType ?? source.type
                rules = try await RoleRepository.permissions(sql, roleID: source.id)
            }
            guard let roleType else { throw CloudError.invalidParameter("Either the role type or a role to copy (roleid) must be given") }
            let role = try await RoleRepository.insert(sql, uuid: UUID(), name: name, type: roleType, description: description, isPublic: isPublic, isDefault: false)
            for rule in rules {
                _ = try await RoleRepository.insertPermission(sql, uuid: UUID(), roleID: role.id, rule: rule.rule, permission: rule.permission, description: rule.description)
            }
            try await record(sql, caller, EventType.roleCreate, "Role \(name) created", role)
            return role
        }
    }

    public func update(caller: Caller, id: UUID, name: String?, type: RoleType?, description: String?, isPublic: Bool?) async throws -> Role {
        try await cache.mutate { sql in
            guard var role = try await RoleRepository.find(sql, uuid: id) else { throw CloudError.invalidParameter("Unable to find role by id \(id.uuidString.lowercased())") }
            if role.isDefault && (name != nil || type != nil) { throw CloudError.permissionDenied("The name and type of a default role cannot be changed") }
            if let name, name != role.name {
                if try await RoleRepository.findByName(sql, name: name) != nil { throw CloudError.invalidParameter("Role with name \(name) already exists") }
                role.name = name
            }
            if let type, type != role.type {
                if try await AccountRepository.count(sql, roleID: role.id) > 0 {
                    throw CloudError.invalidParameter("The type of a role in use by accounts cannot be changed")
                }
                role.type = type
            }
            if let description { role.description = description }
            if let isPublic { role.isPublic = isPublic }
            try await RoleRepository.update(sql, role)
            try await record(sql, caller, EventType.roleUpdate, "Role \(role.name) updated", role)
            return role
        }
    }

    public func delete(caller: Caller, id: UUID) async throws {
        try await cache.mutate { sql in
            guard let role = try await RoleRepository.find(sql, uuid: id) else { throw CloudError.invalidParameter("Unable to find role by id \(id.uuidString.lowercased())") }
            guard !role.isDefault else { throw CloudError.permissionDenied("Default roles cannot be deleted") }
            let users = try await AccountRepository.count(sql, roleID: role.id)
            guard users == 0 else { throw CloudError.resourceInUse("Role \(role.name) is in use by \(users) account(s) and cannot be deleted") }
            try await RoleRepository.markRemoved(sql, id: role.id, at: Date())
            try await record(sql, caller, EventType.roleDelete, "Role \(role.name) deleted", role)
        }
    }

    /// The rules of one role, or of every role when `roleID` is nil, with their role.
    public func permissions(roleID: UUID?) async throws -> [(RolePermission, Role)] {
        try await db.read { sql in
            let roles: [Role]
            if let roleID {
                guard let r = try await RoleRepository.find(sql, uuid: roleID) else { throw CloudError.invalidParameter("Unable to find role by id \(roleID.uuidString.lowercased())") }
                roles = [r]
            } else {
                roles = try await RoleRepository.list(sql, id: nil, name: nil, type: nil, keyword: nil, publicOnlyExcept: nil, offset: 0, limit: nil).items
            }
            var out: [(RolePermission, Role)] = []
            for role in roles {
                for p in try await RoleRepository.permissions(sql, roleID: role.id) { out.append((p, role)) }
            }
            return out
        }
    }

    public func createPermission(caller: Caller, roleID: UUID, rule raw: String, permission: RulePermission, description: String?) async throws -> (RolePermission, Role) {
        guard let rule = APIRule(raw) else {
            throw CloudError.invalidParameter("Invalid rule \(raw): only letters, digits and the wildcard * are allowed")
        }
        return try await cache.mutate { sql in
            guard let role = try await RoleRepository.find(sql, uuid: roleID) else { throw CloudError.invalidParameter("Unable to find role by id \(roleID.uuidString.lowercased())") }
            guard !role.isRootAdmin else { throw CloudError.permissionDenied("The Root Admin role allows every API; its rules cannot be changed") }
            if try await RoleRepository.permissions(sql, roleID: role.id).contains(where: { $0.rule.pattern.lowercased() == raw.lowercased() }) {
                throw CloudError.invalidParameter("Rule \(raw) already exists for role \(role.name)")
            }
            let p = try await RoleRepository.insertPermission(sql, uuid: UUID(), roleID: role.id, rule: rule, permission: permission, description: description)
            try await record(sql, caller, EventType.rolePermissionCreate, "Rule \(raw) (\(permission.rawValue)) added to role \(role.name)", role)
            return (p, role)
        }
    }

    /// Changes one rule's permission, or reorders all of a role's rules.
    public func updatePermission(caller: Caller, roleID: UUID, ruleID: UUID?, permission: RulePermission?, order: [UUID]?) async throws {
        try await cache.mutate { sql in
            guard let role = try await RoleRepository.find(sql, uuid: roleID) else { throw CloudError.invalidParameter("Unable to find role by id \(roleID.uuidString.lowercased())") }
            guard !role.isRootAdmin else { throw CloudError.permissionDenied("The Root Admin role allows every API; its rules cannot be changed") }
            let existing = try await RoleRepository.permissions(sql, roleID: role.id)
            if let order {
                guard ruleID == nil, permission == nil else { throw CloudError.invalidParameter("Give either ruleorder or ruleid with permission, not both") }
                guard Set(order) == Set(existing.map(\.uuid)), order.count == existing.count else {
                    throw CloudError.invalidParameter("ruleorder must list every rule of role \(role.name) exactly once")
                }
                for (index, uuid) in order.enumerated() {
                    try await RoleRepository.setSortOrder(sql, id: existing.first(where: { $0.uuid == uuid })!.id, order: index)
                }
            } else if let ruleID, let permission {
                guard let rule = existing.first(where: { $0.uuid == ruleID }) else {
                    throw CloudError.invalidParameter("Unable to find rule \(ruleID.uuidString.lowercased()) in role \(role.name)")
                }
                try await RoleRepository.setPermission(sql, id: rule.id, permission: permission)
            } else {
                throw CloudError.invalidParameter("Give ruleorder, or ruleid together with permission")
            }
            try await record(sql, caller, EventType.rolePermissionUpdate, "Rules of role \(role.name) updated", role)
        }
    }

    public func deletePermission(caller: Caller, id: UUID) async throws {
        try await cache.mutate { sql in
            guard let p = try await RoleRepository.permission(sql, uuid: id) else { throw CloudError.invalidParameter("Unable to find role permission by id \(id.uuidString.lowercased())") }
            guard let role = try await RoleRepository.find(sql, id: p.roleID) else { throw CloudError.invalidParameter("The role of this rule no longer exists") }
            try await RoleRepository.deletePermission(sql, id: p.id)
            try await record(sql, caller, EventType.rolePermissionDelete, "Rule \(p.rule.pattern) removed from role \(role.name)", role)
        }
    }

    private func record(_ sql: any SQLDatabase, _ caller: Caller, _ type: String, _ text: String, _ role: Role) async throws {
        try await events.record(sql, type: type, state: .completed, description: text, userID: caller.user.id, accountID: caller.account.id,
                                domainID: caller.account.domainID, resource: EventResource(type: "Role", uuid: role.uuid.uuidString.lowercased(), name: role.name))
    }
}

extension RoleService {
    /// The rules of the caller's role, for checking many APIs at once.
    public func rules(for caller: Caller) async throws -> [RolePermission] {
        if caller.role.isRootAdmin { return [] }
        return try await cache.rules(roleID: caller.role.id) {
            try await db.read { try await RoleRepository.permissions($0, roleID: caller.role.id) }
        }
    }
}
