import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// The snapshot commands: volume snapshots, snapshot policies and instance snapshots.
enum SnapshotCommands {
    static func plan(_ s: Snapshot, created: Bool = false) -> JobPlan {
        let uuid = s.uuid.uuidString.lowercased()
        return JobPlan(syncKey: "volume:\(s.volumeID)", instanceType: "Snapshot", instanceUUID: uuid, createdID: created ? uuid : nil, resourceName: s.name)
    }

    static func plan(_ s: VMSnapshot, created: Bool = false) -> JobPlan {
        let uuid = s.uuid.uuidString.lowercased()
        return JobPlan(syncKey: "vmsnapshots:\(s.instanceID)", instanceType: "VMSnapshot", instanceUUID: uuid, createdID: created ? uuid : nil,
                       resourceName: s.displayName)
    }

    /// The snapshot a job works on: the one named in its plan.
    static func jobSnapshot(_ ctx: CommandContext) async throws -> Snapshot {
        let uuid = ctx.job?.instanceUUID.flatMap(UUID.init(uuidString:))
        return try await ctx.engine.snapshots.snapshot(caller: ctx.caller, uuid: uuid ?? (try ctx.parameters.requiredUUID("id")))
    }

    static func jobVMSnapshot(_ ctx: CommandContext) async throws -> VMSnapshot {
        let uuid = ctx.job?.instanceUUID.flatMap(UUID.init(uuidString:))
        return try await ctx.engine.vmSnapshots.snapshot(caller: ctx.caller, uuid: uuid ?? (try ctx.parameters.requiredUUID("vmsnapshotid")))
    }

    static func render(_ ctx: CommandContext, _ s: Snapshot) async throws -> CommandResult {
        .object(name: "snapshot", Schemas.snapshot.render(try await ctx.engine.snapshots.view(s)))
    }

    static func render(_ ctx: CommandContext, _ s: VMSnapshot) async throws -> CommandResult {
        .object(name: "vmsnapshot", Schemas.vmSnapshot.render(try await ctx.engine.vmSnapshots.view(s)))
    }

    /// `destzoneid` and `destzoneids` of copySnapshot, in order, without repeats.
    static func copyDestinations(_ p: Parameters) throws -> [UUID] {
        var out: [UUID] = []
        if let one = p.uuid("destzoneid") { out.append(one) }
        if p.has("destzoneids") {
            guard let ids = p.uuidList("destzoneids"), ids.count == (p.list("destzoneids") ?? []).count else {
                throw CloudError.invalidParameter("Unable to parse destzoneids: every item must be a zone id")
            }
            for id in ids where !out.contains(id) { out.append(id) }
        }
        return out
    }

    static let snapshotID = ParameterSpec("id", .uuid, required: true, related: ["listSnapshots"], description: "the ID of the snapshot")
    static let vmSnapshotID = ParameterSpec("vmsnapshotid", .uuid, required: true, related: ["listVMSnapshot"], description: "the ID of the VM snapshot")

