import CirrusEngine
import CirrusModel
import Foundation

/// Virtual router commands (admins): listRouters, startRouter, stopRouter, rebootRouter,
/// destroyRouter, changeServiceForRouter, upgradeRouterTemplate, getRouterHealthCheckResults,
/// patchSystemVm.
enum RouterCommands {
    static func plan(_ r: Router) -> JobPlan {
        JobPlan(syncKey: "router:\(r.uuid.uuidString.lowercased())", instanceType: "DomainRouter", instanceUUID: r.uuid.uuidString.lowercased(), resourceName: r.name)
    }

    static func render(_ ctx: CommandContext, _ r: Router) async throws -> CommandResult {
        .object(name: "router", Schemas.router.render(try await ctx.engine.routers.view(r)))
    }

    /// An async command on one router (`id`).
    static func action(_ name: String, _ description: String, extra: [ParameterSpec] = [], event: CommandEvent,
                       _ run: @escaping @Sendable (CommandContext, UUID) async throws -> Router) -> CommandSpec {
        CommandSpec(name, description: description, parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listRouters"], description: "the router"),
        ] + extra, response: Schemas.router.description, access: .admins, event: event, handler: .async(prepare: { ctx in
            plan(try await ctx.engine.routers.find(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            try await render(ctx, try await run(ctx, try ctx.parameters.requiredUUID("id")))
        }))
    }

    static let all: [CommandSpec] = [
        CommandSpec("listRouters", description: "Lists virtual routers", parameters: [
            ParameterSpec("id", .uuid, related: ["listRouters"], description: "list only this router"),
            ParameterSpec("name", .string, description: "list the router with this name"),
            ParameterSpec("state", .string, description: "list routers in this state"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list routers of this zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "list routers of this pod"),
            ParameterSpec("hostid", .uuid, related: ["listHosts"], description: "list routers on this host"),
            ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "accepted for compatibility"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "list the routers of this network"),
            ParameterSpec("vpcid", .uuid, description: "list the routers of this VPC"),
            ParameterSpec("forvpc", .boolean, description: "list VPC routers, or the others"),
            ParameterSpec("version", .string, description: "list routers on this template version"),
            ParameterSpec("healthchecksfailed", .boolean, description: "list routers whose last health check failed, or passed"),
            ParameterSpec("fetchhealthcheckresults", .boolean, description: "accepted; results are always shown"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.router.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            var q = RouterService.Query()
            q.id = p.uuid("id"); q.name = p.string("name"); q.state = p.string("state"); q.zoneID = p.uuid("zoneid"); q.podID = p.uuid("podid")
            q.hostID = p.uuid("hostid"); q.networkID = p.uuid("networkid"); q.vpcID = p.uuid("vpcid"); q.forVPC = p.bool("forvpc")
            q.version = p.string("version"); q.healthChecksFailed = p.bool("healthchecksfailed"); q.keyword = p.string("keyword")
            let listing = try await ctx.engine.routers.list(scope: try await ctx.scope(fallback: .ownDomain), q, page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.router)
        }),
        action("startRouter", "Starts a Stopped router", event: CommandEvent(EventType.routerStart, "Starting router")) { ctx, id in
            try await ctx.engine.routers.start(caller: ctx.caller, id: id)
        },
        action("stopRouter", "Stops a Running router", extra: [ParameterSpec("forced", .boolean, description: "stop whatever its state")],
               event: CommandEvent(EventType.routerStop, "Stopping router")) { ctx, id in
            try await ctx.engine.routers.stop(caller: ctx.caller, id: id, forced: ctx.parameters.bool("forced", default: false))
        },
        action("rebootRouter", "Reboots a Running router: its whole configuration is applied again",
               extra: [ParameterSpec("forced", .boolean, description: "accepted for compatibility")],
               event: CommandEvent(EventType.routerReboot, "Rebooting router")) { ctx, id in
            try await ctx.engine.routers.reboot(caller: ctx.caller, id: id)
        },
        action("destroyRouter", "Destroys a router; its network needs a restart to get a new one",
               event: CommandEvent(EventType.routerDestroy, "Destroying router")) { ctx, id in
            try await ctx.engine.routers.destroy(caller: ctx.caller, id: id)
        },
        action("patchSystemVm", "Live-patches a router's scripts to the current version without recreating it",
               extra: [ParameterSpec("forced", .boolean, description: "patch even when already current")],
               event: CommandEvent(EventType.routerPatch, "Patching system VM")) { ctx, id in
            try await ctx.engine.routers.patch(caller: ctx.caller, id: id, forced: ctx.parameters.bool("forced", default: false))
        },
        CommandSpec("changeServiceForRouter", description: "Gives a Stopped router another system offering", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listRouters"], description: "the router"),
            ParameterSpec("serviceofferingid", .uuid, required: true, related: ["listServiceOfferings"], description: "a system offering for routers"),
        ], response: Schemas.router.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            return try await render(ctx, try await ctx.engine.routers.changeService(caller: ctx.caller, id: try p.requiredUUID("id"),
                                                                                   offeringID: try p.requiredUUID("serviceofferingid")))
        }),
        CommandSpec("upgradeRouterTemplate", description: "Moves routers to the current router template version", parameters: [
            ParameterSpec("id", .uuid, related: ["listRouters"], description: "one router"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the routers of a zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "the routers of a pod"),
            ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "the routers of a cluster"),
            ParameterSpec("account", .string, description: "the routers of an account (with domainid)"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of that account"),
        ], response: Schemas.router.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            let changed = try await ctx.engine.routers.upgradeTemplate(caller: ctx.caller, id: p.uuid("id"), zoneID: p.uuid("zoneid"), podID: p.uuid("podid"),
                                                                       clusterID: p.uuid("clusterid"), accountName: p.string("account"), domainID: p.uuid("domainid"))
            var items: [ResponseNode] = []
            for r in changed { items.append(Schemas.router.render(try await ctx.engine.routers.view(r))) }
            return .list(itemName: "router", count: items.count, items: items)
        }),
        CommandSpec("getRouterHealthCheckResults", description: "Shows a router's health-check results, running them again when asked", parameters: [
            ParameterSpec("routerid", .uuid, required: true, related: ["listRouters"], description: "the router"),
            ParameterSpec("performfreshchecks", .boolean, description: "run the checks now (default false)"),
        ], response: Schemas.routerHealthCheck.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            let id = try p.requiredUUID("routerid")
            let checks = try await ctx.engine.routers.healthChecks(caller: ctx.caller, id: id, fresh: p.bool("performfreshchecks", default: false))
            return .object(name: "routerhealthchecks", .object([
                .init("routerid", .string(id.uuidString.lowercased())),
                .init("healthchecks", .array(checks.map(Schemas.routerHealthCheck.render))),
            ]))
        }),
    ]
}
