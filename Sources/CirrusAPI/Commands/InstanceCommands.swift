import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// API commands for instances: deploy, start, stop, reboot, destroy, recover, expunge,
/// update and list.
enum InstanceCommands {
    static func plan(_ vm: VirtualMachine, created: Bool = false) -> JobPlan {
        let uuid = vm.uuid.uuidString.lowercased()
        return JobPlan(syncKey: "vm:\(uuid)", instanceType: "VirtualMachine", instanceUUID: uuid, createdID: created ? uuid : nil, resourceName: vm.displayName)
    }

    static let idParameter = ParameterSpec("id", .uuid, required: true, related: ["listVirtualMachines"], description: "the ID of the instance")

    /// The instance of a job: the one named in the plan.
    static func jobInstance(_ ctx: CommandContext) async throws -> VirtualMachine {
        guard let raw = ctx.job?.instanceUUID, let uuid = UUID(uuidString: raw) else { return try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id")) }
        return try await ctx.engine.instances.instance(caller: ctx.caller, uuid: uuid)
    }

    static func render(_ ctx: CommandContext, _ vm: VirtualMachine, password: String? = nil) async throws -> CommandResult {
        .object(name: "virtualmachine", Schemas.virtualMachine.render(try await ctx.engine.instances.view(vm, password: password)))
    }

    /// Admin-only placement hints (`hostid`, `podid`, `clusterid`).
    static func hints(_ ctx: CommandContext) async throws -> PlacementHints {
        let p = ctx.parameters
        guard p.has("hostid") || p.has("podid") || p.has("clusterid") else { return PlacementHints() }
        guard ctx.caller.isRootAdmin else { throw CloudError.permissionDenied("Only root admins may name a host, pod or cluster for an instance") }
        return try await ctx.engine.instances.hints(hostID: p.uuid("hostid"), podID: p.uuid("podid"), clusterID: p.uuid("clusterid"))
    }

    /// `details[0].key=value` maps flattened into one dictionary.
    static func details(_ ctx: CommandContext, _ name: String = "details") -> [String: String] {
        var out: [String: String] = [:]
        for entry in ctx.parameters.map(name) ?? [] { for (k, v) in entry { out[k] = v } }
        return out
    }

    static let all: [CommandSpec] = [
        CommandSpec("deployVirtualMachine", description: "Creates an instance (Stopped, with its volumes allocated) and, unless startvm=false, starts it", parameters: [
            ParameterSpec("zoneid", .uuid, required: true, related: ["listZones"], description: "the zone to deploy in"),
            ParameterSpec("serviceofferingid", .uuid, required: true, related: ["listServiceOfferings"], description: "the compute offering"),
            ParameterSpec("templateid", .uuid, required: true, related: ["listTemplates"], description: "the template of the ROOT volume"),
            ParameterSpec("diskofferingid", .uuid, related: ["listDiskOfferings"], description: "a data disk from this disk offering"),
            ParameterSpec("size", .long, description: "the size in GB of the data disk, for custom disk offerings"),
            ParameterSpec("rootdisksize", .long, description: "the size in GB of the ROOT volume (at least the template's)"),
            ParameterSpec("overridediskofferingid", .uuid, since: "4.17", description: "accepted for compatibility; the compute offering's disk offering is used"),
            ParameterSpec("name", .string, description: "the host name of the instance"),
            ParameterSpec("displayname", .string, description: "the display name of the instance"),
            ParameterSpec("group", .string, description: "a group name for the instance"),
            ParameterSpec("account", .string, description: "the account to deploy for (admins, with domainid)"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of that account"),
            ParameterSpec("hostid", .uuid, related: ["listHosts"], description: "the host to start on (root admins)"),
            ParameterSpec("hypervisor", .string, description: "the hypervisor (taken from the template when absent)"),
            ParameterSpec("keypair", .string, description: "the name of an SSH key pair"),
            ParameterSpec("keypairs", .list(.string), since: "4.17", description: "names of SSH key pairs"),
            ParameterSpec("userdata", .string, length: 1_048_576, description: "base64 user data"),
            ParameterSpec("userdataid", .uuid, since: "4.18", description: "registered user data to use"),
            ParameterSpec("userdatadetails", .map, since: "4.18", description: "values for the parameters of the registered user data"),
            ParameterSpec("affinitygroupids", .list(.uuid), related: ["listAffinityGroups"], description: "affinity groups of the instance"),
            ParameterSpec("affinitygroupnames", .list(.string), description: "affinity groups of the instance, by name"),
            ParameterSpec("securitygroupids", .list(.uuid), related: ["listSecurityGroups"], description: "security groups of the instance (networks with security groups); not with securitygroupnames"),
            ParameterSpec("securitygroupnames", .list(.string), related: ["listSecurityGroups"], description: "security groups of the instance, by name; not with securitygroupids"),
            ParameterSpec("details", .map, description: "details such as cpuNumber, cpuSpeed and memory for custom offerings"),
            ParameterSpec("startvm", .boolean, description: "start the instance (default true)"),
            ParameterSpec("displayvm", .boolean, description: "show the instance to its owner (default true)"),
            ParameterSpec("dynamicscalingenabled", .boolean, since: "4.16", description: "allow CPU and memory changes while it runs"),
            ParameterSpec("networkids", .list(.uuid), related: ["listNetworks"], description: "guest networks, the first being the default (default: the account's isolated network, made if it has none)"),
            ParameterSpec("ipaddress", .string, description: "the instance's IPv4 address on its default network"),
            ParameterSpec("iptonetworklist", .map, description: "networks with addresses: iptonetworklist[0].networkid=<id>&iptonetworklist[0].ip=<address>; instead of networkids"),
            ParameterSpec("deploymentplanner", .string, description: "the planner (root admins)"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmStart, "Starting VM instance"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            var r = DeployRequest(zoneID: try p.requiredUUID("zoneid"), serviceOfferingID: try p.requiredUUID("serviceofferingid"), templateID: try p.requiredUUID("templateid"))
            r.diskOfferingID = p.uuid("diskofferingid"); r.size = p.long("size"); r.rootDiskSize = p.long("rootdisksize")
            r.name = p.string("name"); r.displayName = p.string("displayname"); r.group = p.string("group")
            r.accountName = p.string("account"); r.domainID = p.uuid("domainid")
            r.keyPairs = InstanceManageCommands.keyPairNames(ctx)
            r.userData = p.string("userdata"); r.userDataID = p.uuid("userdataid"); r.userDataDetails = details(ctx, "userdatadetails")
            r.affinityGroupIDs = p.uuidList("affinitygroupids") ?? []; r.affinityGroupNames = p.list("affinitygroupnames") ?? []
            r.securityGroupIDs = p.uuidList("securitygroupids") ?? []; r.securityGroupNames = p.list("securitygroupnames") ?? []
            r.details = details(ctx); r.startVM = p.bool("startvm", default: true); r.displayVM = p.bool("displayvm")
            r.dynamicallyScalable = p.bool("dynamicscalingenabled"); r.networkIDs = p.uuidList("networkids") ?? []
            r.ipAddress = p.string("ipaddress")
            for entry in p.map("iptonetworklist") ?? [] {
                guard let raw = entry["networkid"], let id = UUID(uuidString: raw) else {
                    throw CloudError.invalidParameter("Each iptonetworklist entry needs a valid networkid")
                }
                r.ipToNetwork.append((id, entry["ip"]))
            }
            r.isPost = ctx.isPost
            _ = try await hints(ctx)
            let vm = try await ctx.engine.instances.allocate(caller: ctx.caller, r)
            return plan(vm, created: true)
        }, execute: { ctx in
            var vm = try await jobInstance(ctx)
            // A password-enabled template's generated password is shown once, here.
            let password = vm.password
            if ctx.parameters.bool("startvm", default: true) {
                vm = try await ctx.engine.instances.start(vm, caller: ctx.caller, hints: try await hints(ctx), deploying: true)
            }
            return try await render(ctx, vm, password: password)
        })),
        CommandSpec("startVirtualMachine", description: "Starts a Stopped instance", parameters: [
            idParameter,
            ParameterSpec("hostid", .uuid, related: ["listHosts"], description: "the host to start on (root admins)"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "the pod to start in (root admins)"),
            ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "the cluster to start in (root admins)"),
            ParameterSpec("considerlasthost", .boolean, since: "4.18", description: "try the last host first (default true)"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmStart, "Starting VM instance"),
        handler: .async(prepare: { ctx in
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            guard vm.state == .stopped else { throw CloudError.invalidParameter("VM instance \(vm.instanceName) is \(vm.state.rawValue); only a Stopped instance can be started") }
            _ = try await hints(ctx)
            return plan(vm)
        }, execute: { ctx in
            let vm = try await ctx.engine.instances.start(try await jobInstance(ctx), caller: ctx.caller, hints: try await hints(ctx))
            return try await render(ctx, vm)
        })),
        CommandSpec("stopVirtualMachine", description: "Stops a Running instance", parameters: [
            idParameter,
            ParameterSpec("forced", .boolean, description: "stop even if the host does not answer"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmStop, "Stopping VM instance"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let vm = try await ctx.engine.instances.stop(try await jobInstance(ctx), forced: ctx.parameters.bool("forced", default: false))
            return try await render(ctx, vm)
        })),
        CommandSpec("rebootVirtualMachine", description: "Reboots a Running instance", parameters: [
            idParameter,
            ParameterSpec("forced", .boolean, since: "4.16", description: "accepted for compatibility"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmReboot, "Rebooting VM instance"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let vm = try await ctx.engine.instances.reboot(try await jobInstance(ctx))
            return try await render(ctx, vm)
        })),
        CommandSpec("destroyVirtualMachine", description: "Destroys an instance (recoverable until expunged), or expunges it at once", parameters: [
            idParameter,
            ParameterSpec("expunge", .boolean, description: "expunge at once (admins, or when allow.user.expunge.recover.vm is on)"),
            ParameterSpec("volumeids", .list(.uuid), related: ["listVolumes"], description: "data disks to destroy with the instance"),
        ], response: Schemas.virtualMachine.description, access: .all, event: CommandEvent(EventType.vmDestroy, "Destroying VM instance"),
        handler: .async(prepare: { ctx in
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            try await ctx.engine.instances.checkDestroy(caller: ctx.caller, vm, expunge: ctx.parameters.bool("expunge", default: false),
                                                       volumeIDs: ctx.parameters.uuidList("volumeids") ?? [])
            return plan(vm)
        }, execute: { ctx in
            let vm = try await jobInstance(ctx)
            var before = try await ctx.engine.instances.view(vm)
            let after = try await ctx.engine.instances.destroy(vm, caller: ctx.caller, expunge: ctx.parameters.bool("expunge", default: false),
                                                               volumeIDs: ctx.parameters.uuidList("volumeids") ?? [])
            if after.state == .expunging {
                before.item.vm.state = .expunging
                return .object(name: "virtualmachine", Schemas.virtualMachine.render(before))
            }
            return try await render(ctx, after)
        })),
        CommandSpec("recoverVirtualMachine", description: "Recovers a Destroyed instance to Stopped", parameters: [idParameter],
                    response: Schemas.virtualMachine.description, access: .all, handler: .sync { ctx in
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            return try await render(ctx, try await ctx.engine.instances.recover(vm, caller: ctx.caller))
        }),
        CommandSpec("expungeVirtualMachine", description: "Expunges a Destroyed instance now", parameters: [idParameter],
                    response: .success, access: .all, event: CommandEvent(EventType.vmExpunge, "Expunging VM instance"),
        handler: .async(prepare: { ctx in
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            try await ctx.engine.instances.checkExpunge(caller: ctx.caller, vm)
            return plan(vm)
        }, execute: { ctx in
            try await ctx.engine.instances.expunge(try await jobInstance(ctx), caller: ctx.caller)
            return .success(displayText: nil)
        })),
        CommandSpec("updateVirtualMachine", description: "Changes an instance's names, group, HA flag, OS type, user data or details", parameters: [
            idParameter,
            ParameterSpec("displayname", .string, description: "the new display name"),
            ParameterSpec("name", .string, since: "4.11", description: "the new host name (Stopped instances only)"),
            ParameterSpec("group", .string, description: "the new group"),
            ParameterSpec("haenable", .boolean, description: "enable or disable high availability"),
            ParameterSpec("ostypeid", .uuid, related: ["listOsTypes"], description: "the new guest OS type"),
            ParameterSpec("userdata", .string, length: 1_048_576, description: "new base64 user data"),
            ParameterSpec("displayvm", .boolean, description: "show the instance to its owner"),
            ParameterSpec("isdynamicallyscalable", .boolean, description: "allow CPU and memory changes while it runs"),
            ParameterSpec("details", .map, description: "details to set"),
            ParameterSpec("cleanupdetails", .boolean, description: "remove every detail"),
        ], response: Schemas.virtualMachine.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let vm = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: try p.requiredUUID("id"))
            var u = InstanceUpdate()
            u.displayName = p.string("displayname"); u.hostName = p.string("name"); u.group = p.string("group"); u.haEnabled = p.bool("haenable")
            u.osTypeID = p.uuid("ostypeid"); u.userData = p.string("userdata"); u.displayVM = p.bool("displayvm")
            u.dynamicallyScalable = p.bool("isdynamicallyscalable"); u.details = p.has("details") ? details(ctx) : nil
            u.cleanupDetails = p.bool("cleanupdetails", default: false)
            return try await render(ctx, try await ctx.engine.instances.update(vm, caller: ctx.caller, u))
        }),
        CommandSpec("listVirtualMachines", description: "Lists instances", parameters: listParameters, response: Schemas.virtualMachine.description,
                    access: .all, handler: .sync { ctx in
            let schema = try Schemas.virtualMachine(details: ctx.parameters.list("details") ?? [])
            let listing = try await ctx.engine.instances.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), try query(ctx), page: try await ctx.page())
            return IdentityCommands.list(listing, schema)
        }),
        CommandSpec("listVirtualMachinesMetrics", description: "Lists instances with their CPU and memory totals and what their hosts last reported them using",
                    parameters: listParameters, response: Schemas.virtualMachineMetrics.description, access: .all, handler: .sync { ctx in
            let listing = try await ctx.engine.instances.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), try query(ctx), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.virtualMachineMetrics)
        }),
    ]
}

