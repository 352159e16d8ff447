import CirrusEngine
import CirrusModel
import Foundation

/// Guest network commands: createNetwork, listNetworks, updateNetwork, deleteNetwork,
/// restartNetwork, and listNics.
enum NetworkCommands {
    static func plan(_ n: Network) -> JobPlan {
        JobPlan(syncKey: "network:\(n.uuid.uuidString.lowercased())", instanceType: "Network", instanceUUID: n.uuid.uuidString.lowercased(), resourceName: n.name)
    }

    static let all: [CommandSpec] = [
        CommandSpec("createNetwork", description: "Creates a guest network: Isolated, Shared or L2, by its offering", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the network"),
            ParameterSpec("displaytext", .string, description: "the description of the network (default: its name)"),
            ParameterSpec("networkofferingid", .uuid, required: true, related: ["listNetworkOfferings"], description: "the offering: decides Isolated, Shared or L2 and the services"),
            ParameterSpec("zoneid", .uuid, required: true, related: ["listZones"], description: "the zone of the network"),
            ParameterSpec("physicalnetworkid", .uuid, related: ["listPhysicalNetworks"], description: "the physical network (default: the zone's guest one)"),
            ParameterSpec("gateway", .string, description: "the IPv4 gateway (with netmask; default for Isolated networks: the zone's guest CIDR)"),
            ParameterSpec("netmask", .string, description: "the IPv4 netmask (with gateway)"),
            ParameterSpec("startip", .string, description: "the first guest address of a Shared network"),
            ParameterSpec("endip", .string, description: "the last guest address of a Shared network (default: startip)"),
            ParameterSpec("networkdomain", .string, description: "the DNS domain of the network"),
            ParameterSpec("acltype", .string, description: "Account (one account) or Domain (every account of the domain; Shared networks, admins)"),
            ParameterSpec("account", .string, description: "the owning account (admins), with domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account, or of a Domain network"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec("subdomainaccess", .boolean, description: "whether subdomains may use a Domain network (default true)"),
            ParameterSpec("vpcid", .uuid, related: ["listVPCs"], description: "the VPC of a tier (with gateway and netmask inside the VPC's CIDR)"),
            ParameterSpec("aclid", .uuid, related: ["listNetworkACLLists"], description: "a tier's network ACL list (default: default_deny)"),
            ParameterSpec("externalid", .string, description: "an external reference for the network"),
            ParameterSpec("displaynetwork", .boolean, description: "whether the owner sees it (admins; default true)"),
            ParameterSpec("publicmtu", .integer, since: "4.18", description: "the MTU of the router's public interface (68 to 9000, default 1500)"),
            ParameterSpec("privatemtu", .integer, since: "4.18", description: "the MTU of the guest interfaces (68 to 9000, default 1500)"),
            ParameterSpec("dns1", .string, since: "4.18", description: "the first DNS server of the network"),
            ParameterSpec("dns2", .string, since: "4.18", description: "the second DNS server of the network"),
            ParameterSpec("ip6dns1", .string, since: "4.18", description: "the first IPv6 DNS server of the network"),
            ParameterSpec("ip6dns2", .string, since: "4.18", description: "the second IPv6 DNS server of the network"),
        ], response: Schemas.network.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var r = CreateNetworkRequest(name: try p.requiredString("name"), networkOfferingID: try p.requiredUUID("networkofferingid"))
            r.displayText = p.string("displaytext"); r.zoneID = p.uuid("zoneid"); r.physicalNetworkID = p.uuid("physicalnetworkid")
            r.gateway = p.string("gateway"); r.netmask = p.string("netmask"); r.startIP = p.string("startip"); r.endIP = p.string("endip")
            r.networkDomain = p.string("networkdomain"); r.aclType = p.string("acltype"); r.accountName = p.string("account"); r.domainID = p.uuid("domainid")
            r.subdomainAccess = p.bool("subdomainaccess"); r.vpcID = p.uuid("vpcid"); r.aclID = p.uuid("aclid"); r.externalID = p.string("externalid")
            r.displayNetwork = p.bool("displaynetwork"); r.publicMTU = p.int("publicmtu"); r.privateMTU = p.int("privatemtu")
            r.dns1 = p.string("dns1"); r.dns2 = p.string("dns2"); r.ip6DNS1 = p.string("ip6dns1"); r.ip6DNS2 = p.string("ip6dns2")
            if r.displayNetwork != nil && !ctx.caller.isAdmin { throw CloudError.permissionDenied("Only admins may set displaynetwork") }
            let view = try await ctx.engine.networks.create(caller: ctx.caller, r)
            return .object(name: "network", Schemas.network.render(view))
        }),
        CommandSpec("listNetworks", description: "Lists the guest networks the caller owns or may use", parameters: [
            ParameterSpec("id", .uuid, related: ["listNetworks"], description: "list only this network"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list networks of this zone"),
            ParameterSpec("type", .string, description: "Isolated, Shared or L2"),
            ParameterSpec("issystem", .boolean, description: "list system networks (none are listed)"),
            ParameterSpec("acltype", .string, description: "Account or Domain"),
            ParameterSpec("traffictype", .string, description: "the traffic type (Guest)"),
            ParameterSpec("physicalnetworkid", .uuid, related: ["listPhysicalNetworks"], description: "list networks of this physical network"),
            ParameterSpec("restartrequired", .boolean, description: "list networks that need a restart, or those that do not"),
            ParameterSpec("vpcid", .uuid, description: "list the tiers of this VPC"),
            ParameterSpec("forvpc", .boolean, description: "list VPC tiers, or only networks outside VPCs"),
            ParameterSpec("canusefordeploy", .boolean, description: "list networks the caller may deploy into, or may not"),
            ParameterSpec("displaynetwork", .boolean, description: "list networks shown to their owner, or hidden ones (admins)"),
            ParameterSpec("networkofferingid", .uuid, related: ["listNetworkOfferings"], description: "list networks of this offering"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.network.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var q = GuestNetworkService.Query()
            q.id = p.uuid("id"); q.zoneID = p.uuid("zoneid"); q.type = p.string("type"); q.aclType = p.string("acltype"); q.trafficType = p.string("traffictype")
            q.physicalNetworkID = p.uuid("physicalnetworkid"); q.restartRequired = p.bool("restartrequired"); q.vpcID = p.uuid("vpcid"); q.forVPC = p.bool("forvpc")
            q.canUseForDeploy = p.bool("canusefordeploy"); q.displayNetwork = p.bool("displaynetwork"); q.networkOfferingID = p.uuid("networkofferingid")
            q.isSystem = p.bool("issystem"); q.keyword = p.string("keyword")
            let listing = try await ctx.engine.networks.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount),
                                                             ownOnly: p.string("account") != nil, q, page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.network)
        }),
        CommandSpec("updateNetwork", description: "Changes a network: names, domain, DNS, MTUs, offering, guest CIDR", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworks"], description: "the network"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("displaytext", .string, description: "the new description"),
            ParameterSpec("networkdomain", .string, description: "the new DNS domain (needs a restart to apply)"),
            ParameterSpec("networkofferingid", .uuid, related: ["listNetworkOfferings"], description: "a new offering of the same guest type"),
            ParameterSpec("guestvmcidr", .string, description: "a smaller guest CIDR inside the network's CIDR (Isolated networks)"),
            ParameterSpec("changecidr", .boolean, description: "accepted for compatibility"),
            ParameterSpec("displaynetwork", .boolean, description: "whether the owner sees it (admins)"),
            ParameterSpec("publicmtu", .integer, since: "4.18", description: "the MTU of the router's public interface"),
            ParameterSpec("privatemtu", .integer, since: "4.18", description: "the MTU of the guest interfaces"),
            ParameterSpec("dns1", .string, since: "4.18", description: "the first DNS server"),
            ParameterSpec("dns2", .string, since: "4.18", description: "the second DNS server"),
        ], response: Schemas.network.description, access: .all, event: CommandEvent(EventType.networkUpdate, "Updating network"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.networks.administered(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let p = ctx.parameters
            var u = UpdateNetworkRequest()
            u.name = p.string("name"); u.displayText = p.string("displaytext"); u.networkDomain = p.string("networkdomain")
            u.networkOfferingID = p.uuid("networkofferingid"); u.guestVMCIDR = p.string("guestvmcidr"); u.displayNetwork = p.bool("displaynetwork")
            u.publicMTU = p.int("publicmtu"); u.privateMTU = p.int("privatemtu"); u.dns1 = p.string("dns1"); u.dns2 = p.string("dns2")
            let view = try await ctx.engine.networks.update(caller: ctx.caller, id: try p.requiredUUID("id"), u)
            return .object(name: "network", Schemas.network.render(view))
        })),
        CommandSpec("deleteNetwork", description: "Deletes a network with no instance NICs on it, releasing its VNI, addresses and routers", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworks"], description: "the network"),
            ParameterSpec("forced", .boolean, description: "delete even with NICs on it (root admins)"),
        ], response: .success, access: .all, event: CommandEvent(EventType.networkDelete, "Deleting network"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.networks.checkDelete(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"),
                                                           forced: ctx.parameters.bool("forced", default: false)))
        }, execute: { ctx in
            try await ctx.engine.networks.delete(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), forced: ctx.parameters.bool("forced", default: false))
            return .success(displayText: nil)
        })),
        CommandSpec("restartNetwork", description: "Restarts a network: re-applies its router configuration, or with cleanup replaces its routers", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworks"], description: "the network"),
            ParameterSpec("cleanup", .boolean, description: "replace the routers (default false)"),
            ParameterSpec("makeredundant", .boolean, description: "accepted for compatibility"),
            ParameterSpec("livepatch", .boolean, since: "4.17", description: "patch the routers' software, then restart without cleanup"),
        ], response: Schemas.network.description, access: .all, event: CommandEvent(EventType.networkRestart, "Restarting network"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.networks.administered(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let p = ctx.parameters
            let livePatch = p.bool("livepatch", default: false)
            let view = try await ctx.engine.networks.restart(caller: ctx.caller, id: try p.requiredUUID("id"),
                                                             cleanup: livePatch ? false : p.bool("cleanup", default: false), livePatch: livePatch)
            return .object(name: "network", Schemas.network.render(view))
        })),
        CommandSpec("listNics", description: "Lists the NICs of an instance", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance"),
            ParameterSpec("nicid", .uuid, related: ["listNics"], description: "list only this NIC"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "list only the NIC on this network"),
            ParameterSpec("fordisplay", .boolean, description: "accepted for compatibility"),
        ] + ParameterSpec.paging, response: Schemas.nic.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.networks.listNics(caller: ctx.caller, instanceID: try p.requiredUUID("virtualmachineid"), nicID: p.uuid("nicid"),
                                                                 networkID: p.uuid("networkid"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.nic)
        }),
    ]
}
