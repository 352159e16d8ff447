import CirrusEngine
import CirrusModel
import Foundation

/// Network ACL lists and items of VPC tiers: createNetworkACLList, updateNetworkACLList,
/// deleteNetworkACLList, listNetworkACLLists, createNetworkACL, updateNetworkACLItem,
/// deleteNetworkACL, listNetworkACLs, replaceNetworkACLList.
enum NetworkACLCommands {
    static func listPlan(_ ctx: CommandContext, _ id: UUID) async throws -> JobPlan {
        JobPlan(syncKey: "networkacl:\(id.uuidString.lowercased())", instanceType: "NetworkAcl", instanceUUID: id.uuidString.lowercased())
    }

    static func itemRequest(_ p: Parameters) -> NetworkACLItemRequest {
        var r = NetworkACLItemRequest()
        r.aclID = p.uuid("aclid"); r.networkID = p.uuid("networkid"); r.proto = p.string("protocol")
        r.startPort = p.int("startport"); r.endPort = p.int("endport"); r.icmpType = p.int("icmptype"); r.icmpCode = p.int("icmpcode")
        r.cidrList = p.list("cidrlist"); r.action = p.string("action"); r.trafficType = p.string("traffictype"); r.number = p.int("number")
        r.reason = p.string("reason"); r.display = p.bool("fordisplay")
        return r
    }

    static let itemParameters: [ParameterSpec] = [
        ParameterSpec("startport", .integer, description: "the first port (tcp, udp)"),
        ParameterSpec("endport", .integer, description: "the last port (default: startport)"),
        ParameterSpec("cidrlist", .list(.string), description: "the CIDRs the item matches (default 0.0.0.0/0)"),
        ParameterSpec("icmptype", .integer, description: "the ICMP type (-1: any)"),
        ParameterSpec("icmpcode", .integer, description: "the ICMP code (-1: any)"),
        ParameterSpec("traffictype", .string, description: "Ingress (default) or Egress"),
        ParameterSpec("action", .string, description: "Allow (default) or Deny"),
        ParameterSpec("number", .integer, description: "its position; items are evaluated by ascending number (default: after the last)"),
        ParameterSpec("reason", .string, since: "4.17", description: "why the item exists"),
        ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (default true)"),
    ]