extension InstanceCommands {
    /// The filters of listVirtualMachines and listVirtualMachinesMetrics.
    static let listParameters: [ParameterSpec] = [
        ParameterSpec("id", .uuid, related: ["listVirtualMachines"], description: "list only this instance"),
        ParameterSpec("ids", .list(.uuid), related: ["listVirtualMachines"], description: "list only these instances"),
        ParameterSpec("name", .string, description: "list instances with this host name"),
        ParameterSpec("state", .string, description: "list instances in this state"),
        ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list instances in this zone"),
        ParameterSpec("templateid", .uuid, related: ["listTemplates"], description: "list instances of this template"),
        ParameterSpec("isoid", .uuid, related: ["listIsos"], description: "list instances with this ISO"),
        ParameterSpec("serviceofferingid", .uuid, related: ["listServiceOfferings"], description: "list instances of this offering"),
        ParameterSpec("userid", .uuid, related: ["listUsers"], description: "list instances deployed by this user"),
        ParameterSpec("groupid", .string, description: "list instances of this group"),
        ParameterSpec("haenable", .boolean, description: "list instances with HA on or off"),
        ParameterSpec("displayvm", .boolean, description: "list instances shown or hidden to their owners"),
        ParameterSpec("hypervisor", .string, description: "list instances of this hypervisor"),
        ParameterSpec("details", .list(.string), description: "the groups of details to show: all (default), min, group, tmpl, servoff, diskoff, backoff, iso, volume, stats, secgrp, nics, affgrp"),
        ParameterSpec.tagFilter,
    ] + ParameterSpec.ownership + ParameterSpec.paging

    static func query(_ ctx: CommandContext) throws -> InstanceQuery {
        let p = ctx.parameters
        var q = InstanceQuery()
        if let id = p.uuid("id") { q.ids = [id] } else { q.ids = p.uuidList("ids") }
        q.name = p.string("name")
        if let s = p.string("state") {
            guard let state = VirtualMachineState(caseInsensitive: s) else { throw CloudError.invalidParameter("Invalid state \(s)") }
            q.state = state
        }
        q.zoneID = p.uuid("zoneid"); q.templateID = p.uuid("templateid"); q.isoID = p.uuid("isoid"); q.serviceOfferingID = p.uuid("serviceofferingid")
        q.userID = p.uuid("userid"); q.group = p.string("groupid"); q.keyword = p.string("keyword"); q.haEnabled = p.bool("haenable")
        q.displayVM = p.bool("displayvm"); q.tags = try p.tagFilter(); q.hypervisor = p.string("hypervisor").flatMap(HypervisorType.init(caseInsensitive:))
        if ctx.caller.isAdmin { q.hostID = p.uuid("hostid"); q.podID = p.uuid("podid"); q.clusterID = p.uuid("clusterid") }
        return q
    }
}
