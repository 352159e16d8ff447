import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// API commands that manage instances: offering changes and scaling, credentials (password,
/// SSH keys, user data), affinity groups, owner changes, restore, migration between hosts and
/// pools, and the migration listings.
enum InstanceManageCommands {
    /// `migrateto[N].volume` / `migrateto[N].pool` pairs.
    static func migrateTo(_ ctx: CommandContext) throws -> [(volume: UUID, pool: UUID)] {
        try (ctx.parameters.map("migrateto") ?? []).map { entry in
            guard let v = entry["volume"].flatMap(UUID.init(uuidString:)), let p = entry["pool"].flatMap(UUID.init(uuidString:)) else {
                throw CloudError.invalidParameter("Each migrateto entry needs a volume id and a pool id (migrateto[0].volume, migrateto[0].pool)")
            }
            return (v, p)
        }
    }

    /// `keypairs` and `keypair` together, as deploy takes them.
    static func keyPairNames(_ ctx: CommandContext) -> [String] {
        (ctx.parameters.list("keypairs") ?? []) + (ctx.parameters.string("keypair").map { [$0] } ?? [])
    }

    static let all: [CommandSpec] = [
        CommandSpec("changeServiceForVirtualMachine", description: "Gives a Stopped instance another compute offering", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance"),
            ParameterSpec("serviceofferingid", .uuid, required: true, related: ["listServiceOfferings"], description: "the new compute offering"),
            ParameterSpec("details", .map, description: "cpuNumber, cpuSpeed and memory for a custom offering"),
            ParameterSpec("automigrate", .boolean, since: "4.17", description: "accepted for compatibility; volumes stay where they are"),
            ParameterSpec("shrinkok", .boolean, since: "4.17", description: "accepted for compatibility; the ROOT volume is not resized"),
            ParameterSpec("miniops", .long, since: "4.17", description: "accepted for compatibility"),
            ParameterSpec("maxiops", .long, since: "4.17", description: "accepted for compatibility"),
        ], response: Schemas.virtualMachine.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("id"))
            let changed = try await ctx.engine.instances.changeService(vm, caller: ctx.caller, offeringID: try p.requiredUUID("serviceofferingid"),
                                                                       details: InstanceCommands.details(ctx))
            return try await InstanceCommands.render(ctx, changed)
        }),
        CommandSpec("scaleVirtualMachine", description: "Gives an instance another compute offering: a Running one grows in place (dynamic scaling), a Stopped one as changeServiceForVirtualMachine", parameters: [
            InstanceCommands.idParameter,
            ParameterSpec("serviceofferingid", .uuid, required: true, related: ["listServiceOfferings"], description: "the new compute offering"),
            ParameterSpec("details", .map, description: "cpuNumber, cpuSpeed and memory for a custom offering"),
            ParameterSpec("automigrate", .boolean, since: "4.17", description: "accepted for compatibility; volumes stay where they are"),
            ParameterSpec("shrinkok", .boolean, since: "4.17", description: "accepted for compatibility; the ROOT volume is not resized"),
            ParameterSpec("miniops", .long, since: "4.17", description: "accepted for compatibility"),
            ParameterSpec("maxiops", .long, since: "4.17", description: "accepted for compatibility"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmScale, "Scaling VM instance"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("id"))
            try await ctx.engine.instances.checkScale(vm, offeringID: try p.requiredUUID("serviceofferingid"), details: InstanceCommands.details(ctx))
            return InstanceCommands.plan(vm)
        }, execute: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.scale(try await InstanceCommands.jobInstance(ctx), caller: ctx.caller,
                                                          offeringID: try p.requiredUUID("serviceofferingid"), details: InstanceCommands.details(ctx))
            return try await InstanceCommands.render(ctx, vm)
        })),
        CommandSpec("assignVirtualMachine", description: "Moves a Stopped instance with its volumes to another account (admins)", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance to move"),
            ParameterSpec("account", .string, description: "the account to move it to"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of that account"),
            ParameterSpec("networkids", .list(.uuid), related: ["listNetworks"], description: "the new owner's networks for its NICs (default: its isolated network, made if it has none)"),
            ParameterSpec("securitygroupids", .list(.uuid), description: "accepted for compatibility; security groups are not assigned yet"),
        ], response: Schemas.virtualMachine.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("virtualmachineid"))
            let moved = try await ctx.engine.instances.assign(vm, caller: ctx.caller, accountName: p.string("account"), domainID: p.uuid("domainid"),
                                                              networkIDs: p.uuidList("networkids") ?? [])
            return try await InstanceCommands.render(ctx, moved)
        }),
        CommandSpec("restoreVirtualMachine", description: "Gives an instance a new ROOT volume from its template or another one; the old volume is destroyed", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance to restore"),
            ParameterSpec("templateid", .uuid, related: ["listTemplates"], description: "a template to restore from instead of the instance's own"),
            ParameterSpec("rootdisksize", .long, since: "4.19", description: "the size in GB of the new ROOT volume (at least the template's)"),
            ParameterSpec("expunge", .boolean, since: "4.19", description: "remove the old ROOT volume at once instead of leaving it destroyed"),
            ParameterSpec("diskofferingid", .uuid, since: "4.19", description: "accepted for compatibility; the old ROOT volume's disk offering is kept"),
            ParameterSpec("details", .map, since: "4.19", description: "accepted for compatibility"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmRestore, "Restoring VM instance"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("virtualmachineid"))
            _ = try await ctx.engine.instances.checkRestore(vm, caller: ctx.caller, templateID: p.uuid("templateid"), rootDiskSizeGB: p.long("rootdisksize"))
            return InstanceCommands.plan(vm)
        }, execute: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.restore(try await InstanceCommands.jobInstance(ctx), caller: ctx.caller, templateID: p.uuid("templateid"),
                                                            rootDiskSizeGB: p.long("rootdisksize"), expunge: p.bool("expunge", default: false))
            return try await InstanceCommands.render(ctx, vm)
        })),
        CommandSpec("resetPasswordForVirtualMachine", description: "Gives a Stopped instance of a password-enabled template a new password, delivered on its next start and shown once in the answer", parameters: [
            InstanceCommands.idParameter,
            ParameterSpec("password", .string, length: 255, since: "4.19", description: "the new password (generated when absent)"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmResetPassword, "Resetting the password of VM instance"),
        handler: .async(prepare: { ctx in
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            try await ctx.engine.instances.checkResetPassword(vm, password: ctx.parameters.string("password"))
            return InstanceCommands.plan(vm)
        }, execute: { ctx in
            let (vm, password) = try await ctx.engine.instances.resetPassword(try await InstanceCommands.jobInstance(ctx), caller: ctx.caller,
                                                                             password: ctx.parameters.string("password"))
            return try await InstanceCommands.render(ctx, vm, password: password)
        })),
        CommandSpec("resetSSHKeyForVirtualMachine", description: "Gives a Stopped instance other SSH key pairs (and a new password if its template is password-enabled), delivered on its next start", parameters: [
            InstanceCommands.idParameter,
            ParameterSpec("keypair", .string, description: "the name of the key pair"),
            ParameterSpec("keypairs", .list(.string), since: "4.17", description: "the names of several key pairs"),
            ParameterSpec("account", .string, description: "the owner of the key pairs (admins, with domainid)"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of that account"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmResetSSHKey, "Resetting the SSH keys of VM instance"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("id"))
            _ = try await ctx.engine.instances.checkResetSSHKeys(vm, caller: ctx.caller, names: keyPairNames(ctx), accountName: p.string("account"), domainID: p.uuid("domainid"))
            return InstanceCommands.plan(vm)
        }, execute: { ctx in
            let p = ctx.parameters
            let (vm, password) = try await ctx.engine.instances.resetSSHKeys(try await InstanceCommands.jobInstance(ctx), caller: ctx.caller, names: keyPairNames(ctx),
                                                                            accountName: p.string("account"), domainID: p.uuid("domainid"))
            return try await InstanceCommands.render(ctx, vm, password: password)
        })),
        CommandSpec("resetUserDataForVirtualMachine", description: "Gives a Stopped instance other user data, inline or registered, delivered on its next start", parameters: [
            InstanceCommands.idParameter,
            ParameterSpec("userdata", .string, length: 1_048_576, description: "base64 user data"),
            ParameterSpec("userdataid", .uuid, related: ["listUserData"], description: "registered user data to use"),
            ParameterSpec("userdatadetails", .map, description: "values for the parameters of the registered user data"),
            ParameterSpec("account", .string, description: "accepted for compatibility; the instance's owner is used"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "accepted for compatibility"),
        ], response: Schemas.virtualMachine.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("id"))
            let reset = UserDataReset(userData: p.string("userdata"), userDataID: p.uuid("userdataid"), details: InstanceCommands.details(ctx, "userdatadetails"),
                                      isPost: ctx.isPost)
            return try await InstanceCommands.render(ctx, try await ctx.engine.instances.resetUserData(vm, caller: ctx.caller, reset))
        }),
        CommandSpec("updateVMAffinityGroup", description: "Replaces the affinity groups of a Stopped instance; the next start places it by them", parameters: [
            InstanceCommands.idParameter,
            ParameterSpec("affinitygroupids", .list(.uuid), related: ["listAffinityGroups"], description: "the affinity groups (an empty list removes all)"),
            ParameterSpec("affinitygroupnames", .list(.string), description: "the affinity groups by name (not with affinitygroupids)"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmAffinityGroupUpdate, "Updating the affinity groups of VM instance"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("id"))
            try await ctx.engine.instances.checkAffinityUpdate(vm, ids: p.uuidList("affinitygroupids") ?? [], names: p.list("affinitygroupnames") ?? [])
            return InstanceCommands.plan(vm)
        }, execute: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.updateAffinityGroups(try await InstanceCommands.jobInstance(ctx), caller: ctx.caller,
                                                                        ids: p.uuidList("affinitygroupids") ?? [], names: p.list("affinitygroupnames") ?? [])
            return try await InstanceCommands.render(ctx, vm)
        })),
        CommandSpec("migrateVirtualMachine", description: "Moves a Running instance to another host, or the volumes of a Stopped instance to another storage pool", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance to migrate"),
            ParameterSpec("hostid", .uuid, related: ["listHosts", "findHostsForMigration"], description: "the destination host (chosen by placement when absent)"),
            ParameterSpec("storageid", .uuid, related: ["listStoragePools"], description: "the destination pool of a Stopped instance's volumes"),
            ParameterSpec("autoselect", .boolean, since: "4.16", description: "choose the destination host automatically (the default without hostid)"),
        ], response: Schemas.virtualMachine.description, access: .rootAdmin, event: CommandEvent(EventType.vmMigrate, "Migrating VM instance"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("virtualmachineid"))
            try await ctx.engine.instances.checkMigrate(vm, hostID: p.uuid("hostid"), storageID: p.uuid("storageid"))
            return InstanceCommands.plan(vm)
        }, execute: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("virtualmachineid"))
            let moved = if let pool = p.uuid("storageid") {
                try await ctx.engine.instances.migrateStorage(vm, caller: ctx.caller, to: pool)
            } else {
                try await ctx.engine.instances.migrate(vm, caller: ctx.caller, to: p.uuid("hostid"))
            }
            return try await InstanceCommands.render(ctx, moved)
        })),
        CommandSpec("migrateVirtualMachineWithVolume", description: "Moves an instance to another host with its volumes moved to the pools named in migrateto", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance to migrate"),
            ParameterSpec("hostid", .uuid, related: ["listHosts", "findHostsForMigration"], description: "the destination host (chosen by placement when absent)"),
            ParameterSpec("migrateto", .map, description: "volume to pool pairs: migrateto[0].volume=<volume id>&migrateto[0].pool=<pool id>"),
            ParameterSpec("autoselect", .boolean, since: "4.16", description: "choose the destination host automatically (the default without hostid)"),
        ], response: Schemas.virtualMachine.description, access: .rootAdmin, event: CommandEvent(EventType.vmMigrate, "Migrating VM instance"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("virtualmachineid"))
            let targets = try migrateTo(ctx)
            _ = try await ctx.engine.instances.volumeTargets(vm, targets)
            if vm.state == .stopped {
                guard !p.has("hostid") else { throw CloudError.invalidParameter("VM is not Running, unable to migrate the vm \(vm.instanceName) to a host") }
                guard !targets.isEmpty else { throw CloudError.invalidParameter("migrateto must name at least one volume and pool for a Stopped instance") }
            } else {
                try await ctx.engine.instances.checkMigrate(vm, hostID: targets.isEmpty ? p.uuid("hostid") : nil, storageID: nil)
            }
            return InstanceCommands.plan(vm)
        }, execute: { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("virtualmachineid"))
            let moved = try await ctx.engine.instances.migrateWithVolumes(vm, caller: ctx.caller, to: p.uuid("hostid"), volumes: try migrateTo(ctx))
            return try await InstanceCommands.render(ctx, moved)
        })),
        CommandSpec("findHostsForMigration", description: "Lists the hosts a Running instance could migrate to, with whether each is suitable and needs storage motion", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance to migrate"),
        ] + ParameterSpec.paging, response: Schemas.migrationHost.description, access: .rootAdmin, handler: .sync { ctx in
            let hosts = try await ctx.engine.instances.hostsForMigration(caller: ctx.caller, vmUUID: try ctx.parameters.requiredUUID("virtualmachineid"),
                                                                         keyword: ctx.parameters.string("keyword"))
            let page = try await ctx.page()
            let window = hosts.dropFirst(page.offset).prefix(page.limit ?? hosts.count)
            return .list(itemName: "host", count: hosts.count, items: window.map(Schemas.migrationHost.render))
        }),
        CommandSpec("findStoragePoolsForMigration", description: "Lists the storage pools a volume could migrate to, with whether each is suitable", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVolumes"], description: "the volume to migrate"),
        ] + ParameterSpec.paging, response: Schemas.migrationPool.description, access: .admins, handler: .sync { ctx in
            let pools = try await ctx.engine.instances.poolsForMigration(caller: ctx.caller, volumeUUID: try ctx.parameters.requiredUUID("id"),
                                                                         keyword: ctx.parameters.string("keyword"))
            let page = try await ctx.page()
            let window = pools.dropFirst(page.offset).prefix(page.limit ?? pools.count)
            return .list(itemName: "storagepool", count: pools.count, items: window.map(Schemas.migrationPool.render))
        }),
    ]
}
