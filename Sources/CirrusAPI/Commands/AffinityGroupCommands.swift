import CirrusEngine
import CirrusModel

/// Affinity group commands: listAffinityGroupTypes, createAffinityGroup, deleteAffinityGroup,
/// listAffinityGroups. (updateVMAffinityGroup belongs with the instance commands.)
enum AffinityGroupCommands {
    static func plan(_ group: AffinityGroup) -> JobPlan {
        JobPlan(syncKey: "affinitygroup:\(group.uuid.uuidString.lowercased())", instanceType: "AffinityGroup",
                instanceUUID: group.uuid.uuidString.lowercased(), resourceName: group.name)
    }

    static let all: [CommandSpec] = [
        CommandSpec("listAffinityGroupTypes", description: "Lists the affinity group types users may create", parameters: ParameterSpec.paging,
                    response: Schemas.affinityGroupType.description, access: .all, handler: .sync { ctx in
            let types = ctx.engine.affinityGroups.types(keyword: ctx.parameters.string("keyword"))
            let page = try await ctx.page()
            let window = types.dropFirst(page.offset).prefix(page.limit ?? Int.max)
            return .list(itemName: "affinityGroupType", count: types.count, items: window.map(Schemas.affinityGroupType.render))
        }),
        CommandSpec("createAffinityGroup", description: "Creates an affinity group", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the group, unique in the account"),
            ParameterSpec("type", .string, required: true, related: ["listAffinityGroupTypes"],
                          description: "host anti-affinity, host affinity, non-strict host anti-affinity or non-strict host affinity"),
            ParameterSpec("description", .string, length: 4096, description: "a description of the group"),
            ParameterSpec("account", .string, description: "the owning account (admins); with domainid unless in the caller's domain"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ], response: Schemas.affinityGroup.description, access: .all, event: CommandEvent(EventType.affinityGroupCreate, "Creating affinity group"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let name = try p.requiredString("name")
            let (owner, _) = try await ctx.engine.affinityGroups.checkCreate(caller: ctx.caller, name: name, type: try p.requiredString("type"),
                                                                             accountName: p.string("account"), domainID: p.uuid("domainid"))
            return JobPlan(syncKey: "affinitygroups:\(owner.uuid.uuidString.lowercased())", instanceType: "AffinityGroup", resourceName: name)
        }, execute: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.affinityGroups.create(caller: ctx.caller, name: try p.requiredString("name"), type: try p.requiredString("type"),
                                                                  description: p.string("description"), accountName: p.string("account"), domainID: p.uuid("domainid"))
            return .object(name: "affinitygroup", Schemas.affinityGroup.render(view))
        })),
        CommandSpec("deleteAffinityGroup", description: "Deletes an affinity group by id, or by name in an account; its instances leave it", parameters: [
            ParameterSpec("id", .uuid, related: ["listAffinityGroups"], description: "the group (or give name)"),
            ParameterSpec("name", .string, description: "the name of the group (or give id)"),
            ParameterSpec("account", .string, description: "the owning account, with name (admins)"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ], response: .success, access: .all, event: CommandEvent(EventType.affinityGroupDelete, "Deleting affinity group"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            return plan(try await ctx.engine.affinityGroups.find(caller: ctx.caller, id: p.uuid("id"), name: p.string("name"), accountName: p.string("account"),
                                                                 domainID: p.uuid("domainid")))
        }, execute: { ctx in
            let p = ctx.parameters
            try await ctx.engine.affinityGroups.delete(caller: ctx.caller, id: p.uuid("id"), name: p.string("name"), accountName: p.string("account"),
                                                       domainID: p.uuid("domainid"))
            return .success(displayText: nil)
        })),
        CommandSpec("listAffinityGroups", description: "Lists the affinity groups the caller may see", parameters: [
            ParameterSpec("id", .uuid, related: ["listAffinityGroups"], description: "list only this group"),
            ParameterSpec("name", .string, description: "list the group with this name"),
            ParameterSpec("type", .string, description: "list groups of this type"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "list the groups of this instance"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.affinityGroup.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.affinityGroups.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                                   name: p.string("name"), type: p.string("type"), instanceID: p.uuid("virtualmachineid"),
                                                                   keyword: p.string("keyword"), page: try await ctx.page())
            return .list(itemName: "affinitygroup", count: listing.total, items: listing.items.map(Schemas.affinityGroup.render))
        }),
    ]
}
