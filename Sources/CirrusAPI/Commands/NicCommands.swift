import CirrusEngine
import CirrusModel
import Foundation

extension Schemas {
    /// CloudStack's `NicSecondaryIpResponse`.
    static let addedSecondaryIP = ResponseSchema<NicSecondaryIPView>(objectName: "nicsecondaryip", fields: [
        .string("id", "the ID of the secondary address") { id($0.ip.uuid) },
        .string("ipaddress", "the secondary address") { $0.ip.address },
        .string("nicid", "the ID of the NIC") { id($0.nicUUID) },
        .string("networkid", "the ID of the network") { id($0.networkUUID) },
        .string("virtualmachineid", "the ID of the instance") { id($0.instanceUUID) },
    ])

    /// An account granted a network (`listNetworkPermissions`).
    static let networkPermission = ResponseSchema<NetworkPermissionView>(objectName: "networkpermission", fields: [
        .string("networkid", "the ID of the network") { id($0.networkUUID) },
        .string("accountid", "the ID of the granted account") { id($0.account.uuid) },
        .string("account", "the name of the granted account") { $0.account.name },
        .string("domainid", "the ID of its domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of its domain") { $0.domain?.name },
    ])
}

/// A secondary address with the ids its response names.
public struct NicSecondaryIPView: Sendable {
    var ip: NicSecondaryIP
    var nicUUID: UUID
    var networkUUID: UUID
    var instanceUUID: UUID
}

/// NICs of instances (add, remove, default, address, secondary addresses) and 4.17's network
/// permissions.
enum NicCommands {
    static func instance(_ ctx: CommandContext, _ vm: VirtualMachine) async throws -> CommandResult {
        .object(name: "virtualmachine", Schemas.virtualMachine.render(try await ctx.engine.instances.view(vm)))
    }

    static let all: [CommandSpec] = nics + permissions