    static let all: [CommandSpec] = [
        CommandSpec("createNetworkACLList", description: "Creates an empty network ACL list in a VPC", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the list"),
            ParameterSpec("description", .string, description: "the description of the list (default: its name)"),
            ParameterSpec("vpcid", .uuid, related: ["listVPCs"], description: "the VPC of the list"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (default true)"),
        ], response: Schemas.networkACLList.description, access: .all, event: CommandEvent(EventType.networkACLCreate, "Creating network ACL list"),
        handler: .async(prepare: { ctx in
            guard let vpc = ctx.parameters.uuid("vpcid") else { throw CloudError.invalidParameter("vpcid is required: a network ACL list belongs to a VPC") }
            return VPCCommands.plan(try await ctx.engine.vpcs.administered(caller: ctx.caller, id: vpc))
        }, execute: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.vpcs.createList(caller: ctx.caller, name: try p.requiredString("name"), description: p.string("description"),
                                                            vpcID: p.uuid("vpcid"), display: p.bool("fordisplay"))
            return .object(name: "networkacllist", Schemas.networkACLList.render(view))
        })),
        CommandSpec("updateNetworkACLList", description: "Changes a network ACL list's name, description or display", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworkACLLists"], description: "the list"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("description", .string, description: "the new description"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ], response: Schemas.networkACLList.description, access: .all, event: CommandEvent(EventType.networkACLUpdate, "Updating network ACL list"),
        handler: .async(prepare: { ctx in try await listPlan(ctx, try ctx.parameters.requiredUUID("id")) }, execute: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.vpcs.updateList(caller: ctx.caller, id: try p.requiredUUID("id"), name: p.string("name"),
                                                            description: p.string("description"), display: p.bool("fordisplay"))
            return .object(name: "networkacllist", Schemas.networkACLList.render(view))
        })),
        CommandSpec("deleteNetworkACLList", description: "Deletes a network ACL list no tier or gateway uses", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworkACLLists"], description: "the list"),
        ], response: .success, access: .all, event: CommandEvent(EventType.networkACLDelete, "Deleting network ACL list"),
        handler: .async(prepare: { ctx in try await listPlan(ctx, try ctx.parameters.requiredUUID("id")) }, execute: { ctx in
            try await ctx.engine.vpcs.deleteList(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("listNetworkACLLists", description: "Lists network ACL lists: default_allow, default_deny and those of the caller's VPCs", parameters: [
            ParameterSpec("id", .uuid, related: ["listNetworkACLLists"], description: "list only this list"),
            ParameterSpec("name", .string, description: "list lists of this name"),
            ParameterSpec("vpcid", .uuid, related: ["listVPCs"], description: "the lists usable in this VPC"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "the list this tier uses"),
            ParameterSpec("fordisplay", .boolean, description: "list only lists shown to their owner, or only hidden ones"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.networkACLList.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.vpcs.lists(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"), name: p.string("name"),
                                                          vpcID: p.uuid("vpcid"), networkID: p.uuid("networkid"), display: p.bool("fordisplay"),
                                                          keyword: p.string("keyword"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.networkACLList)
        }),
        CommandSpec("replaceNetworkACLList", description: "Makes a tier or private gateway use another network ACL list", parameters: [
            ParameterSpec("aclid", .uuid, required: true, related: ["listNetworkACLLists"], description: "the list to use"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "the tier"),
            ParameterSpec("gatewayid", .uuid, related: ["listPrivateGateways"], description: "the private gateway"),
        ], response: .success, access: .all, event: CommandEvent(EventType.networkACLReplace, "Replacing network ACL list"),
        handler: .async(prepare: { ctx in try await listPlan(ctx, try ctx.parameters.requiredUUID("aclid")) }, execute: { ctx in
            let p = ctx.parameters
            try await ctx.engine.vpcs.replaceList(caller: ctx.caller, aclID: try p.requiredUUID("aclid"), networkID: p.uuid("networkid"), gatewayID: p.uuid("gatewayid"))
            return .success(displayText: nil)
        })),
        CommandSpec("createNetworkACL", description: "Adds an item to a network ACL list (never to default_allow or default_deny)", parameters: [
            ParameterSpec("protocol", .string, required: true, description: "tcp, udp, icmp, all, or an IP protocol number"),
            ParameterSpec("aclid", .uuid, related: ["listNetworkACLLists"], description: "the list"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "the tier whose list gets the item (instead of aclid)"),
        ] + itemParameters, response: Schemas.networkACLItem.description, access: .all,
        event: CommandEvent(EventType.networkACLItemCreate, "Creating network ACL item"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            if let acl = p.uuid("aclid") { return try await listPlan(ctx, acl) }
            guard let n = p.uuid("networkid") else { throw CloudError.invalidParameter("Give aclid or networkid: the list the item goes into") }
            return NetworkCommands.plan(try await ctx.engine.networks.administered(caller: ctx.caller, id: n))
        }, execute: { ctx in
            let view = try await ctx.engine.vpcs.createItem(caller: ctx.caller, itemRequest(ctx.parameters))
            return .object(name: "networkacl", Schemas.networkACLItem.render(view))
        })),
        CommandSpec("updateNetworkACLItem", description: "Changes an item of a network ACL list; fields not given keep their values", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworkACLs"], description: "the item"),
            ParameterSpec("protocol", .string, description: "tcp, udp, icmp, all, or an IP protocol number"),
            ParameterSpec("partialupgrade", .boolean, description: "accepted for compatibility (fields not given are always kept)"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ] + itemParameters, response: Schemas.networkACLItem.description, access: .all,
        event: CommandEvent(EventType.networkACLItemUpdate, "Updating network ACL item"),
        handler: .async(prepare: { ctx in
            VPCCommands.plan(try await ctx.engine.vpcs.item(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")).1)
        }, execute: { ctx in
            let view = try await ctx.engine.vpcs.updateItem(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), itemRequest(ctx.parameters))
            return .object(name: "networkacl", Schemas.networkACLItem.render(view))
        })),
        CommandSpec("deleteNetworkACL", description: "Deletes an item of a network ACL list", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworkACLs"], description: "the item"),
        ], response: .success, access: .all, event: CommandEvent(EventType.networkACLItemDelete, "Deleting network ACL item"),
        handler: .async(prepare: { ctx in
            VPCCommands.plan(try await ctx.engine.vpcs.item(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")).1)
        }, execute: { ctx in
            try await ctx.engine.vpcs.deleteItem(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("listNetworkACLs", description: "Lists the items of network ACL lists", parameters: [
            ParameterSpec("id", .uuid, related: ["listNetworkACLs"], description: "list only this item"),
            ParameterSpec("aclid", .uuid, related: ["listNetworkACLLists"], description: "list the items of this list"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "list the items of this tier's list"),
            ParameterSpec("traffictype", .string, description: "Ingress or Egress"),
            ParameterSpec("protocol", .string, description: "list items of this protocol"),
            ParameterSpec("action", .string, description: "Allow or Deny"),
            ParameterSpec("fordisplay", .boolean, description: "list only items shown to their owner, or only hidden ones"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec.tagFilter,
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.networkACLItem.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.vpcs.items(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"), aclID: p.uuid("aclid"),
                                                          networkID: p.uuid("networkid"), trafficType: p.string("traffictype"), proto: p.string("protocol"),
                                                          action: p.string("action"), display: p.bool("fordisplay"), keyword: p.string("keyword"),
                                                          page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.networkACLItem)
        }),
    ]
}
