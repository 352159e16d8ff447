import CirrusEngine
import CirrusModel
import Foundation

/// API commands for volumes.
enum VolumeCommands {
    static let all: [CommandSpec] = [
        CommandSpec("listVolumes", description: "Lists volumes", parameters: listParameters, response: Schemas.volume.description, access: .all,
                    handler: .sync { ctx in
            let listing = try await ctx.engine.volumes.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), try query(ctx), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.volume)
        }),
    ] + lifecycle
}

extension VolumeCommands {
    /// The filters of listVolumes and listVolumesMetrics.
    static let listParameters: [ParameterSpec] = [
        ParameterSpec("id", .uuid, related: ["listVolumes"], description: "list only this volume"),
        ParameterSpec("ids", .list(.uuid), related: ["listVolumes"], description: "list only these volumes"),
        ParameterSpec("name", .string, description: "list volumes with this name"),
        ParameterSpec("type", .string, description: "ROOT or DATADISK"),
        ParameterSpec("state", .string, description: "list volumes in this state"),
        ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list volumes in this zone"),
        ParameterSpec("podid", .uuid, related: ["listPods"], description: "list volumes in this pod (admins)"),
        ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "accepted for compatibility"),
        ParameterSpec("hostid", .uuid, related: ["listHosts"], description: "accepted for compatibility"),
        ParameterSpec("storageid", .string, related: ["listStoragePools"], description: "list volumes on this pool (admins)"),
        ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "list volumes of this instance"),
        ParameterSpec("diskofferingid", .uuid, related: ["listDiskOfferings"], description: "list volumes of this disk offering"),
        ParameterSpec("displayvolume", .boolean, description: "list volumes shown or hidden to their owners"),
        ParameterSpec.tagFilter,
    ] + ParameterSpec.ownership + ParameterSpec.paging
}
