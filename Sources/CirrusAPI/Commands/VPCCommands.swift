import CirrusEngine
import CirrusModel
import Foundation

/// VPC commands: createVPC, updateVPC, restartVPC, deleteVPC, listVPCs; private gateways and
/// static routes.
enum VPCCommands {
    static func plan(_ v: VPC) -> JobPlan {
        JobPlan(syncKey: "vpc:\(v.uuid.uuidString.lowercased())", instanceType: "Vpc", instanceUUID: v.uuid.uuidString.lowercased(), resourceName: v.name)
    }

    static let all: [CommandSpec] = [
        CommandSpec("createVPC", description: "Creates a VPC: a super CIDR whose tiers one router connects, with its source NAT address", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the VPC"),
            ParameterSpec("displaytext", .string, description: "the description of the VPC (default: its name)"),
            ParameterSpec("cidr", .string, required: true, description: "the super CIDR (RFC 1918, /8 to /28); tiers are carved from it"),
            ParameterSpec("vpcofferingid", .uuid, required: true, related: ["listVPCOfferings"], description: "the VPC offering"),
            ParameterSpec("zoneid", .uuid, required: true, related: ["listZones"], description: "the zone (Advanced, without security groups)"),
            ParameterSpec("networkdomain", .string, description: "the DNS domain of the VPC's tiers"),
            ParameterSpec("account", .string, description: "the owning account (admins), with domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec("start", .boolean, description: "make the router and take the source NAT address now (default true), else with the first tier"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (admins; default true)"),
            ParameterSpec("publicmtu", .integer, since: "4.18", description: "the MTU of the router's public interface (68 to 9000, default 1500)"),
            ParameterSpec("dns1", .string, since: "4.18", description: "the first DNS server of the tiers"),
            ParameterSpec("dns2", .string, since: "4.18", description: "the second DNS server of the tiers"),
            ParameterSpec("ip6dns1", .string, since: "4.18", description: "the first IPv6 DNS server"),
            ParameterSpec("ip6dns2", .string, since: "4.18", description: "the second IPv6 DNS server"),
            ParameterSpec("sourcenatipaddress", .string, since: "4.19", description: "a free public address to use for source NAT"),
        ], response: Schemas.vpc.description, access: .all, event: CommandEvent(EventType.vpcCreate, "Creating VPC"),
        handler: .async(prepare: { ctx in
            JobPlan(syncKey: "vpc-create:\(ctx.caller.account.uuid.uuidString.lowercased())", instanceType: "Vpc")
        }, execute: { ctx in
            let p = ctx.parameters
            var r = CreateVPCRequest(name: try p.requiredString("name"), cidr: try p.requiredString("cidr"), zoneID: try p.requiredUUID("zoneid"),
                                     vpcOfferingID: try p.requiredUUID("vpcofferingid"))
            r.displayText = p.string("displaytext"); r.networkDomain = p.string("networkdomain"); r.accountName = p.string("account")
            r.domainID = p.uuid("domainid"); r.display = p.bool("fordisplay"); r.start = p.bool("start", default: true); r.publicMTU = p.int("publicmtu")
            r.dns1 = p.string("dns1"); r.dns2 = p.string("dns2"); r.ip6DNS1 = p.string("ip6dns1"); r.ip6DNS2 = p.string("ip6dns2")
            r.sourceNATAddress = p.string("sourcenatipaddress")
            let view = try await ctx.engine.vpcs.create(caller: ctx.caller, r)
            return .object(name: "vpc", Schemas.vpc.render(view))
        })),
        CommandSpec("listVPCs", description: "Lists VPCs", parameters: [
            ParameterSpec("id", .uuid, related: ["listVPCs"], description: "list only this VPC"),
            ParameterSpec("name", .string, description: "list VPCs of this name"),
            ParameterSpec("displaytext", .string, description: "list VPCs with this description"),
            ParameterSpec("cidr", .string, description: "list VPCs with this CIDR"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list VPCs of this zone"),
            ParameterSpec("vpcofferingid", .uuid, related: ["listVPCOfferings"], description: "list VPCs of this offering"),
            ParameterSpec("state", .string, description: "Enabled or Inactive"),
            ParameterSpec("restartrequired", .boolean, description: "list VPCs that need a restart, or those that do not"),
            ParameterSpec("fordisplay", .boolean, description: "list VPCs shown to their owner, or hidden ones (admins)"),
            ParameterSpec("supportedservices", .list(.string), description: "accepted for compatibility"),
            ParameterSpec("showicon", .boolean, description: "accepted for compatibility"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec.tagFilter,
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.vpc.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var q = VPCService.Query()
            q.id = p.uuid("id"); q.name = p.string("name"); q.displayText = p.string("displaytext"); q.cidr = p.string("cidr"); q.zoneID = p.uuid("zoneid")
            q.vpcOfferingID = p.uuid("vpcofferingid"); q.state = p.string("state"); q.restartRequired = p.bool("restartrequired")
            q.display = p.bool("fordisplay"); q.keyword = p.string("keyword")
            q.tags = try p.tagFilter()
            let listing = try await ctx.engine.vpcs.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), q, page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.vpc)
        }),
        CommandSpec("updateVPC", description: "Changes a VPC's name, description, display or public MTU", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVPCs"], description: "the VPC"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("displaytext", .string, description: "the new description"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (admins)"),
            ParameterSpec("publicmtu", .integer, since: "4.18", description: "the MTU of the router's public interface"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ], response: Schemas.vpc.description, access: .all, event: CommandEvent(EventType.vpcUpdate, "Updating VPC"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.vpcs.administered(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let p = ctx.parameters
            if p.string("sourcenatipaddress") != nil {
                throw CloudError.invalidParameter("Changing the source NAT address of a VPC is not supported; restart the VPC with cleanup to renew its router")
            }
            let view = try await ctx.engine.vpcs.update(caller: ctx.caller, id: try p.requiredUUID("id"), name: p.string("name"), displayText: p.string("displaytext"),
                                                        display: p.bool("fordisplay"), publicMTU: p.int("publicmtu"))
            return .object(name: "vpc", Schemas.vpc.render(view))
        })),
        CommandSpec("restartVPC", description: "Restarts a VPC: its routers re-apply their configuration, or with cleanup are replaced", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVPCs"], description: "the VPC"),
            ParameterSpec("cleanup", .boolean, description: "replace the routers (default false)"),
            ParameterSpec("makeredundant", .boolean, description: "accepted for compatibility"),
            ParameterSpec("livepatch", .boolean, since: "4.17", description: "patch the routers' software, then restart without cleanup"),
        ], response: .success, access: .all, event: CommandEvent(EventType.vpcRestart, "Restarting VPC"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.vpcs.administered(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let p = ctx.parameters
            let livePatch = p.bool("livepatch", default: false)
            _ = try await ctx.engine.vpcs.restart(caller: ctx.caller, id: try p.requiredUUID("id"), cleanup: livePatch ? false : p.bool("cleanup", default: false),
                                                  livePatch: livePatch)
            return .success(displayText: nil)
        })),
        CommandSpec("deleteVPC", description: "Deletes a VPC without tiers, releasing its router, addresses, gateways and ACL lists", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVPCs"], description: "the VPC"),
        ], response: .success, access: .all, event: CommandEvent(EventType.vpcDelete, "Deleting VPC"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.vpcs.checkDelete(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            try await ctx.engine.vpcs.delete(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),

        // MARK: Private gateways and static routes
        CommandSpec("createPrivateGateway", description: "Creates a private gateway of a VPC: on a VLAN (admins) or associated with a network (4.17)", parameters: [
            ParameterSpec("vpcid", .uuid, required: true, related: ["listVPCs"], description: "the VPC"),
            ParameterSpec("ipaddress", .string, required: true, description: "the router's address on the private network"),
            ParameterSpec("gateway", .string, required: true, description: "the gateway of the private network"),
            ParameterSpec("netmask", .string, required: true, description: "the netmask of the private network"),
            ParameterSpec("vlan", .string, description: "the VLAN of the private network (root admins)"),
            ParameterSpec("physicalnetworkid", .uuid, related: ["listPhysicalNetworks"], description: "the physical network of the VLAN (default: the zone's guest one)"),
            ParameterSpec("associatednetworkid", .uuid, since: "4.17", related: ["listNetworks"], description: "a network of the VPC's owner to carry the gateway"),
            ParameterSpec("aclid", .uuid, related: ["listNetworkACLLists"], description: "the network ACL list of the gateway (default: default_deny)"),
            ParameterSpec("sourcenatsupported", .boolean, description: "whether source NAT is done on the private network (default false)"),
            ParameterSpec("networkofferingid", .uuid, description: "accepted for compatibility"),
            ParameterSpec("bypassvlanoverlapcheck", .boolean, description: "accepted for compatibility"),
        ], response: Schemas.privateGateway.description, access: .all, event: CommandEvent(EventType.privateGatewayCreate, "Creating private gateway"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.vpcs.administered(caller: ctx.caller, id: try ctx.parameters.requiredUUID("vpcid")))
        }, execute: { ctx in
            let p = ctx.parameters
            var r = CreatePrivateGatewayRequest(vpcID: try p.requiredUUID("vpcid"), ipAddress: try p.requiredString("ipaddress"), gateway: try p.requiredString("gateway"),
                                                netmask: try p.requiredString("netmask"))
            r.vlan = p.string("vlan"); r.physicalNetworkID = p.uuid("physicalnetworkid"); r.associatedNetworkID = p.uuid("associatednetworkid")
            r.aclID = p.uuid("aclid"); r.sourceNATSupported = p.bool("sourcenatsupported")
            let view = try await ctx.engine.vpcs.createGateway(caller: ctx.caller, r)
            return .object(name: "privategateway", Schemas.privateGateway.render(view))
        })),
        CommandSpec("deletePrivateGateway", description: "Deletes a private gateway without static routes", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPrivateGateways"], description: "the gateway"),
        ], response: .success, access: .all, event: CommandEvent(EventType.privateGatewayDelete, "Deleting private gateway"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.vpcs.gateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")).1)
        }, execute: { ctx in
            try await ctx.engine.vpcs.deleteGateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("listPrivateGateways", description: "Lists the private gateways of VPCs", parameters: [
            ParameterSpec("id", .uuid, related: ["listPrivateGateways"], description: "list only this gateway"),
            ParameterSpec("vpcid", .uuid, related: ["listVPCs"], description: "list the gateways of this VPC"),
            ParameterSpec("ipaddress", .string, description: "list gateways with this router address"),
            ParameterSpec("vlan", .string, description: "list gateways on this VLAN"),
            ParameterSpec("state", .string, description: "Creating, Ready or Deleting"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.privateGateway.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.vpcs.gateways(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                             vpcID: p.uuid("vpcid"), ipAddress: p.string("ipaddress"), vlan: p.string("vlan"),
                                                             state: p.string("state"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.privateGateway)
        }),
        CommandSpec("createStaticRoute", description: "Routes a destination outside the VPC through one of its private gateways", parameters: [
            ParameterSpec("gatewayid", .uuid, required: true, related: ["listPrivateGateways"], description: "the private gateway"),
            ParameterSpec("cidr", .string, required: true, description: "the destination (outside the VPC's CIDR)"),
        ], response: Schemas.staticRoute.description, access: .all, event: CommandEvent(EventType.staticRouteCreate, "Creating static route"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.vpcs.gateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("gatewayid")).1)
        }, execute: { ctx in
            let view = try await ctx.engine.vpcs.createRoute(caller: ctx.caller, gatewayID: try ctx.parameters.requiredUUID("gatewayid"),
                                                             cidr: try ctx.parameters.requiredString("cidr"))
            return .object(name: "staticroute", Schemas.staticRoute.render(view))
        })),
        CommandSpec("deleteStaticRoute", description: "Deletes a static route", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listStaticRoutes"], description: "the route"),
        ], response: .success, access: .all, event: CommandEvent(EventType.staticRouteDelete, "Deleting static route"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.vpcs.route(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")).1)
        }, execute: { ctx in
            try await ctx.engine.vpcs.deleteRoute(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("listStaticRoutes", description: "Lists the static routes of VPCs", parameters: [
            ParameterSpec("id", .uuid, related: ["listStaticRoutes"], description: "list only this route"),
            ParameterSpec("vpcid", .uuid, related: ["listVPCs"], description: "list the routes of this VPC"),
            ParameterSpec("gatewayid", .uuid, related: ["listPrivateGateways"], description: "list the routes through this gateway"),
            ParameterSpec("state", .string, description: "list routes in this state"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec.tagFilter,
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.staticRoute.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.vpcs.routes(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                           vpcID: p.uuid("vpcid"), gatewayID: p.uuid("gatewayid"), state: p.string("state"), tags: try p.tagFilter(),
                                                           page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.staticRoute)
        }),
    ]
}
