import CirrusEngine
import CirrusModel
import Foundation

/// Roles and their ordered rules.
enum RoleCommands {
    static func roleType(_ p: Parameters) throws(CloudError) -> RoleType? {
        guard let raw = p.string("type") else { return nil }
        guard let t = RoleType(caseInsensitive: raw) else { throw .invalidParameter("Invalid role type \(raw): use Admin, ResourceAdmin, DomainAdmin or User") }
        return t
    }

    static func permission(_ raw: String) throws(CloudError) -> RulePermission {
        guard let p = RulePermission(caseInsensitive: raw) else { throw .invalidParameter("Invalid permission \(raw): use allow or deny") }
        return p
    }

    static let all: [CommandSpec] = [
        CommandSpec("listRoles", description: "Lists roles", since: "4.9.0", parameters: [
            ParameterSpec("id", .uuid, related: ["listRoles"], description: "list only this role"),
            ParameterSpec("name", .string, description: "list roles with this name"),
            ParameterSpec("type", .string, description: "list roles of this type"),
        ] + ParameterSpec.paging, response: Schemas.role.description, access: [.admin, .domainAdmin, .resourceAdmin], handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.roles.list(caller: ctx.caller, id: p.uuid("id"), name: p.string("name"), type: try roleType(p), keyword: p.string("keyword"), page: try await ctx.page())
            return .list(itemName: "role", count: listing.total, items: listing.items.map(Schemas.role.render))
        }),
        CommandSpec("createRole", description: "Creates a role, optionally copying another role's rules", since: "4.9.0", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the role"),
            ParameterSpec("roleid", .uuid, since: "4.15.0", related: ["listRoles"], description: "a role whose rules the new role starts with"),
            ParameterSpec("ispublic", .boolean, since: "4.15.0", description: "whether domain admins can see and use the role (default true)"),
            ParameterSpec("type", .string, description: "the role type: Admin, ResourceAdmin, DomainAdmin or User"),
            ParameterSpec("description", .string, description: "what the role is for"),
        ], response: Schemas.role.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let role = try await ctx.engine.roles.create(caller: ctx.caller, name: try p.requiredString("name"), type: try roleType(p), cloneFrom: p.uuid("roleid"),
                                                         description: p.string("description"), isPublic: p.bool("ispublic", default: true))
            return .object(name: "role", Schemas.role.render(role))
        }),
        CommandSpec("updateRole", description: "Updates a role", since: "4.9.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listRoles"], description: "the role to update"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("description", .string, description: "the new description"),
            ParameterSpec("ispublic", .boolean, since: "4.15.0", description: "whether domain admins can see and use the role"),
            ParameterSpec("type", .string, description: "the new type, only for roles no account uses"),
        ], response: Schemas.role.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let role = try await ctx.engine.roles.update(caller: ctx.caller, id: try p.requiredUUID("id"), name: p.string("name"), type: try roleType(p),
                                                         description: p.string("description"), isPublic: p.bool("ispublic"))
            return .object(name: "role", Schemas.role.render(role))
        }),
        CommandSpec("deleteRole", description: "Deletes a role that no account uses", since: "4.9.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listRoles"], description: "the role to delete"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            try await ctx.engine.roles.delete(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("listRolePermissions", description: "Lists the ordered rules of a role", since: "4.9.0", parameters: [
            ParameterSpec("roleid", .uuid, related: ["listRoles"], description: "the role; every role when omitted"),
        ], response: Schemas.rolePermission.description, access: .rootAdmin, handler: .sync { ctx in
            let rules = try await ctx.engine.roles.permissions(roleID: ctx.parameters.uuid("roleid"))
            return .list(itemName: "rolepermission", count: rules.count, items: rules.map(Schemas.rolePermission.render))
        }),
        CommandSpec("createRolePermission", description: "Adds a rule at the end of a role's rules", since: "4.9.0", parameters: [
            ParameterSpec("roleid", .uuid, required: true, related: ["listRoles"], description: "the role"),
            ParameterSpec("rule", .string, required: true, description: "an API name or a pattern with * wildcards"),
            ParameterSpec("permission", .string, required: true, description: "allow or deny"),
            ParameterSpec("description", .string, description: "what the rule is for"),
        ], response: Schemas.rolePermission.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let created = try await ctx.engine.roles.createPermission(caller: ctx.caller, roleID: try p.requiredUUID("roleid"), rule: try p.requiredString("rule"),
                                                                      permission: try permission(try p.requiredString("permission")), description: p.string("description"))
            return .object(name: "rolepermission", Schemas.rolePermission.render(created))
        }),
        CommandSpec("updateRolePermission", description: "Changes a rule's permission or reorders a role's rules", since: "4.9.0", parameters: [
            ParameterSpec("roleid", .uuid, required: true, related: ["listRoles"], description: "the role"),
            ParameterSpec("ruleorder", .list(.uuid), description: "every rule ID of the role in the new order"),
            ParameterSpec("ruleid", .uuid, since: "4.11", description: "the rule whose permission changes"),
            ParameterSpec("permission", .string, since: "4.11", description: "the new permission: allow or deny"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let newPermission = try p.string("permission").map { raw throws(CloudError) in try permission(raw) }
            try await ctx.engine.roles.updatePermission(caller: ctx.caller, roleID: try p.requiredUUID("roleid"), ruleID: p.uuid("ruleid"),
                                                        permission: newPermission, order: p.uuidList("ruleorder"))
            return .success(displayText: nil)
        }),
        CommandSpec("deleteRolePermission", description: "Removes a rule from its role", since: "4.9.0", parameters: [
            ParameterSpec("id", .uuid, required: true, description: "the rule to remove"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            try await ctx.engine.roles.deletePermission(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
    ]
}
