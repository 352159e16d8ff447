import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// createVolume, attachVolume, detachVolume, resizeVolume, migrateVolume, deleteVolume,
/// destroyVolume, recoverVolume, updateVolume and listVolumesMetrics.
extension VolumeCommands {
    static func plan(_ v: Volume, created: Bool = false) -> JobPlan {
        let uuid = v.uuid.uuidString.lowercased()
        return JobPlan(syncKey: "volume:\(uuid)", instanceType: "Volume", instanceUUID: uuid, createdID: created ? uuid : nil, resourceName: v.name)
    }

    /// Attach and detach queue behind the instance's other work (start, stop, other disks).
    static func instancePlan(_ v: Volume, instance: UUID) -> JobPlan {
        let uuid = v.uuid.uuidString.lowercased()
        return JobPlan(syncKey: "vm:\(instance.uuidString.lowercased())", instanceType: "Volume", instanceUUID: uuid, resourceName: v.name)
    }

    /// The volume of a job: the one named in the plan.
    static func jobVolume(_ ctx: CommandContext) async throws -> Volume {
        guard let raw = ctx.job?.instanceUUID, let uuid = UUID(uuidString: raw) else {
            return try await ctx.engine.volumes.volume(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
        }
        return try await ctx.engine.volumes.volume(caller: ctx.caller, uuid: uuid)
    }

    static func render(_ ctx: CommandContext, _ v: Volume) async throws -> CommandResult {
        .object(name: "volume", Schemas.volume.render(try await ctx.engine.volumes.view(v)))
    }

    static let volumeID = ParameterSpec("id", .uuid, required: true, related: ["listVolumes"], description: "the ID of the volume")

    static func createRequest(_ ctx: CommandContext) -> CreateVolumeRequest {
        let p = ctx.parameters
        var r = CreateVolumeRequest()
        r.name = p.string("name"); r.zoneID = p.uuid("zoneid"); r.diskOfferingID = p.uuid("diskofferingid"); r.size = p.long("size")
        r.minIOPS = p.long("miniops"); r.maxIOPS = p.long("maxiops"); r.accountName = p.string("account"); r.domainID = p.uuid("domainid")
        r.instanceID = p.uuid("virtualmachineid"); r.displayVolume = p.bool("displayvolume")
        return r
    }

    static func resizeRequest(_ ctx: CommandContext) -> ResizeVolumeRequest {
        let p = ctx.parameters
        var r = ResizeVolumeRequest()
        r.diskOfferingID = p.uuid("diskofferingid"); r.size = p.long("size"); r.minIOPS = p.long("miniops"); r.maxIOPS = p.long("maxiops")
        r.shrinkOK = p.bool("shrinkok", default: false)
        return r
    }

    static let lifecycle: [CommandSpec] = [
        CommandSpec("createVolume", description: "Creates a data disk from a disk offering (Allocated until it is attached to a running instance or the instance starts)", parameters: [
            ParameterSpec("name", .string, description: "the name of the volume"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone of the volume (taken from the instance when virtualmachineid is given)"),
            ParameterSpec("diskofferingid", .uuid, related: ["listDiskOfferings"], description: "the disk offering"),
            ParameterSpec("size", .long, description: "the size in GB, for customized disk offerings"),
            ParameterSpec("miniops", .long, description: "the minimum IOPS, for offerings with customized IOPS"),
            ParameterSpec("maxiops", .long, description: "the maximum IOPS, for offerings with customized IOPS"),
            ParameterSpec("account", .string, description: "the account to create it for (admins, with domainid)"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of that account"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "attach the new volume to this instance"),
            ParameterSpec("displayvolume", .boolean, description: "show the volume to its owner (default true)"),
            ParameterSpec("snapshotid", .uuid, related: ["listSnapshots"], description: "create the volume (Ready, the snapshot's size) from this BackedUp snapshot"),
        ], response: Schemas.volume.description, access: .all, event: CommandEvent(EventType.volumeCreate, "Creating volume"),
        handler: .async(prepare: { ctx in
            if let snapshot = ctx.parameters.uuid("snapshotid") {
                return plan(try await ctx.engine.volumes.allocateFromSnapshot(caller: ctx.caller, createRequest(ctx), snapshotID: snapshot), created: true)
            }
            let v = try await ctx.engine.volumes.allocate(caller: ctx.caller, createRequest(ctx))
            return plan(v, created: true)
        }, execute: { ctx in
            var v = try await jobVolume(ctx)
            if let snapshot = ctx.parameters.uuid("snapshotid") {
                v = try await ctx.engine.volumes.createFromSnapshot(v, snapshotID: snapshot, instanceID: ctx.parameters.uuid("virtualmachineid"))
            }
            if let vm = ctx.parameters.uuid("virtualmachineid") {
                v = try await ctx.engine.volumes.attach(caller: ctx.caller, volume: v.uuid, instance: vm, deviceID: nil)
            }
            return try await render(ctx, v)
        })),
        CommandSpec("attachVolume", description: "Attaches a data disk to an instance", parameters: [
            volumeID,
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance"),
            ParameterSpec("deviceid", .long, description: "the device id (1, 2, 4 and up; 0 is the ROOT volume's, 3 the CD-ROM's)"),
        ], response: Schemas.volume.description, access: .all, event: CommandEvent(EventType.volumeAttach, "Attaching volume"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let vmID = try p.requiredUUID("virtualmachineid")
            let (v, _) = try await ctx.engine.volumes.checkAttach(caller: ctx.caller, volume: try p.requiredUUID("id"), instance: vmID,
                                                                   deviceID: p.long("deviceid").map { Int(clamping: $0) })
            return instancePlan(v, instance: vmID)
        }, execute: { ctx in
            let p = ctx.parameters
            let v = try await ctx.engine.volumes.attach(caller: ctx.caller, volume: try await jobVolume(ctx).uuid, instance: try p.requiredUUID("virtualmachineid"),
                                                        deviceID: p.long("deviceid").map { Int(clamping: $0) })
            return try await render(ctx, v)
        })),
        CommandSpec("detachVolume", description: "Detaches a data disk from its instance", parameters: [
            ParameterSpec("id", .uuid, related: ["listVolumes"], description: "the ID of the volume"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "the instance (with deviceid)"),
            ParameterSpec("deviceid", .long, description: "the device id of the volume on that instance"),
        ], response: Schemas.volume.description, access: .all, event: CommandEvent(EventType.volumeDetach, "Detaching volume"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let v = try await ctx.engine.volumes.checkDetach(caller: ctx.caller, volume: p.uuid("id"), instance: p.uuid("virtualmachineid"),
                                                             deviceID: p.long("deviceid").map { Int(clamping: $0) })
            let view = try await ctx.engine.volumes.view(v)
            return instancePlan(v, instance: view.instanceUUID ?? v.uuid)
        }, execute: { ctx in
            let v = try await ctx.engine.volumes.detach(try await jobVolume(ctx))
            return try await render(ctx, v)
        })),
        CommandSpec("resizeVolume", description: "Resizes a volume, or gives it another disk offering", parameters: [
            volumeID,
            ParameterSpec("diskofferingid", .uuid, related: ["listDiskOfferings"], description: "the new disk offering"),
            ParameterSpec("size", .long, description: "the new size in GB (customized offerings and ROOT volumes)"),
            ParameterSpec("miniops", .long, description: "the new minimum IOPS"),
            ParameterSpec("maxiops", .long, description: "the new maximum IOPS"),
            ParameterSpec("shrinkok", .boolean, description: "allow making the volume smaller"),
        ], response: Schemas.volume.description, access: .all, event: CommandEvent(EventType.volumeResize, "Resizing volume"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.volumes.checkResize(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"), resizeRequest(ctx)))
        }, execute: { ctx in
            let v = try await ctx.engine.volumes.resize(caller: ctx.caller, uuid: try await jobVolume(ctx).uuid, resizeRequest(ctx))
            return try await render(ctx, v)
        })),
        CommandSpec("migrateVolume", description: "Moves a Ready volume to another primary storage pool", parameters: [
            ParameterSpec("volumeid", .uuid, required: true, related: ["listVolumes"], description: "the ID of the volume"),
            ParameterSpec("storageid", .uuid, required: true, related: ["listStoragePools"], description: "the target storage pool"),
            ParameterSpec("livemigrate", .boolean, description: "move the volume of a running instance"),
            ParameterSpec("newdiskofferingid", .uuid, related: ["listDiskOfferings"], description: "a disk offering for the volume on the new pool"),
        ], response: Schemas.volume.description, access: .admins, event: CommandEvent(EventType.volumeMigrate, "Migrating volume"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let (v, _) = try await ctx.engine.volumes.checkMigrate(caller: ctx.caller, uuid: try p.requiredUUID("volumeid"), storageID: try p.requiredUUID("storageid"),
                                                                    liveMigrate: p.bool("livemigrate", default: false), newDiskOfferingID: p.uuid("newdiskofferingid"))
            return plan(v)
        }, execute: { ctx in
            let p = ctx.parameters
            let id = try ctx.job?.instanceUUID.flatMap(UUID.init(uuidString:)) ?? p.requiredUUID("volumeid")
            let v = try await ctx.engine.volumes.migrate(caller: ctx.caller, uuid: id, storageID: try p.requiredUUID("storageid"),
                                                         liveMigrate: p.bool("livemigrate", default: false), newDiskOfferingID: p.uuid("newdiskofferingid"))
            return try await render(ctx, v)
        })),
        CommandSpec("deleteVolume", description: "Deletes a detached volume at once", parameters: [volumeID],
                    response: .success, access: .all, handler: .sync { ctx in
            try await ctx.engine.volumes.delete(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("destroyVolume", description: "Destroys a detached volume (recoverable until expunged), or expunges it at once", since: "4.14.0", parameters: [
            volumeID,
            ParameterSpec("expunge", .boolean, description: "expunge at once (admins, or when allow.user.expunge.recover.volume is on)"),
        ], response: Schemas.volume.description, access: .all, event: CommandEvent(EventType.volumeDestroy, "Destroying volume"),
        handler: .async(prepare: { ctx in
            let v = try await ctx.engine.volumes.volume(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            try await ctx.engine.volumes.checkDestroy(caller: ctx.caller, v, expunge: ctx.parameters.bool("expunge", default: false))
            return plan(v)
        }, execute: { ctx in
            let v = try await jobVolume(ctx)
            let before = try await ctx.engine.volumes.view(v)
            let after = try await ctx.engine.volumes.destroy(caller: ctx.caller, v, expunge: ctx.parameters.bool("expunge", default: false))
            if after.state == .expunged {
                var gone = before
                gone.volume.state = .expunged
                return .object(name: "volume", Schemas.volume.render(gone))
            }
            return try await render(ctx, after)
        })),
        CommandSpec("recoverVolume", description: "Recovers a destroyed volume", since: "4.14.0", parameters: [volumeID],
                    response: Schemas.volume.description, access: .all, handler: .sync { ctx in
            let v = try await ctx.engine.volumes.recover(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            return try await render(ctx, v)
        }),
        CommandSpec("updateVolume", description: "Changes a volume's name or whether its owner sees it", parameters: [
            ParameterSpec("id", .uuid, related: ["listVolumes"], description: "the ID of the volume"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("displayvolume", .boolean, description: "show the volume to its owner"),
        ], response: Schemas.volume.description, access: .all, event: CommandEvent(EventType.volumeUpdate, "Updating volume"),
        handler: .async(prepare: { ctx in
            guard let id = ctx.parameters.uuid("id") else { throw CloudError.invalidParameter("Unable to find the volume: give id") }
            return plan(try await ctx.engine.volumes.volume(caller: ctx.caller, uuid: id))
        }, execute: { ctx in
            let p = ctx.parameters
            let v = try await ctx.engine.volumes.update(caller: ctx.caller, uuid: try await jobVolume(ctx).uuid, name: p.string("name"),
                                                        displayVolume: p.bool("displayvolume"))
            return try await render(ctx, v)
        })),
        CommandSpec("listVolumesMetrics", description: "Lists volumes with their size in GB and disk counters", parameters: listParameters, response: Schemas.volumeMetrics.description, access: .all, handler: .sync { ctx in
            let listing = try await ctx.engine.volumes.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), try query(ctx), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.volumeMetrics)
        }),
    ]

    /// The filters of listVolumes and listVolumesMetrics.
    static func query(_ ctx: CommandContext) throws -> VolumeQuery {
        let p = ctx.parameters
        var q = VolumeQuery()
        if let id = p.uuid("id") { q.ids = [id] } else { q.ids = p.uuidList("ids") }
        q.name = p.string("name")
        if let t = p.string("type") {
            guard let type = VolumeType(caseInsensitive: t) else { throw CloudError.invalidParameter("Invalid volume type \(t)") }
            q.type = type
        }
        if let s = p.string("state") {
            guard let state = VolumeState(caseInsensitive: s) else { throw CloudError.invalidParameter("Invalid volume state \(s)") }
            q.state = state
        }
        q.zoneID = p.uuid("zoneid"); q.instanceID = p.uuid("virtualmachineid"); q.diskOfferingID = p.uuid("diskofferingid")
        q.keyword = p.string("keyword"); q.displayVolume = p.bool("displayvolume"); q.tags = try p.tagFilter()
        if ctx.caller.isAdmin { q.podID = p.uuid("podid"); q.storageID = p.string("storageid").flatMap(UUID.init(uuidString:)) }
        return q
    }
}