    static let all: [CommandSpec] = [
        CommandSpec("createSnapshot", description: "Takes a snapshot of a volume and keeps it on the zone's image store", parameters: [
            ParameterSpec("volumeid", .uuid, required: true, related: ["listVolumes"], description: "the volume to snapshot"),
            ParameterSpec("name", .string, description: "the name of the snapshot"),
            ParameterSpec("account", .string, description: "accepted for compatibility; the snapshot belongs to the volume's owner"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "accepted for compatibility; the snapshot belongs to the volume's owner"),
            ParameterSpec("policyid", .uuid, related: ["listSnapshotPolicies"], description: "accepted for compatibility"),
            ParameterSpec("quiescevm", .boolean, description: "accepted for compatibility"),
            ParameterSpec("asyncbackup", .boolean, description: "accepted for compatibility; the backup is part of the job"),
            ParameterSpec("locationtype", .string, since: "4.15", description: "accepted for compatibility; snapshots are backed up to secondary storage"),
            ParameterSpec("zoneids", .list(.uuid), since: "4.19", related: ["listZones"], description: "other zones to keep a copy in"),
            ParameterSpec("tags", .map, since: "4.19", description: "accepted for compatibility; use createTags"),
        ], response: Schemas.snapshot.description, access: .all, event: CommandEvent(EventType.snapshotCreate, "Creating snapshot"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            var r = SnapshotRequest(volumeID: try p.requiredUUID("volumeid"))
            r.name = p.string("name")
            if p.has("zoneids") {
                guard let ids = p.uuidList("zoneids"), ids.count == (p.list("zoneids") ?? []).count else { throw CloudError.invalidParameter("Unable to parse zoneids: every item must be a zone id") }
                r.zoneIDs = ids
            }
            return plan(try await ctx.engine.snapshots.allocate(caller: ctx.caller, r), created: true)
        }, execute: { ctx in
            let s = try await ctx.engine.snapshots.take(try await jobSnapshot(ctx), zoneIDs: ctx.parameters.uuidList("zoneids") ?? [], caller: ctx.caller)
            return try await render(ctx, s)
        })),
        CommandSpec("listSnapshots", description: "Lists volume snapshots, one entry per zone copy unless showunique is set", parameters: [
            ParameterSpec("id", .uuid, related: ["listSnapshots"], description: "list only this snapshot"),
            ParameterSpec("ids", .list(.uuid), related: ["listSnapshots"], description: "list only these snapshots"),
            ParameterSpec("name", .string, description: "list snapshots with this name"),
            ParameterSpec("volumeid", .uuid, related: ["listVolumes"], description: "list snapshots of this volume"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list the copies in this zone"),
            ParameterSpec("snapshottype", .string, description: "MANUAL, HOURLY, DAILY, WEEKLY or MONTHLY"),
            ParameterSpec("intervaltype", .string, description: "HOURLY, DAILY, WEEKLY or MONTHLY"),
            ParameterSpec("locationtype", .string, since: "4.15", description: "PRIMARY or SECONDARY"),
            ParameterSpec("showunique", .boolean, since: "4.19", description: "one entry per snapshot instead of one per zone copy"),
            ParameterSpec.tagFilter,
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.snapshot.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var q = SnapshotQuery()
            if let id = p.uuid("id") { q.ids = [id] } else { q.ids = p.uuidList("ids") }
            q.name = p.string("name"); q.volumeID = p.uuid("volumeid"); q.zoneID = p.uuid("zoneid"); q.keyword = p.string("keyword")
            q.showUnique = p.bool("showunique", default: false); q.tags = try p.tagFilter()
            if let t = p.string("snapshottype") {
                guard let type = SnapshotType(caseInsensitive: t) else { throw CloudError.invalidParameter("Invalid snapshot type \(t)") }
                q.type = type
            }
            if let i = p.string("intervaltype") {
                guard let interval = SnapshotIntervalType(parameter: i) else { throw CloudError.invalidParameter("Unsupported interval type \(i)") }
                q.interval = interval
            }
            if let l = p.string("locationtype") {
                guard let location = SnapshotLocationType(caseInsensitive: l) else { throw CloudError.invalidParameter("Invalid location type \(l): PRIMARY or SECONDARY") }
                q.locationType = location
            }
            let listing = try await ctx.engine.snapshots.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), q, page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.snapshot)
        }),
        CommandSpec("deleteSnapshot", description: "Deletes a snapshot, or only its copy in one zone", parameters: [
            snapshotID,
            ParameterSpec("zoneid", .uuid, since: "4.19", related: ["listZones"], description: "delete only the copy in this zone"),
        ], response: .success, access: .all, event: CommandEvent(EventType.snapshotDelete, "Deleting snapshot"),
        handler: .async(prepare: { ctx in
            let s = try await ctx.engine.snapshots.snapshot(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            try await ctx.engine.snapshots.checkDelete(s, zoneID: ctx.parameters.uuid("zoneid"))
            return plan(s)
        }, execute: { ctx in
            try await ctx.engine.snapshots.delete(try await jobSnapshot(ctx), zoneID: ctx.parameters.uuid("zoneid"))
            return .success(displayText: nil)
        })),
        CommandSpec("copySnapshot", description: "Copies a BackedUp snapshot to the image stores of other zones", parameters: [
            snapshotID,
            ParameterSpec("sourcezoneid", .uuid, related: ["listZones"], description: "the zone to copy from; the snapshot's own zone when omitted"),
            ParameterSpec("destzoneid", .uuid, related: ["listZones"], description: "the zone to copy to"),
            ParameterSpec("destzoneids", .list(.uuid), since: "4.19.0", related: ["listZones"], description: "the zones to copy to"),
        ], response: Schemas.snapshot.description, access: .all, event: CommandEvent(EventType.snapshotCopy, "Copying snapshot"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let (s, _, _) = try await ctx.engine.snapshots.checkCopy(caller: ctx.caller, id: try p.requiredUUID("id"), sourceZoneID: p.uuid("sourcezoneid"),
                                                                     destinationZoneIDs: try copyDestinations(p))
            return plan(s)
        }, execute: { ctx in
            let p = ctx.parameters
            let s = try await ctx.engine.snapshots.copy(caller: ctx.caller, id: try await jobSnapshot(ctx).uuid, sourceZoneID: p.uuid("sourcezoneid"),
                                                        destinationZoneIDs: try copyDestinations(p))
            return try await render(ctx, s)
        })),
        CommandSpec("revertSnapshot", description: "Puts a volume back to a snapshot; the volume must be detached or its instance Stopped", parameters: [snapshotID],
                    response: Schemas.snapshot.description, access: .all, event: CommandEvent(EventType.snapshotRevert, "Reverting snapshot"),
        handler: .async(prepare: { ctx in
            let s = try await ctx.engine.snapshots.snapshot(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            try await ctx.engine.snapshots.checkRevert(s)
            return plan(s)
        }, execute: { ctx in
            let s = try await jobSnapshot(ctx)
            try await ctx.engine.snapshots.revert(s)
            return try await render(ctx, s)
        })),
        CommandSpec("createSnapshotPolicy", description: "Creates (or rewrites) a volume's recurring snapshot policy of one interval type", parameters: [
            ParameterSpec("volumeid", .uuid, required: true, related: ["listVolumes"], description: "the volume"),
            ParameterSpec("intervaltype", .string, required: true, description: "HOURLY, DAILY, WEEKLY or MONTHLY"),
            ParameterSpec("schedule", .string, required: true, description: "MM (hourly), MM:HH (daily), MM:HH:DD (weekly: 1-7 from Sunday; monthly: 1-28)"),
            ParameterSpec("timezone", .string, required: true, description: "the time zone of the schedule, such as UTC or Europe/Paris"),
            ParameterSpec("maxsnaps", .integer, required: true, description: "the snapshots to keep"),
            ParameterSpec("fordisplay", .boolean, description: "show the policy to its owner (default true)"),
        ], response: Schemas.snapshotPolicy.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            guard let maxSnaps = p.int("maxsnaps") else { throw CloudError.invalidParameter("Unable to parse maxsnaps: it must be a number") }
            var r = SnapshotPolicyRequest(volumeID: try p.requiredUUID("volumeid"), intervalType: p.string("intervaltype") ?? "", schedule: p.string("schedule") ?? "",
                                          timeZone: p.string("timezone") ?? "", maxSnaps: maxSnaps)
            r.display = p.bool("fordisplay")
            return .object(name: "snapshotpolicy", Schemas.snapshotPolicy.render(try await ctx.engine.snapshots.createPolicy(caller: ctx.caller, r)))
        }),
        CommandSpec("updateSnapshotPolicy", description: "Shows or hides a snapshot policy to its owner", parameters: [
            ParameterSpec("id", .uuid, related: ["listSnapshotPolicies"], description: "the ID of the policy"),
            ParameterSpec("fordisplay", .boolean, description: "show the policy to its owner"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ], response: Schemas.snapshotPolicy.description, access: .all, event: CommandEvent(EventType.snapshotPolicyUpdate, "Updating snapshot policy"),
        handler: .async(prepare: { ctx in
            guard let id = ctx.parameters.uuid("id") else { throw CloudError.invalidParameter("Please specify the id of the snapshot policy") }
            let policy = try await ctx.engine.snapshots.policy(caller: ctx.caller, uuid: id)
            let uuid = policy.uuid.uuidString.lowercased()
            return JobPlan(syncKey: "snapshotpolicy:\(uuid)", instanceType: "SnapshotPolicy", instanceUUID: uuid)
        }, execute: { ctx in
            let policy = try await ctx.engine.snapshots.policy(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            let item = try await ctx.engine.snapshots.updatePolicy(policy, caller: ctx.caller, display: ctx.parameters.bool("fordisplay"))
            return .object(name: "snapshotpolicy", Schemas.snapshotPolicy.render(item))
        })),
        CommandSpec("listSnapshotPolicies", description: "Lists snapshot policies", parameters: [
            ParameterSpec("id", .uuid, related: ["listSnapshotPolicies"], description: "list only this policy"),
            ParameterSpec("volumeid", .uuid, related: ["listVolumes"], description: "list the policies of this volume"),
            ParameterSpec("fordisplay", .boolean, description: "list policies shown or hidden to their owners"),
        ] + ParameterSpec.paging, response: Schemas.snapshotPolicy.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let scope: ListScope = p.uuid("volumeid") != nil || p.uuid("id") != nil ? .everything : try await ctx.scope(fallback: .ownAccount)
            let listing = try await ctx.engine.snapshots.listPolicies(caller: ctx.caller, scope: scope, id: p.uuid("id"), volumeID: p.uuid("volumeid"),
                                                                     display: p.bool("fordisplay"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.snapshotPolicy)
        }),
        CommandSpec("deleteSnapshotPolicies", description: "Deletes snapshot policies", parameters: [
            ParameterSpec("id", .uuid, related: ["listSnapshotPolicies"], description: "the policy to delete"),
            ParameterSpec("ids", .list(.uuid), related: ["listSnapshotPolicies"], description: "the policies to delete"),
        ], response: .success, access: .all, handler: .sync { ctx in
            let ids = (ctx.parameters.uuid("id").map { [$0] } ?? []) + (ctx.parameters.uuidList("ids") ?? [])
            try await ctx.engine.snapshots.deletePolicies(caller: ctx.caller, ids: ids)
            return .success(displayText: nil)
        }),
        CommandSpec("createVMSnapshot", description: "Takes a snapshot of every disk of an instance, and of its memory with snapshotmemory", parameters: [
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance"),
            ParameterSpec("name", .string, description: "the name of the VM snapshot"),
            ParameterSpec("description", .string, description: "a description"),
            ParameterSpec("snapshotmemory", .boolean, description: "also save the memory (the instance must be Running)"),
            ParameterSpec("quiescevm", .boolean, description: "accepted for compatibility"),
        ], response: Schemas.vmSnapshot.description, access: .all, event: CommandEvent(EventType.vmSnapshotCreate, "Creating VM snapshot"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let s = try await ctx.engine.vmSnapshots.allocate(caller: ctx.caller, instanceID: try p.requiredUUID("virtualmachineid"), name: p.string("name"),
                                                              description: p.string("description"), memory: p.bool("snapshotmemory", default: false))
            return plan(s, created: true)
        }, execute: { ctx in
            try await render(ctx, try await ctx.engine.vmSnapshots.take(try await jobVMSnapshot(ctx)))
        })),
        CommandSpec("listVMSnapshot", description: "Lists instance snapshots", parameters: [
            ParameterSpec("vmsnapshotid", .uuid, related: ["listVMSnapshot"], description: "list only this VM snapshot"),
            ParameterSpec("vmsnapshotids", .list(.uuid), related: ["listVMSnapshot"], description: "list only these VM snapshots"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "list the snapshots of this instance"),
            ParameterSpec("name", .string, description: "list VM snapshots with this name"),
            ParameterSpec("state", .string, description: "list VM snapshots in this state"),
            ParameterSpec.tagFilter,
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.vmSnapshot.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var state: VMSnapshotState?
            if let s = p.string("state") {
                guard let parsed = VMSnapshotState(caseInsensitive: s) else { throw CloudError.invalidParameter("Invalid VM snapshot state \(s)") }
                state = parsed
            }
            let ids = p.uuid("vmsnapshotid").map { [$0] } ?? p.uuidList("vmsnapshotids")
            let listing = try await ctx.engine.vmSnapshots.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), ids: ids,
                                                                instanceID: p.uuid("virtualmachineid"), name: p.string("name"), state: state,
                                                                keyword: p.string("keyword"), tags: try p.tagFilter(), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.vmSnapshot)
        }),
        CommandSpec("revertToVMSnapshot", description: "Reverts an instance to a VM snapshot", parameters: [vmSnapshotID],
                    response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmSnapshotRevert, "Reverting to VM snapshot"),
        handler: .async(prepare: { ctx in
            let s = try await ctx.engine.vmSnapshots.snapshot(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("vmsnapshotid"))
            _ = try await ctx.engine.vmSnapshots.checkRevert(s)
            return plan(s)
        }, execute: { ctx in
            let vm = try await ctx.engine.vmSnapshots.revert(try await jobVMSnapshot(ctx), caller: ctx.caller)
            return try await InstanceCommands.render(ctx, vm)
        })),
        CommandSpec("deleteVMSnapshot", description: "Deletes a VM snapshot", parameters: [vmSnapshotID],
                    response: .success, access: .all, event: CommandEvent(EventType.vmSnapshotDelete, "Deleting VM snapshot"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.vmSnapshots.snapshot(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("vmsnapshotid")))
        }, execute: { ctx in
            try await ctx.engine.vmSnapshots.delete(try await jobVMSnapshot(ctx))
            return .success(displayText: nil)
        })),
    ]
}
