import CirrusEngine
import CirrusModel
import Foundation

/// API commands for volumes.
enum VolumeCommands {
    static let all: [CommandSpec] = [
        CommandSpec("listVolumes", description: "Lists volumes", parameters: [
            ParameterSpec("id", .uuid, related: ["listVolumes"], description: "list only this volume"),
            ParameterSpec("ids", .list(.uuid), related: ["listVolumes"], description: "list only these volumes"),
            ParameterSpec("name", .string, description: "list volumes with this name"),
            ParameterSpec("type", .string, description: "ROOT or DATADISK"),
            ParameterSpec("state", .string, description: "list volumes in this state"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list volumes in this zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "list volumes in this pod (admins)"),
            ParameterSpec("storageid", .string, related: ["listStoragePools"], description: "list volumes on this pool (admins)"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "list volumes of this instance"),
            ParameterSpec("diskofferingid", .uuid, related: ["listDiskOfferings"], description: "list volumes of this disk offering"),
            ParameterSpec("displayvolume", .boolean, description: "list volumes shown or hidden to their owners"),
            ParameterSpec.tagFilter,
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.volume.description, access: .all, handler: .sync { ctx in
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
            let listing = try await ctx.engine.volumes.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), q, page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.volume)
        }),
    ] + lifecycle
}
