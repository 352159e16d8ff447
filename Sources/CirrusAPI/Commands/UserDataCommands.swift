import CirrusEngine
import CirrusModel

/// Managed user data commands: registerUserData, listUserData, deleteUserData, linkUserDataToTemplate.
enum UserDataCommands {
    /// The HTTP method the user data limits apply for. The command context does not carry the
    /// request's method yet, so POST's limits apply (`vm.userdata.max.length` still does).
    static func method(_ ctx: CommandContext) -> UserDataHTTPMethod { .post }

    static let all: [CommandSpec] = [
        CommandSpec("registerUserData", description: "Registers user data under a name, for deploys and templates to refer to", since: "4.18", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the user data, unique in the account"),
            ParameterSpec("userdata", .string, required: true, length: UserDataRules.maxPostLength,
                          description: "the user data, base64 (GET: under 4 KB; POST: up to vm.userdata.max.length)"),
            ParameterSpec("params", .string, length: 4096, description: "the variables the user data declares, comma-separated; their values come from userdatadetails"),
            ParameterSpec("account", .string, description: "the owning account (admins); with domainid unless in the caller's domain"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ], response: Schemas.userData.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.userData.register(caller: ctx.caller, name: try p.requiredString("name"), userData: try p.requiredString("userdata"),
                                                              params: p.string("params"), accountName: p.string("account"), domainID: p.uuid("domainid"),
                                                              method: method(ctx))
            return .object(name: "userdata", Schemas.userData.render(view))
        }),
        CommandSpec("listUserData", description: "Lists the user data the caller may see", since: "4.18", parameters: [
            ParameterSpec("id", .uuid, related: ["listUserData"], description: "list only this user data"),
            ParameterSpec("name", .string, description: "list the user data with this name"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.userData.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.userData.list(scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"), name: p.string("name"),
                                                             keyword: p.string("keyword"), page: try await ctx.page())
            return .list(itemName: "userdata", count: listing.total, items: listing.items.map(Schemas.userData.render))
        }),
        CommandSpec("deleteUserData", description: "Deletes user data no template links and no instance uses", since: "4.18", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listUserData"], description: "the user data"),
            ParameterSpec("account", .string, description: "the owning account (admins); with domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ], response: .success, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            try await ctx.engine.userData.delete(caller: ctx.caller, id: try p.requiredUUID("id"), accountName: p.string("account"), domainID: p.uuid("domainid"))
            return .success(displayText: nil)
        }),
        CommandSpec("linkUserDataToTemplate", description: "Links user data to a template or ISO (or unlinks it when userdataid is omitted)", since: "4.18.0",
                    parameters: [
            ParameterSpec("templateid", .uuid, related: ["listTemplates"], description: "the template (or give isoid)"),
            ParameterSpec("isoid", .uuid, related: ["listIsos"], description: "the ISO (or give templateid)"),
            ParameterSpec("userdataid", .uuid, related: ["listUserData"], description: "the user data; omit to unlink"),
            ParameterSpec("userdatapolicy", .string, description: "ALLOWOVERRIDE (default), APPEND or DENYOVERRIDE: what a deploy's own user data does"),
        ], response: Schemas.template.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let linked = try await ctx.engine.userData.link(caller: ctx.caller, templateID: p.uuid("templateid"), isoID: p.uuid("isoid"),
                                                            userDataID: p.uuid("userdataid"), policy: p.string("userdatapolicy"))
            guard let first = linked.templates.first else { throw CloudError.internalError("The linked template has no view") }
            let schema = first.template.isISO ? Schemas.iso : Schemas.template
            var node = schema.render(first)
            if case .object(let fields) = node { node = .object(fields + Schemas.linkedUserDataFields(linked)) }
            return .object(name: "template", node)
        }),
    ]
}