    static let nics: [CommandSpec] = [
        CommandSpec("addNicToVirtualMachine", description: "Adds a NIC on another network to an instance", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance"),
            ParameterSpec("networkid", .uuid, required: true, related: ["listNetworks"], description: "the network, one the instance's owner may use"),
            ParameterSpec("ipaddress", .string, description: "the address on that network (default: a free one)"),
            ParameterSpec("macaddress", .string, description: "the MAC address (default: a generated one)"),
            ParameterSpec("dhcpoptions", .map, description: "accepted for compatibility"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.nicCreate, "Adding NIC to instance"),
        handler: .async(prepare: { ctx in
            InstanceCommands.plan(try await ctx.engine.networks.nicTarget(caller: ctx.caller, instanceID: try ctx.parameters.requiredUUID("virtualmachineid"), nicID: nil))
        }, execute: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.networks.addNic(caller: ctx.caller, instanceID: try p.requiredUUID("virtualmachineid"), networkID: try p.requiredUUID("networkid"),
                                                          address: p.string("ipaddress"), mac: p.string("macaddress"))
            return try await instance(ctx, vm)
        })),
        CommandSpec("removeNicFromVirtualMachine", description: "Removes a NIC (not the default one) from an instance", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance"),
            ParameterSpec("nicid", .uuid, required: true, related: ["listNics"], description: "the NIC"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.nicDelete, "Removing NIC from instance"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            return InstanceCommands.plan(try await ctx.engine.networks.nicTarget(caller: ctx.caller, instanceID: try p.requiredUUID("virtualmachineid"), nicID: try p.requiredUUID("nicid")))
        }, execute: { ctx in
            let p = ctx.parameters
            return try await instance(ctx, try await ctx.engine.networks.removeNic(caller: ctx.caller, instanceID: try p.requiredUUID("virtualmachineid"),
                                                                                    nicID: try p.requiredUUID("nicid")))
        })),
        CommandSpec("updateDefaultNicForVirtualMachine", description: "Makes a NIC the instance's default", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance"),
            ParameterSpec("nicid", .uuid, required: true, related: ["listNics"], description: "the NIC"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.nicUpdate, "Changing the default NIC"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            return InstanceCommands.plan(try await ctx.engine.networks.nicTarget(caller: ctx.caller, instanceID: try p.requiredUUID("virtualmachineid"), nicID: try p.requiredUUID("nicid")))
        }, execute: { ctx in
            let p = ctx.parameters
            return try await instance(ctx, try await ctx.engine.networks.updateDefaultNic(caller: ctx.caller, instanceID: try p.requiredUUID("virtualmachineid"),
                                                                                          nicID: try p.requiredUUID("nicid")))
        })),
        CommandSpec("updateVmNicIp", description: "Gives a NIC of a stopped instance another address on its network", parameters: [
            ParameterSpec("nicid", .uuid, required: true, related: ["listNics"], description: "the NIC"),
            ParameterSpec("ipaddress", .string, description: "the new address (default: a free one)"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.nicUpdate, "Updating NIC address"),
        handler: .async(prepare: { ctx in
            InstanceCommands.plan(try await ctx.engine.networks.nicTarget(caller: ctx.caller, instanceID: nil, nicID: try ctx.parameters.requiredUUID("nicid")))
        }, execute: { ctx in
            return try await instance(ctx, try await ctx.engine.networks.updateNicIP(caller: ctx.caller, nicID: try ctx.parameters.requiredUUID("nicid"),
                                                                                     address: ctx.parameters.string("ipaddress")))
        })),
        CommandSpec("addIpToNic", description: "Adds a secondary address to a NIC", parameters: [
            ParameterSpec("nicid", .uuid, required: true, related: ["listNics"], description: "the NIC"),
            ParameterSpec("ipaddress", .string, description: "the address (default: a free one)"),
        ], response: Schemas.addedSecondaryIP.description, access: .all, event: CommandEvent(EventType.nicSecondaryIPAssign, "Adding a secondary address"),
        handler: .async(prepare: { ctx in
            InstanceCommands.plan(try await ctx.engine.networks.nicTarget(caller: ctx.caller, instanceID: nil, nicID: try ctx.parameters.requiredUUID("nicid")))
        }, execute: { ctx in
            let nicID = try ctx.parameters.requiredUUID("nicid")
            let ip = try await ctx.engine.networks.addSecondaryIP(caller: ctx.caller, nicID: nicID, address: ctx.parameters.string("ipaddress"))
            let vm = try await ctx.engine.networks.nicTarget(caller: ctx.caller, instanceID: nil, nicID: nicID)
            let network = try await ctx.engine.networks.network(id: ip.networkID)
            return .object(name: "nicsecondaryip", Schemas.addedSecondaryIP.render(NicSecondaryIPView(ip: ip, nicUUID: nicID, networkUUID: network.uuid, instanceUUID: vm.uuid)))
        })),
        CommandSpec("removeIpFromNic", description: "Removes a secondary address from a NIC", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNics"], description: "the secondary address"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: .success, access: .all, event: CommandEvent(EventType.nicSecondaryIPUnassign, "Removing a secondary address"),
        handler: .async(prepare: { ctx in
            InstanceCommands.plan(try await ctx.engine.networks.secondaryIP(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")).1)
        }, execute: { ctx in
            try await ctx.engine.networks.removeSecondaryIP(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
    ]

    static func grantParameters() -> [ParameterSpec] {
        [
            ParameterSpec("networkid", .uuid, required: true, related: ["listNetworks"], description: "the network"),
            ParameterSpec("accountids", .list(.uuid), related: ["listAccounts"], description: "accounts, by ID"),
            ParameterSpec("accounts", .list(.string), description: "accounts, by name in the network owner's domain"),
            ParameterSpec("projectids", .list(.uuid), description: "projects (not supported yet)"),
        ]
    }

    static let permissions: [CommandSpec] = [
        CommandSpec("createNetworkPermissions", description: "Lets other accounts of the owner's domain use an Isolated or L2 network", since: "4.17",
                    parameters: grantParameters(), response: .success, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            try await ctx.engine.networks.grant(caller: ctx.caller, networkID: try p.requiredUUID("networkid"), accountIDs: p.uuidList("accountids") ?? [],
                                                accountNames: p.list("accounts") ?? [], projectIDs: p.uuidList("projectids") ?? [])
            return .success(displayText: nil)
        }),
        CommandSpec("removeNetworkPermissions", description: "Takes the use of a network back from accounts without NICs on it", since: "4.17",
                    parameters: grantParameters(), response: .success, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            try await ctx.engine.networks.revoke(caller: ctx.caller, networkID: try p.requiredUUID("networkid"), accountIDs: p.uuidList("accountids") ?? [],
                                                 accountNames: p.list("accounts") ?? [], projectIDs: p.uuidList("projectids") ?? [])
            return .success(displayText: nil)
        }),
        CommandSpec("resetNetworkPermissions", description: "Takes the use of a network back from every granted account", since: "4.17", parameters: [
            ParameterSpec("networkid", .uuid, required: true, related: ["listNetworks"], description: "the network"),
        ], response: .success, access: .all, handler: .sync { ctx in
            try await ctx.engine.networks.resetGrants(caller: ctx.caller, networkID: try ctx.parameters.requiredUUID("networkid"))
            return .success(displayText: nil)
        }),
        CommandSpec("listNetworkPermissions", description: "Lists the accounts granted the use of a network", since: "4.17", parameters: [
            ParameterSpec("networkid", .uuid, required: true, related: ["listNetworks"], description: "the network"),
        ], response: Schemas.networkPermission.description, access: .all, handler: .sync { ctx in
            let views = try await ctx.engine.networks.grants(caller: ctx.caller, networkID: try ctx.parameters.requiredUUID("networkid"))
            return .list(itemName: "networkpermission", count: views.count, items: views.map(Schemas.networkPermission.render))
        }),
    ]
}
