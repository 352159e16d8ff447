import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// API commands for hosts: add, update, delete, list, reconnect and maintenance.
enum HostCommands {
    static func hostPlan(_ host: CirrusModel.Host) -> JobPlan {
        JobPlan(syncKey: "host:\(host.uuid.uuidString.lowercased())", instanceType: "Host", instanceUUID: host.uuid.uuidString.lowercased(), resourceName: host.name)
    }

    static let idParameter = ParameterSpec("id", .uuid, required: true, related: ["listHosts"], description: "the host ID")

    static let all: [CommandSpec] = [
        CommandSpec("addHost", description: "Adds a new host: an in-process simulated host (url http://sim/...), or a KVM host whose agent registers within host.add.wait", parameters: [
            ParameterSpec("zoneid", .uuid, required: true, related: ["listZones"], description: "the zone of the host"),
            ParameterSpec("podid", .uuid, required: true, related: ["listPods"], description: "the pod of the host"),
            ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "the cluster of the host"),
            ParameterSpec("clustername", .string, description: "the name of the cluster, when clusterid is not given"),
            ParameterSpec("hypervisor", .string, required: true, description: "the hypervisor: KVM or Simulator"),
            ParameterSpec("url", .string, required: true, length: 2048, description: "the host URL: http://sim/<name>[/cpuspeed=..&cpucore=..&memory=..&localstorage=..] for the Simulator, http://<address> for KVM"),
            ParameterSpec("username", .string, description: "accepted for compatibility; Cirrus agents authenticate with the agent key"),
            ParameterSpec("password", .string, description: "accepted for compatibility; Cirrus agents authenticate with the agent key"),
            ParameterSpec("allocationstate", .string, description: "Enabled or Disabled"),
            ParameterSpec("hosttags", .list(.string), description: "tags of the host"),
        ], response: Schemas.host.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let item = try await ctx.engine.hosts.add(caller: ctx.caller, AddHostRequest(
                zoneID: try p.requiredUUID("zoneid"), podID: try p.requiredUUID("podid"), clusterID: p.uuid("clusterid"), clusterName: p.string("clustername"),
                hypervisor: try p.requiredString("hypervisor"), url: try p.requiredString("url"), allocationState: p.string("allocationstate"), hostTags: p.list("hosttags")))
            return .list(itemName: "host", count: 1, items: [Schemas.host.render(item)])
        }),
        CommandSpec("updateHost", description: "Updates a host's name, tags or allocation state", parameters: [
            idParameter,
            ParameterSpec("name", .string, since: "4.19.0", description: "the new name of the host"),
            ParameterSpec("allocationstate", .string, description: "Enable or Disable"),
            ParameterSpec("hosttags", .list(.string), description: "the new tags of the host (replacing the old ones)"),
            ParameterSpec("istagarule", .boolean, description: "accepted for compatibility; tag rules are not supported"),
            ParameterSpec("oscategoryid", .uuid, description: "accepted for compatibility; OS preference is not used"),
            ParameterSpec("url", .string, length: 2048, description: "the new URL of the host"),
            ParameterSpec("annotation", .string, description: "accepted for compatibility"),
        ], response: Schemas.host.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let item = try await ctx.engine.hosts.update(caller: ctx.caller, id: try p.requiredUUID("id"), name: p.string("name"),
                                                         allocationState: p.string("allocationstate"), hostTags: p.list("hosttags"), url: p.string("url"))
            return .object(name: "host", Schemas.host.render(item))
        }),
        CommandSpec("deleteHost", description: "Deletes a host in Maintenance (or Disconnected, Down or Alert), or any host with forced=true", parameters: [
            idParameter,
            ParameterSpec("forced", .boolean, description: "delete the host whatever its state"),
            ParameterSpec("forcedestroylocalstorage", .boolean, description: "accepted for compatibility; local pools go with the host"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            try await ctx.engine.hosts.delete(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), forced: ctx.parameters.bool("forced", default: false))
            return .success(displayText: nil)
        }),
        CommandSpec("listHosts", description: "Lists hosts", parameters: [
            ParameterSpec("id", .uuid, related: ["listHosts"], description: "list only this host"),
            ParameterSpec("name", .string, description: "list hosts with this name"),
            ParameterSpec("state", .string, description: "list hosts in this state (Up, Disconnected, Alert...)"),
            ParameterSpec("type", .string, description: "list hosts of this type (Routing)"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list hosts of this zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "list hosts of this pod"),
            ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "list hosts of this cluster"),
            ParameterSpec("resourcestate", .string, description: "list hosts in this resource state"),
            ParameterSpec("hypervisor", .string, description: "list hosts of this hypervisor"),
            ParameterSpec("details", .list(.string), description: "accepted for compatibility; every detail is returned"),
            ParameterSpec("hahost", .boolean, description: "accepted for compatibility; no host is reserved for HA"),
            ParameterSpec("virtualmachineid", .uuid, description: "accepted for compatibility (hosts suitable for migrating this instance)"),
        ] + ParameterSpec.paging, response: Schemas.host.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            if p.bool("hahost") == true { return .list(itemName: "host", count: 0, items: []) }
            let listing = try await ctx.engine.hosts.list(HostQuery(id: p.uuid("id"), name: p.string("name"), state: p.string("state"), type: p.string("type"),
                                                                    zoneID: p.uuid("zoneid"), podID: p.uuid("podid"), clusterID: p.uuid("clusterid"),
                                                                    resourceState: p.string("resourcestate"), hypervisor: p.string("hypervisor"),
                                                                    keyword: p.string("keyword")), page: try await ctx.page())
            return .list(itemName: "host", count: listing.total, items: listing.items.map(Schemas.host.render))
        }),
        CommandSpec("reconnectHost", description: "Drops a host's agent link and waits for the agent to register again", parameters: [idParameter],
                    response: Schemas.host.description, access: .rootAdmin, event: CommandEvent(EventType.hostReconnect, "Reconnecting host"),
                    handler: .async(prepare: { ctx in
            hostPlan(try await ctx.engine.hosts.checkReconnect(id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            .object(name: "host", Schemas.host.render(try await ctx.engine.hosts.reconnect(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))))
        })),
        CommandSpec("prepareHostForMaintenance", description: "Puts a host into maintenance", parameters: [idParameter],
                    response: Schemas.host.description, access: .rootAdmin, event: CommandEvent(EventType.maintenancePrepare, "Preparing host for maintenance"),
                    handler: .async(prepare: { ctx in
            hostPlan(try await ctx.engine.hosts.checkPrepareMaintenance(id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            .object(name: "host", Schemas.host.render(try await ctx.engine.hosts.prepareMaintenance(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))))
        })),
        CommandSpec("cancelHostMaintenance", description: "Takes a host out of maintenance", parameters: [idParameter],
                    response: Schemas.host.description, access: .rootAdmin, event: CommandEvent(EventType.maintenanceCancel, "Cancelling host maintenance"),
                    handler: .async(prepare: { ctx in
            hostPlan(try await ctx.engine.hosts.checkCancelMaintenance(id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            .object(name: "host", Schemas.host.render(try await ctx.engine.hosts.cancelMaintenance(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))))
        })),
    ]
}
