import CirrusEngine
import CirrusModel
import Foundation

/// Security group commands: createSecurityGroup, deleteSecurityGroup,
/// authorizeSecurityGroupIngress/Egress, revokeSecurityGroupIngress/Egress, listSecurityGroups.
/// (Deploying with `securitygroupids`/`securitygroupnames` belongs with deployVirtualMachine.)
enum SecurityGroupCommands {
    /// Rule changes of one group run one at a time.
    static func plan(_ group: SecurityGroup) -> JobPlan {
        JobPlan(syncKey: "securitygroup:\(group.uuid.uuidString.lowercased())", instanceType: "SecurityGroup",
                instanceUUID: group.uuid.uuidString.lowercased(), resourceName: group.name)
    }

    static func authorization(_ ctx: CommandContext) -> SecurityGroupAuthorization {
        let p = ctx.parameters
        var r = SecurityGroupAuthorization()
        r.groupID = p.uuid("securitygroupid"); r.groupName = p.string("securitygroupname")
        r.accountName = p.string("account"); r.domainID = p.uuid("domainid")
        r.proto = p.string("protocol"); r.startPort = p.int("startport"); r.endPort = p.int("endport")
        r.icmpType = p.int("icmptype"); r.icmpCode = p.int("icmpcode")
        r.cidrList = p.list("cidrlist"); r.groupList = p.map("usersecuritygrouplist")
        return r
    }

    static func authorizeParameters(_ direction: String) -> [ParameterSpec] {
        [
            ParameterSpec("securitygroupid", .uuid, related: ["listSecurityGroups"], description: "the group to add the rule to (or securitygroupname)"),
            ParameterSpec("securitygroupname", .string, description: "the name of the group in the caller's (or the given) account (or securitygroupid)"),
            ParameterSpec("account", .string, description: "the owner of the group named by securitygroupname (admins), with domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of that owner"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec("protocol", .string, description: "tcp, udp, icmp, all (the default) or an IP protocol number"),
            ParameterSpec("startport", .integer, description: "the first port (TCP and UDP; 0 with endport 0 means every port)"),
            ParameterSpec("endport", .integer, description: "the last port (TCP and UDP)"),
            ParameterSpec("icmptype", .integer, description: "the ICMP type, -1 for any (ICMP)"),
            ParameterSpec("icmpcode", .integer, description: "the ICMP code, -1 for any (ICMP)"),
            ParameterSpec("cidrlist", .list(.string), description: "the CIDRs the rule \(direction)"),
            ParameterSpec("usersecuritygrouplist", .map,
                          description: "groups whose running members the rule admits: usersecuritygrouplist[0].account=<account>&usersecuritygrouplist[0].group=<name>"),
        ]
    }

    static func authorizeCommand(_ name: String, type: SecurityGroupRuleType, event: String, direction: String) -> CommandSpec {
        CommandSpec(name, description: "Adds \(type.rawValue) rules to a security group: one per CIDR and per referenced group",
                    parameters: authorizeParameters(direction), response: Schemas.securityGroup.description, access: .all,
                    event: CommandEvent(event, "Adding \(type == .ingress ? "Ingress" : "Egress") Rule"),
                    handler: .async(prepare: { ctx in
            plan(try await ctx.engine.securityGroups.checkAuthorize(caller: ctx.caller, authorization(ctx), type: type))
        }, execute: { ctx in
            let view = try await ctx.engine.securityGroups.authorize(caller: ctx.caller, authorization(ctx), type: type)
            return .object(name: "securitygroup", Schemas.securityGroup.render(view))
        }))
    }

    static func revokeCommand(_ name: String, type: SecurityGroupRuleType, event: String) -> CommandSpec {
        CommandSpec(name, description: "Removes an \(type.rawValue) rule from its security group", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listSecurityGroups"], description: "the ruleid of the rule"),
        ], response: .success, access: .all, event: CommandEvent(event, "Revoking \(type == .ingress ? "Ingress" : "Egress") Rule"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.securityGroups.checkRevoke(caller: ctx.caller, ruleID: try ctx.parameters.requiredUUID("id"), type: type))
        }, execute: { ctx in
            try await ctx.engine.securityGroups.revoke(caller: ctx.caller, ruleID: try ctx.parameters.requiredUUID("id"), type: type)
            return .success(displayText: nil)
        }))
    }

    static let all: [CommandSpec] = [
        CommandSpec("createSecurityGroup", description: "Creates an empty security group", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the group, unique in the account"),
            ParameterSpec("description", .string, length: 4096, description: "a description of the group"),
            ParameterSpec("account", .string, description: "the owning account (admins); with domainid unless in the caller's domain"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ], response: Schemas.securityGroup.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.securityGroups.create(caller: ctx.caller, name: try p.requiredString("name"), description: p.string("description"),
                                                                  accountName: p.string("account"), domainID: p.uuid("domainid"))
            return .object(name: "securitygroup", Schemas.securityGroup.render(view))
        }),
        CommandSpec("deleteSecurityGroup", description: "Deletes a security group by id, or by name in an account; not the default group, nor one in use", parameters: [
            ParameterSpec("id", .uuid, related: ["listSecurityGroups"], description: "the group (or give name)"),
            ParameterSpec("name", .string, description: "the name of the group (or give id)"),
            ParameterSpec("account", .string, description: "the owning account, with name (admins)"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ], response: .success, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            try await ctx.engine.securityGroups.delete(caller: ctx.caller, id: p.uuid("id"), name: p.string("name"), accountName: p.string("account"),
                                                       domainID: p.uuid("domainid"))
            return .success(displayText: nil)
        }),
        authorizeCommand("authorizeSecurityGroupIngress", type: .ingress, event: EventType.securityGroupAuthorizeIngress, direction: "admits traffic from"),
        authorizeCommand("authorizeSecurityGroupEgress", type: .egress, event: EventType.securityGroupAuthorizeEgress, direction: "allows traffic to"),
        revokeCommand("revokeSecurityGroupIngress", type: .ingress, event: EventType.securityGroupRevokeIngress),
        revokeCommand("revokeSecurityGroupEgress", type: .egress, event: EventType.securityGroupRevokeEgress),
        CommandSpec("listSecurityGroups", description: "Lists the security groups the caller may see, with their rules", parameters: [
            ParameterSpec("id", .uuid, related: ["listSecurityGroups"], description: "list only this group"),
            ParameterSpec("securitygroupname", .string, description: "list the group with this name"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "list the groups of this instance"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec.tagFilter,
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.securityGroup.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.securityGroups.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                                   name: p.string("securitygroupname"), instanceID: p.uuid("virtualmachineid"),
                                                                   keyword: p.string("keyword"), tags: try p.tagFilter(), page: try await ctx.page())
            return .list(itemName: "securitygroup", count: listing.total, items: listing.items.map(Schemas.securityGroup.render))
        }),
    ]
}
