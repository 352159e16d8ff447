import CirrusEngine
import CirrusModel

/// Resource limits and counts: `listResourceLimits`, `updateResourceLimit`, `updateResourceCount`.
enum ResourceLimitCommands {
    static let all: [CommandSpec] = [
        CommandSpec("listResourceLimits", description: "Lists the resource limits of an account or a domain, with the defaults where none was set", parameters: [
            ParameterSpec("id", .long, description: "the ID of one stored limit"),
            ParameterSpec("resourcetype", .integer, description: "the resource type: 0 instance, 1 public IP, 2 volume, 3 snapshot, 4 template, 5 project, "
                          + "6 network, 7 VPC, 8 CPU, 9 memory (MiB), 10 primary storage (GiB), 11 secondary storage (GiB)"),
            ParameterSpec("resourcetypename", .string, description: "the resource type by name, such as user_vm or primary_storage"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.resourceLimit.description,
        access: [.admin, .domainAdmin, .resourceAdmin, .user], handler: .sync { ctx in
            let p = ctx.parameters
            let limits = try await ctx.engine.limits.listLimits(caller: ctx.caller, id: p.long("id"), resourceType: p.int("resourcetype"),
                                                                resourceTypeName: p.string("resourcetypename"), accountName: p.string("account"),
                                                                domainID: p.uuid("domainid"))
            let page = try await ctx.page()
            let window = limits.dropFirst(page.offset).prefix(page.limit ?? limits.count)
            return .list(itemName: "resourcelimit", count: limits.count, items: window.map(Schemas.resourceLimit.render))
        }),
        CommandSpec("updateResourceLimit", description: "Sets the limit of one resource type for an account or a domain", parameters: [
            ParameterSpec("resourcetype", .integer, required: true, description: "the resource type: 0 instance, 1 public IP, 2 volume, 3 snapshot, 4 template, "
                          + "5 project, 6 network, 7 VPC, 8 CPU, 9 memory (MiB), 10 primary storage (GiB), 11 secondary storage (GiB)"),
            ParameterSpec("max", .long, description: "the maximum; -1 (the default) for no limit"),
            ParameterSpec("account", .string, description: "the account whose limit changes; needs domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain whose limit changes, or the account's domain"),
        ], response: Schemas.resourceLimit.description, access: [.admin, .domainAdmin, .resourceAdmin], handler: .sync { ctx in
            let p = ctx.parameters
            guard let type = p.int("resourcetype") else { throw CloudError.missingParameter(command: "updateResourceLimit", parameter: "resourcetype") }
            let view = try await ctx.engine.limits.updateLimit(caller: ctx.caller, accountName: p.string("account"), domainID: p.uuid("domainid"),
                                                               resourceType: type, max: p.long("max"))
            return .object(name: "resourcelimit", Schemas.resourceLimit.render(view))
        }),
        CommandSpec("updateResourceCount", description: "Recounts the resources of an account, or of every account and sub-domain of a domain", parameters: [
            ParameterSpec("domainid", .uuid, required: true, related: ["listDomains"], description: "the domain to recount, or the account's domain"),
            ParameterSpec("account", .string, description: "recount only this account of the domain"),
            ParameterSpec("resourcetype", .integer, description: "recount only this resource type"),
        ], response: Schemas.resourceCount.description, access: [.admin, .domainAdmin, .resourceAdmin, .user], handler: .sync { ctx in
            let p = ctx.parameters
            let counts = try await ctx.engine.limits.recount(caller: ctx.caller, domainID: try p.requiredUUID("domainid"), accountName: p.string("account"),
                                                             resourceType: p.int("resourcetype"))
            return .list(itemName: "resourcecount", count: counts.count, items: counts.map(Schemas.resourceCount.render))
        }),
    ]
}
