import CirrusEngine
import CirrusModel
import Foundation

/// Zones, physical networks (traffic types, providers, virtual-router elements), pods,
/// clusters, primary storage, image stores and public IP ranges.
enum InfrastructureCommands {
    static var all: [CommandSpec] { zones + physicalNetworks + pods + clusters + storage + publicIPs }

    static func lower(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }

    /// The id of the object an async create command made in its create phase.
    static func createdUUID(_ ctx: CommandContext) throws -> UUID {
        guard let raw = ctx.job?.instanceUUID, let uuid = UUID(uuidString: raw) else { throw CloudError.internalError("The job lost the id of the object it created") }
        return uuid
    }

    static func pageOf<T>(_ item: String, _ page: InfrastructurePage<T>, _ schema: ResponseSchema<T>) -> CommandResult {
        .list(itemName: item, count: page.total, items: page.items.map(schema.render))
    }

    // MARK: zones

    static func zoneSpec(_ p: Parameters) -> ZoneSpec {
        ZoneSpec(name: p.string("name"), networkType: p.string("networktype"), dns1: p.string("dns1"), dns2: p.string("dns2"), ip6DNS1: p.string("ip6dns1"),
                 ip6DNS2: p.string("ip6dns2"), internalDNS1: p.string("internaldns1"), internalDNS2: p.string("internaldns2"),
                 guestCIDR: p.string("guestcidraddress"), networkDomain: p.string("domain"), domainID: p.uuid("domainid"),
                 allocationState: p.string("allocationstate"), securityGroupEnabled: p.bool("securitygroupenabled"),
                 localStorageEnabled: p.bool("localstorageenabled"), isEdge: p.bool("isedge"))
    }

    static let zones: [CommandSpec] = [
        CommandSpec("createZone", description: "Creates a zone; it starts Disabled", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the zone"),
            ParameterSpec("networktype", .string, required: true, description: "Basic or Advanced"),
            ParameterSpec("dns1", .string, required: true, description: "the first public DNS server"),
            ParameterSpec("dns2", .string, description: "the second public DNS server"),
            ParameterSpec("ip6dns1", .string, description: "the first IPv6 DNS server"),
            ParameterSpec("ip6dns2", .string, description: "the second IPv6 DNS server"),
            ParameterSpec("internaldns1", .string, required: true, description: "the first internal DNS server"),
            ParameterSpec("internaldns2", .string, description: "the second internal DNS server"),
            ParameterSpec("guestcidraddress", .string, description: "the default guest CIDR of an Advanced zone (10.1.1.0/24 when omitted)"),
            ParameterSpec("domain", .string, description: "the network domain of the zone"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain the zone is dedicated to"),
            ParameterSpec("allocationstate", .string, description: "Enabled or Disabled (default Disabled)"),
            ParameterSpec("securitygroupenabled", .boolean, description: "whether security groups are enabled (always true in Basic zones)"),
            ParameterSpec("localstorageenabled", .boolean, description: "whether user instances may use local storage"),
            ParameterSpec("isedge", .boolean, since: "4.18.0", description: "whether the zone is an Edge zone"),
        ], response: Schemas.zone.description, access: .rootAdmin, handler: .sync { ctx in
            .object(name: "zone", Schemas.zone.render(try await ctx.engine.infrastructure.createZone(caller: ctx.caller, zoneSpec(ctx.parameters))))
        }),
        CommandSpec("updateZone", description: "Updates a zone; enabling it needs its Management (and Public) networks", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listZones"], description: "the zone"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("dns1", .string, description: "the first public DNS server"),
            ParameterSpec("dns2", .string, description: "the second public DNS server"),
            ParameterSpec("ip6dns1", .string, description: "the first IPv6 DNS server"),
            ParameterSpec("ip6dns2", .string, description: "the second IPv6 DNS server"),
            ParameterSpec("internaldns1", .string, description: "the first internal DNS server"),
            ParameterSpec("internaldns2", .string, description: "the second internal DNS server"),
            ParameterSpec("guestcidraddress", .string, description: "the default guest CIDR"),
            ParameterSpec("domain", .string, description: "the network domain of the zone"),
            ParameterSpec("allocationstate", .string, description: "Enabled or Disabled"),
            ParameterSpec("localstorageenabled", .boolean, description: "whether user instances may use local storage"),
        ], response: Schemas.zone.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return .object(name: "zone", Schemas.zone.render(try await ctx.engine.infrastructure.updateZone(caller: ctx.caller, id: try p.requiredUUID("id"), zoneSpec(p))))
        }),
        CommandSpec("deleteZone", description: "Deletes an empty zone", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listZones"], description: "the zone"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            try await ctx.engine.infrastructure.deleteZone(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("listZones", description: "Lists zones; users see enabled zones only", parameters: [
            ParameterSpec("id", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("ids", .list(.uuid), since: "4.19.0", related: ["listZones"], description: "several zones"),
            ParameterSpec("available", .boolean, description: "only zones the caller can deploy in (every listed zone)"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "zones dedicated to this domain"),
            ParameterSpec("name", .string, since: "4.17.0", description: "the zone name"),
            ParameterSpec("networktype", .string, description: "Basic or Advanced"),
            ParameterSpec("showcapacities", .boolean, description: "include the capacity list of each item"),
        ] + ParameterSpec.paging, response: Schemas.zone.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let page = try await ctx.engine.infrastructure.listZones(caller: ctx.caller, id: p.uuid("id"), ids: p.uuidList("ids"), name: p.string("name"),
                                                                     networkType: p.string("networktype"), domainID: p.uuid("domainid"),
                                                                     keyword: p.string("keyword"), page: try await ctx.page())
            var out = page
            if p.bool("showcapacities", default: false) && ctx.caller.isRootAdmin {
                for i in out.items.indices {
                    out.items[i].capacities = try await ctx.engine.capacity.views(zoneUUID: out.items[i].zone.uuid, podUUID: nil, clusterUUID: nil, type: nil, tag: nil,
                                                                                  sortByUsage: false, fetchLatest: false)
                }
            }
            return pageOf("zone", out, Schemas.zone)
        }),
    ]

    // MARK: physical networks

    static func networkPlan(_ uuid: UUID, name: String?, created: Bool = false) -> JobPlan {
        JobPlan(syncKey: "physicalnetwork:\(lower(uuid))", instanceType: "PhysicalNetwork", instanceUUID: lower(uuid), createdID: created ? lower(uuid) : nil, resourceName: name)
    }

    static let physicalNetworks: [CommandSpec] = [
        CommandSpec("createPhysicalNetwork", description: "Creates a physical network (Disabled) with the default providers", since: "3.0.0", parameters: [
            ParameterSpec("zoneid", .uuid, required: true, related: ["listZones"], description: "the zone"),
            ParameterSpec("name", .string, required: true, description: "the name of the physical network"),
            ParameterSpec("vlan", .string, description: "guest VLAN/VNI ranges such as 100-199,300-400"),
            ParameterSpec("networkspeed", .string, description: "the speed of the network"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain the network belongs to"),
            ParameterSpec("broadcastdomainrange", .string, description: "ZONE or POD"),
            ParameterSpec("tags", .list(.string), description: "one tag for the network"),
            ParameterSpec("isolationmethods", .list(.string), description: "one isolation method: VLAN, VXLAN or L3"),
        ], response: Schemas.physicalNetwork.description, access: .rootAdmin, event: CommandEvent(EventType.physicalNetworkCreate, "Creating physical network"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.infrastructure.createPhysicalNetwork(caller: ctx.caller, zoneID: try p.requiredUUID("zoneid"), name: try p.requiredString("name"),
                                                                                 vlan: p.string("vlan"), networkSpeed: p.string("networkspeed"), domainID: p.uuid("domainid"),
                                                                                 broadcastDomainRange: p.string("broadcastdomainrange"), tags: p.list("tags"),
                                                                                 isolationMethods: p.list("isolationmethods"))
            return networkPlan(view.network.uuid, name: view.network.name, created: true)
        }, execute: { ctx in
            .object(name: "physicalnetwork", Schemas.physicalNetwork.render(try await ctx.engine.infrastructure.physicalNetworkView(id: try createdUUID(ctx))))
        })),
        CommandSpec("updatePhysicalNetwork", description: "Updates a physical network's state, speed, tags and guest VLAN/VNI ranges", since: "3.0.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPhysicalNetworks"], description: "the physical network"),
            ParameterSpec("state", .string, description: "Enabled or Disabled"),
            ParameterSpec("vlan", .string, description: "the complete guest VLAN/VNI ranges, such as 100-199,300-400"),
            ParameterSpec("networkspeed", .string, description: "the speed of the network"),
            ParameterSpec("tags", .list(.string), description: "one tag for the network"),
        ], response: Schemas.physicalNetwork.description, access: .rootAdmin, event: CommandEvent(EventType.physicalNetworkUpdate, "Updating physical network"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let n = try await ctx.engine.infrastructure.checkPhysicalNetworkUpdate(id: try p.requiredUUID("id"), state: p.string("state"), vlan: p.string("vlan"))
            return networkPlan(n.uuid, name: n.name)
        }, execute: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.infrastructure.updatePhysicalNetwork(caller: ctx.caller, id: try p.requiredUUID("id"), state: p.string("state"), vlan: p.string("vlan"),
                                                                                 networkSpeed: p.string("networkspeed"), tags: p.list("tags"))
            return .object(name: "physicalnetwork", Schemas.physicalNetwork.render(view))
        })),
        CommandSpec("deletePhysicalNetwork", description: "Deletes a physical network with its providers and traffic types", since: "3.0.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPhysicalNetworks"], description: "the physical network"),
        ], response: .success, access: .rootAdmin, event: CommandEvent(EventType.physicalNetworkDelete, "Deleting physical network"),
        handler: .async(prepare: { ctx in
            let view = try await ctx.engine.infrastructure.physicalNetworkView(id: try ctx.parameters.requiredUUID("id"))
            return networkPlan(view.network.uuid, name: view.network.name)
        }, execute: { ctx in
            try await ctx.engine.infrastructure.deletePhysicalNetwork(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("listPhysicalNetworks", description: "Lists physical networks", since: "3.0.0", parameters: [
            ParameterSpec("id", .uuid, related: ["listPhysicalNetworks"], description: "the physical network"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("name", .string, description: "the name"),
        ] + ParameterSpec.paging, response: Schemas.physicalNetwork.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return pageOf("physicalnetwork", try await ctx.engine.infrastructure.listPhysicalNetworks(id: p.uuid("id"), zoneID: p.uuid("zoneid"), name: p.string("name"),
                                                                                                     keyword: p.string("keyword"), page: try await ctx.page()), Schemas.physicalNetwork)
        }),
        CommandSpec("addTrafficType", description: "Adds a traffic type to a physical network", since: "3.0.0", parameters: [
            ParameterSpec("physicalnetworkid", .uuid, required: true, related: ["listPhysicalNetworks"], description: "the physical network"),
            ParameterSpec("traffictype", .string, required: true, description: "Guest, Public, Management, Storage or Control"),
            ParameterSpec("kvmnetworklabel", .string, description: "the bridge carrying this traffic on KVM (and Simulator) hosts"),
            ParameterSpec("vlan", .string, description: "the VLAN of the traffic"),
            ParameterSpec("isolationmethod", .string, description: "the isolation method of the traffic"),
        ], response: Schemas.trafficType.description, access: .rootAdmin, event: CommandEvent(EventType.trafficTypeCreate, "Adding physical network traffic type"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.infrastructure.addTrafficType(caller: ctx.caller, physicalNetworkID: try p.requiredUUID("physicalnetworkid"),
                                                                          trafficType: try p.requiredString("traffictype"), kvmLabel: p.string("kvmnetworklabel"),
                                                                          vlan: p.string("vlan"), isolationMethod: p.string("isolationmethod"))
            let id = lower(view.trafficType.uuid)
            return JobPlan(syncKey: "physicalnetwork:\(lower(view.physicalNetwork.uuid))", instanceType: "TrafficType", instanceUUID: id, createdID: id,
                           resourceName: view.trafficType.trafficType.rawValue)
        }, execute: { ctx in
            .object(name: "traffictype", Schemas.trafficType.render(try await ctx.engine.infrastructure.trafficTypeView(id: try createdUUID(ctx))))
        })),
        CommandSpec("updateTrafficType", description: "Updates the labels of a traffic type", since: "3.0.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listTrafficTypes"], description: "the traffic type"),
            ParameterSpec("kvmnetworklabel", .string, description: "the bridge carrying this traffic on KVM (and Simulator) hosts"),
        ], response: Schemas.trafficType.description, access: .rootAdmin, event: CommandEvent(EventType.trafficTypeUpdate, "Updating physical network traffic type"),
        handler: .async(prepare: { ctx in
            let view = try await ctx.engine.infrastructure.trafficTypeView(id: try ctx.parameters.requiredUUID("id"))
            return JobPlan(syncKey: "physicalnetwork:\(lower(view.physicalNetwork.uuid))", instanceType: "TrafficType", instanceUUID: lower(view.trafficType.uuid))
        }, execute: { ctx in
            let p = ctx.parameters
            return .object(name: "traffictype", Schemas.trafficType.render(try await ctx.engine.infrastructure.updateTrafficType(
                caller: ctx.caller, id: try p.requiredUUID("id"), kvmLabel: p.string("kvmnetworklabel"))))
        })),
        CommandSpec("deleteTrafficType", description: "Removes a traffic type from its physical network", since: "3.0.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listTrafficTypes"], description: "the traffic type"),
        ], response: .success, access: .rootAdmin, event: CommandEvent(EventType.trafficTypeDelete, "Deleting physical network traffic type"),
        handler: .async(prepare: { ctx in
            let view = try await ctx.engine.infrastructure.trafficTypeView(id: try ctx.parameters.requiredUUID("id"))
            return JobPlan(syncKey: "physicalnetwork:\(lower(view.physicalNetwork.uuid))", instanceType: "TrafficType", instanceUUID: lower(view.trafficType.uuid))
        }, execute: { ctx in
            try await ctx.engine.infrastructure.deleteTrafficType(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("listTrafficTypes", description: "Lists the traffic types of a physical network", since: "3.0.0", parameters: [
            ParameterSpec("physicalnetworkid", .uuid, required: true, related: ["listPhysicalNetworks"], description: "the physical network"),
        ] + ParameterSpec.paging, response: Schemas.trafficType.description, access: .rootAdmin, handler: .sync { ctx in
            let all = try await ctx.engine.infrastructure.listTrafficTypes(physicalNetworkID: try ctx.parameters.requiredUUID("physicalnetworkid"))
            let page = try await ctx.page()
            let items = Array(all.dropFirst(page.offset).prefix(page.limit ?? Int.max))
            return .list(itemName: "traffictype", count: all.count, items: items.map(Schemas.trafficType.render))
        }),
        CommandSpec("listNetworkServiceProviders", description: "Lists network service providers", since: "3.0.0", parameters: [
            ParameterSpec("physicalnetworkid", .uuid, related: ["listPhysicalNetworks"], description: "the physical network"),
            ParameterSpec("name", .string, description: "the provider name, such as VirtualRouter"),
            ParameterSpec("state", .string, description: "Enabled, Disabled or Shutdown"),
        ] + ParameterSpec.paging, response: Schemas.networkServiceProvider.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return pageOf("networkserviceprovider", try await ctx.engine.infrastructure.listProviders(physicalNetworkID: p.uuid("physicalnetworkid"), name: p.string("name"),
                                                                                                      state: p.string("state"), page: try await ctx.page()), Schemas.networkServiceProvider)
        }),
        CommandSpec("updateNetworkServiceProvider", description: "Enables, disables or shuts down a network service provider", since: "3.0.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworkServiceProviders"], description: "the provider"),
            ParameterSpec("state", .string, description: "Enabled, Disabled or Shutdown"),
            ParameterSpec("servicelist", .list(.string), description: "the services the provider offers"),
        ], response: Schemas.networkServiceProvider.description, access: .rootAdmin, event: CommandEvent(EventType.serviceProviderUpdate, "Updating physical network service provider"),
        handler: .async(prepare: { ctx in
            let view = try await ctx.engine.infrastructure.providerView(id: try ctx.parameters.requiredUUID("id"))
            return JobPlan(syncKey: "physicalnetwork:\(view.physicalNetwork.map { lower($0.uuid) } ?? "")", instanceType: "PhysicalNetworkServiceProvider",
                           instanceUUID: lower(view.provider.uuid), resourceName: view.provider.name)
        }, execute: { ctx in
            let p = ctx.parameters
            return .object(name: "networkserviceprovider", Schemas.networkServiceProvider.render(try await ctx.engine.infrastructure.updateProvider(
                caller: ctx.caller, id: try p.requiredUUID("id"), state: p.string("state"), services: p.list("servicelist"))))
        })),
        CommandSpec("addNetworkServiceProvider", description: "Adds a network service provider to a physical network", since: "3.0.0", parameters: [
            ParameterSpec("physicalnetworkid", .uuid, required: true, related: ["listPhysicalNetworks"], description: "the physical network"),
            ParameterSpec("name", .string, required: true, description: "the provider name"),
            ParameterSpec("destinationphysicalnetworkid", .uuid, related: ["listPhysicalNetworks"], description: "the destination physical network"),
            ParameterSpec("servicelist", .list(.string), description: "the services the provider offers"),
        ], response: Schemas.networkServiceProvider.description, access: .rootAdmin, event: CommandEvent(EventType.serviceProviderCreate, "Adding physical network service provider"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.infrastructure.addProvider(caller: ctx.caller, physicalNetworkID: try p.requiredUUID("physicalnetworkid"), name: try p.requiredString("name"),
                                                                       destinationPhysicalNetworkID: p.uuid("destinationphysicalnetworkid"), services: p.list("servicelist"))
            let id = lower(view.provider.uuid)
            return JobPlan(syncKey: "physicalnetwork:\(view.physicalNetwork.map { lower($0.uuid) } ?? "")", instanceType: "PhysicalNetworkServiceProvider",
                           instanceUUID: id, createdID: id, resourceName: view.provider.name)
        }, execute: { ctx in
            .object(name: "networkserviceprovider", Schemas.networkServiceProvider.render(try await ctx.engine.infrastructure.providerView(id: try createdUUID(ctx))))
        })),
        CommandSpec("deleteNetworkServiceProvider", description: "Deletes a disabled network service provider", since: "3.0.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworkServiceProviders"], description: "the provider"),
        ], response: .success, access: .rootAdmin, event: CommandEvent(EventType.serviceProviderDelete, "Deleting physical network service provider"),
        handler: .async(prepare: { ctx in
            let view = try await ctx.engine.infrastructure.providerView(id: try ctx.parameters.requiredUUID("id"))
            return JobPlan(syncKey: "physicalnetwork:\(view.physicalNetwork.map { lower($0.uuid) } ?? "")", instanceType: "PhysicalNetworkServiceProvider",
                           instanceUUID: lower(view.provider.uuid), resourceName: view.provider.name)
        }, execute: { ctx in
            try await ctx.engine.infrastructure.deleteProvider(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("configureVirtualRouterElement", description: "Enables or disables a virtual-router element", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVirtualRouterElements"], description: "the virtual-router element"),
            ParameterSpec("enabled", .boolean, required: true, description: "whether the element is enabled"),
        ], response: Schemas.virtualRouterElement.description, access: .rootAdmin, event: CommandEvent(EventType.networkElementConfigure, "configuring virtual router provider"),
        handler: .async(prepare: { ctx in
            let e = try await ctx.engine.infrastructure.checkElement(id: try ctx.parameters.requiredUUID("id"))
            return JobPlan(syncKey: "vrelement:\(lower(e.uuid))", instanceType: "VirtualRouterElement", instanceUUID: lower(e.uuid))
        }, execute: { ctx in
            let p = ctx.parameters
            return .object(name: "virtualrouterelement", Schemas.virtualRouterElement.render(try await ctx.engine.infrastructure.configureElement(
                caller: ctx.caller, id: try p.requiredUUID("id"), enabled: p.bool("enabled", default: false))))
        })),
        CommandSpec("listVirtualRouterElements", description: "Lists virtual-router elements", parameters: [
            ParameterSpec("id", .uuid, related: ["listVirtualRouterElements"], description: "the element"),
            ParameterSpec("nspid", .uuid, related: ["listNetworkServiceProviders"], description: "the network service provider"),
            ParameterSpec("enabled", .boolean, description: "only enabled (or disabled) elements"),
        ] + ParameterSpec.paging, response: Schemas.virtualRouterElement.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return pageOf("virtualrouterelement", try await ctx.engine.infrastructure.listElements(id: p.uuid("id"), providerID: p.uuid("nspid"), enabled: p.bool("enabled"),
                                                                                                   page: try await ctx.page()), Schemas.virtualRouterElement)
        }),
    ]

    // MARK: pods and clusters

    static let pods: [CommandSpec] = [
        CommandSpec("createPod", description: "Creates a pod with its management network and address range", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the pod"),
            ParameterSpec("zoneid", .uuid, required: true, related: ["listZones"], description: "the zone"),
            ParameterSpec("gateway", .string, description: "the gateway of the pod's management network"),
            ParameterSpec("netmask", .string, description: "the netmask of the pod's management network"),
            ParameterSpec("startip", .string, description: "the first management address for system VMs"),
            ParameterSpec("endip", .string, description: "the last management address (the end of the CIDR when omitted)"),
            ParameterSpec("allocationstate", .string, description: "Enabled or Disabled"),
        ], response: Schemas.pod.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return .object(name: "pod", Schemas.pod.render(try await ctx.engine.infrastructure.createPod(
                caller: ctx.caller, zoneID: try p.requiredUUID("zoneid"), name: try p.requiredString("name"), gateway: p.string("gateway"), netmask: p.string("netmask"),
                startIP: p.string("startip"), endIP: p.string("endip"), allocationState: p.string("allocationstate"))))
        }),
        CommandSpec("updatePod", description: "Updates a pod", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPods"], description: "the pod"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("gateway", .string, description: "the new gateway"),
            ParameterSpec("netmask", .string, description: "the new netmask"),
            ParameterSpec("startip", .string, description: "the new first management address"),
            ParameterSpec("endip", .string, description: "the new last management address"),
            ParameterSpec("allocationstate", .string, description: "Enabled or Disabled"),
        ], response: Schemas.pod.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return .object(name: "pod", Schemas.pod.render(try await ctx.engine.infrastructure.updatePod(
                caller: ctx.caller, id: try p.requiredUUID("id"), name: p.string("name"), gateway: p.string("gateway"), netmask: p.string("netmask"),
                startIP: p.string("startip"), endIP: p.string("endip"), allocationState: p.string("allocationstate"))))
        }),
        CommandSpec("deletePod", description: "Deletes a pod without clusters, hosts or allocated addresses", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPods"], description: "the pod"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            try await ctx.engine.infrastructure.deletePod(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("listPods", description: "Lists pods", parameters: [
            ParameterSpec("id", .uuid, related: ["listPods"], description: "the pod"),
            ParameterSpec("name", .string, description: "the name"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("allocationstate", .string, description: "Enabled or Disabled"),
            ParameterSpec("showcapacities", .boolean, description: "include the capacity list of each item"),
        ] + ParameterSpec.paging, response: Schemas.pod.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            var page = try await ctx.engine.infrastructure.listPods(id: p.uuid("id"), name: p.string("name"), zoneID: p.uuid("zoneid"),
                                                                    allocationState: p.string("allocationstate"), keyword: p.string("keyword"), page: try await ctx.page())
            if p.bool("showcapacities", default: false) {
                for i in page.items.indices {
                    page.items[i].capacities = try await ctx.engine.capacity.views(zoneUUID: nil, podUUID: page.items[i].pod.uuid, clusterUUID: nil, type: nil, tag: nil,
                                                                                   sortByUsage: false, fetchLatest: false)
                }
            }
            return pageOf("pod", page, Schemas.pod)
        }),
    ]

    static let clusters: [CommandSpec] = [
        CommandSpec("addCluster", description: "Adds a KVM or Simulator cluster to a pod", parameters: [
            ParameterSpec("clustername", .string, required: true, description: "the name of the cluster"),
            ParameterSpec("zoneid", .uuid, required: true, related: ["listZones"], description: "the zone"),
            ParameterSpec("podid", .uuid, required: true, related: ["listPods"], description: "the pod"),
            ParameterSpec("hypervisor", .string, required: true, description: "KVM or Simulator"),
            ParameterSpec("clustertype", .string, required: true, description: "CloudManaged or ExternalManaged"),
            ParameterSpec("allocationstate", .string, description: "Enabled or Disabled (default Enabled)"),
            ParameterSpec("url", .string, description: "not used by KVM and Simulator clusters"),
            ParameterSpec("username", .string, description: "not used by KVM and Simulator clusters"),
            ParameterSpec("password", .string, description: "not used by KVM and Simulator clusters"),
        ], response: Schemas.cluster.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.infrastructure.addCluster(caller: ctx.caller, zoneID: try p.requiredUUID("zoneid"), podID: try p.requiredUUID("podid"),
                                                                      name: try p.requiredString("clustername"), hypervisor: try p.requiredString("hypervisor"),
                                                                      clusterType: try p.requiredString("clustertype"), allocationState: p.string("allocationstate"))
            return .list(itemName: "cluster", count: 1, items: [Schemas.cluster.render(view)])
        }),
        CommandSpec("updateCluster", description: "Updates a cluster", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listClusters"], description: "the cluster"),
            ParameterSpec("clustername", .string, description: "the new name"),
            ParameterSpec("hypervisor", .string, description: "the hypervisor (cannot change)"),
            ParameterSpec("clustertype", .string, description: "CloudManaged or ExternalManaged"),
            ParameterSpec("allocationstate", .string, description: "Enabled or Disabled"),
            ParameterSpec("managedstate", .string, description: "Managed or Unmanaged"),
        ], response: Schemas.cluster.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return .object(name: "cluster", Schemas.cluster.render(try await ctx.engine.infrastructure.updateCluster(
                caller: ctx.caller, id: try p.requiredUUID("id"), name: p.string("clustername"), hypervisor: p.string("hypervisor"), clusterType: p.string("clustertype"),
                allocationState: p.string("allocationstate"), managedState: p.string("managedstate"))))
        }),
        CommandSpec("deleteCluster", description: "Deletes a cluster without hosts or storage pools", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listClusters"], description: "the cluster"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            try await ctx.engine.infrastructure.deleteCluster(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("listClusters", description: "Lists clusters", parameters: [
            ParameterSpec("id", .uuid, related: ["listClusters"], description: "the cluster"),
            ParameterSpec("name", .string, description: "the name"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "the pod"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("hypervisor", .string, description: "KVM or Simulator"),
            ParameterSpec("clustertype", .string, description: "CloudManaged or ExternalManaged"),
            ParameterSpec("allocationstate", .string, description: "Enabled or Disabled"),
            ParameterSpec("managedstate", .string, description: "Managed or Unmanaged"),
            ParameterSpec("showcapacities", .boolean, description: "include the capacity list of each item"),
        ] + ParameterSpec.paging, response: Schemas.cluster.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            var page = try await ctx.engine.infrastructure.listClusters(
                id: p.uuid("id"), name: p.string("name"), podID: p.uuid("podid"), zoneID: p.uuid("zoneid"), hypervisor: p.string("hypervisor"),
                clusterType: p.string("clustertype"), allocationState: p.string("allocationstate"), managedState: p.string("managedstate"),
                keyword: p.string("keyword"), page: try await ctx.page())
            if p.bool("showcapacities", default: false) {
                for i in page.items.indices {
                    page.items[i].capacities = try await ctx.engine.capacity.views(zoneUUID: nil, podUUID: nil, clusterUUID: page.items[i].cluster.uuid, type: nil,
                                                                                   tag: nil, sortByUsage: false, fetchLatest: false)
                }
            }
            return pageOf("cluster", page, Schemas.cluster)
        }),
    ]

    // MARK: storage

    static func poolPlan(_ pool: StoragePool) -> JobPlan {
        JobPlan(syncKey: "storagepool:\(lower(pool.uuid))", instanceType: "StoragePool", instanceUUID: lower(pool.uuid), resourceName: pool.name)
    }

    static let storage: [CommandSpec] = [
        CommandSpec("createStoragePool", description: "Creates a cluster-wide or zone-wide primary storage pool", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the pool"),
            ParameterSpec("url", .string, required: true, description: "nfs://host/path or SharedMountPoint:///path"),
            ParameterSpec("zoneid", .uuid, required: true, related: ["listZones"], description: "the zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "the pod (cluster scope)"),
            ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "the cluster (cluster scope)"),
            ParameterSpec("scope", .string, description: "cluster (default) or zone"),
            ParameterSpec("tags", .string, description: "comma-separated storage tags"),
            ParameterSpec("provider", .string, description: "DefaultPrimary"),
            ParameterSpec("managed", .boolean, description: "whether the pool is managed storage"),
            ParameterSpec("capacityiops", .long, description: "the IOPS the pool provides"),
            ParameterSpec("capacitybytes", .long, description: "the size of the pool in bytes"),
            ParameterSpec("hypervisor", .string, description: "the hypervisor of a zone-wide pool"),
        ], response: Schemas.storagePool.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let tags = (p.string("tags") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let view = try await ctx.engine.infrastructure.createStoragePool(caller: ctx.caller, StoragePoolSpec(
                zoneID: try p.requiredUUID("zoneid"), podID: p.uuid("podid"), clusterID: p.uuid("clusterid"), name: try p.requiredString("name"),
                url: try p.requiredString("url"), tags: tags, provider: p.string("provider"), scope: p.string("scope"), managed: p.bool("managed"),
                capacityIOPS: p.long("capacityiops"), capacityBytes: p.long("capacitybytes"), hypervisor: p.string("hypervisor")))
            return .object(name: "storagepool", Schemas.storagePool.render(view))
        }),
        CommandSpec("updateStoragePool", description: "Updates a primary storage pool", since: "3.0.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listStoragePools"], description: "the pool"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("tags", .list(.string), description: "the storage tags (replacing the old ones)"),
            ParameterSpec("capacitybytes", .long, description: "the size of the pool in bytes"),
            ParameterSpec("capacityiops", .long, description: "the IOPS the pool provides"),
            ParameterSpec("enabled", .boolean, description: "false disables the pool for new volumes"),
        ], response: Schemas.storagePool.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return .object(name: "storagepool", Schemas.storagePool.render(try await ctx.engine.infrastructure.updateStoragePool(
                caller: ctx.caller, id: try p.requiredUUID("id"), name: p.string("name"), tags: p.list("tags"), capacityBytes: p.long("capacitybytes"),
                capacityIOPS: p.long("capacityiops"), enabled: p.bool("enabled"))))
        }),
        CommandSpec("deleteStoragePool", description: "Deletes a primary storage pool without volumes", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listStoragePools"], description: "the pool"),
            ParameterSpec("forced", .boolean, description: "delete even with destroyed volumes"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            try await ctx.engine.infrastructure.deleteStoragePool(caller: ctx.caller, id: try p.requiredUUID("id"), forced: p.bool("forced", default: false))
            return .success(displayText: nil)
        }),
        CommandSpec("listStoragePools", description: "Lists primary storage pools", parameters: [
            ParameterSpec("id", .uuid, related: ["listStoragePools"], description: "the pool"),
            ParameterSpec("name", .string, description: "the name"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "the pod"),
            ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "the cluster"),
            ParameterSpec("hostid", .uuid, related: ["listHosts"], description: "the host of local pools"),
            ParameterSpec("ipaddress", .string, description: "the storage server address"),
            ParameterSpec("path", .string, description: "the path or URL"),
            ParameterSpec("scope", .string, description: "HOST, CLUSTER or ZONE"),
            ParameterSpec("status", .string, description: "the state of the pool"),
        ] + ParameterSpec.paging, response: Schemas.storagePool.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return pageOf("storagepool", try await ctx.engine.infrastructure.listStoragePools(
                id: p.uuid("id"), name: p.string("name"), zoneID: p.uuid("zoneid"), podID: p.uuid("podid"), clusterID: p.uuid("clusterid"), hostID: p.uuid("hostid"),
                ipAddress: p.string("ipaddress"), path: p.string("path"), scope: p.string("scope"), status: p.string("status"), keyword: p.string("keyword"),
                page: try await ctx.page()), Schemas.storagePool)
        }),
        CommandSpec("enableStorageMaintenance", description: "Puts a primary storage pool into maintenance", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listStoragePools"], description: "the pool"),
        ], response: Schemas.storagePool.description, access: .rootAdmin, event: CommandEvent(EventType.maintenancePreparePrimaryStorage, "preparing storage pool for maintenance"),
        handler: .async(prepare: { ctx in
            poolPlan(try await ctx.engine.infrastructure.checkStoragePool(id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            .object(name: "storagepool", Schemas.storagePool.render(try await ctx.engine.infrastructure.setStorageMaintenance(
                caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), enter: true)))
        })),
        CommandSpec("cancelStorageMaintenance", description: "Brings a primary storage pool back from maintenance", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listStoragePools"], description: "the pool"),
        ], response: Schemas.storagePool.description, access: .rootAdmin, event: CommandEvent(EventType.maintenanceCancelPrimaryStorage, "canceling maintenance for primary storage pool"),
        handler: .async(prepare: { ctx in
            poolPlan(try await ctx.engine.infrastructure.checkStoragePool(id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            .object(name: "storagepool", Schemas.storagePool.render(try await ctx.engine.infrastructure.setStorageMaintenance(
                caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), enter: false)))
        })),
        CommandSpec("addImageStore", description: "Adds a secondary (image) store to a zone", since: "4.2.0", parameters: [
            ParameterSpec("name", .string, description: "the name of the store (the URL when omitted)"),
            ParameterSpec("url", .string, length: 2048, description: "nfs://host/path, or file:///absolute/path for a local directory"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("provider", .string, required: true, description: "NFS"),
        ], response: Schemas.imageStore.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.infrastructure.addImageStore(
                caller: ctx.caller, name: p.string("name"), url: p.string("url"), zoneID: p.uuid("zoneid"), provider: try p.requiredString("provider"))
            // The Simulator's built-in template is ready in every zone with an image store (idempotent).
            if let zoneID = view.store.zoneID {
                do { try await ctx.engine.templates.ensureBuiltInTemplate(zoneID: zoneID) } catch {
                    ctx.engine.logger.error("Unable to place the built-in template on image store \(view.store.name): \(error)")
                }
            }
            return .object(name: "imagestore", Schemas.imageStore.render(view))
        }),
        CommandSpec("deleteImageStore", description: "Deletes an image store without templates", since: "4.2.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listImageStores"], description: "the image store"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            try await ctx.engine.infrastructure.deleteImageStore(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("listImageStores", description: "Lists image stores", since: "4.2.0", parameters: [
            ParameterSpec("id", .uuid, related: ["listImageStores"], description: "the image store"),
            ParameterSpec("name", .string, description: "the name"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("provider", .string, description: "the provider"),
            ParameterSpec("protocol", .string, description: "the protocol: nfs or file"),
            ParameterSpec("readonly", .boolean, description: "only read-only (or writable) stores"),
        ] + ParameterSpec.paging, response: Schemas.imageStore.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return pageOf("imagestore", try await ctx.engine.infrastructure.listImageStores(
                id: p.uuid("id"), name: p.string("name"), zoneID: p.uuid("zoneid"), provider: p.string("provider"), protocolName: p.string("protocol"),
                readOnly: p.bool("readonly"), keyword: p.string("keyword"), page: try await ctx.page()), Schemas.imageStore)
        }),
    ]

    // MARK: public IP ranges

    static let publicIPs: [CommandSpec] = [
        CommandSpec("createVlanIpRange", description: "Creates a public IP range", parameters: [
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "the pod (Basic zones)"),
            ParameterSpec("physicalnetworkid", .uuid, related: ["listPhysicalNetworks"], description: "the physical network (the zone's Public one when omitted)"),
            ParameterSpec("networkid", .uuid, description: "a shared network (not supported yet)"),
            ParameterSpec("vlan", .string, description: "the VLAN id or untagged"),
            ParameterSpec("gateway", .string, description: "the gateway of the range"),
            ParameterSpec("netmask", .string, description: "the netmask of the range"),
            ParameterSpec("startip", .string, description: "the first address"),
            ParameterSpec("endip", .string, description: "the last address (the first when omitted)"),
            ParameterSpec("forvirtualnetwork", .boolean, description: "true for public ranges"),
            ParameterSpec("forsystemvms", .boolean, description: "reserve the range for system VMs"),
            ParameterSpec("account", .string, description: "dedicate the range to this account"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "dedicate the range to this domain (or the account's domain)"),
            ParameterSpec("projectid", .uuid, description: "dedicate the range to a project (not supported yet)"),
            ParameterSpec("startipv6", .string, description: "the first IPv6 address of the range (4.17)"),
            ParameterSpec("endipv6", .string, description: "the last IPv6 address of the range (4.17)"),
            ParameterSpec("ip6gateway", .string, description: "the upstream IPv6 gateway; alone with ip6cidr it adds IPv6 to the VLAN's range (4.17)"),
            ParameterSpec("ip6cidr", .string, description: "the public IPv6 prefix (/64 or shorter) routers take their address from (4.17)"),
        ], response: Schemas.vlanIPRange.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let hasIPv6 = ["startipv6", "endipv6", "ip6gateway", "ip6cidr"].contains { p.string($0)?.isEmpty == false }
            var spec = VlanIPRangeSpec(
                zoneID: p.uuid("zoneid"), podID: p.uuid("podid"), physicalNetworkID: p.uuid("physicalnetworkid"), networkID: p.uuid("networkid"), vlan: p.string("vlan"),
                gateway: p.string("gateway"), netmask: p.string("netmask"), startIP: p.string("startip"), endIP: p.string("endip"),
                forVirtualNetwork: p.bool("forvirtualnetwork"), forSystemVMs: p.bool("forsystemvms"), accountName: p.string("account"), domainID: p.uuid("domainid"),
                projectID: p.uuid("projectid"), hasIPv6: hasIPv6)
            spec.ip6Gateway = p.string("ip6gateway"); spec.ip6CIDR = p.string("ip6cidr"); spec.startIPv6 = p.string("startipv6"); spec.endIPv6 = p.string("endipv6")
            let view = try await ctx.engine.infrastructure.createVlanIPRange(caller: ctx.caller, spec)
            return .object(name: "vlan", Schemas.vlanIPRange.render(view))
        }),
        CommandSpec("deleteVlanIpRange", description: "Deletes a public IP range without allocated addresses", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVlanIpRanges"], description: "the range"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            try await ctx.engine.infrastructure.deleteVlanIPRange(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("listVlanIpRanges", description: "Lists public IP ranges", parameters: [
            ParameterSpec("id", .uuid, related: ["listVlanIpRanges"], description: "the range"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "the pod"),
            ParameterSpec("physicalnetworkid", .uuid, related: ["listPhysicalNetworks"], description: "the physical network"),
            ParameterSpec("vlan", .string, description: "the VLAN"),
            ParameterSpec("forvirtualnetwork", .boolean, description: "true for public ranges"),
            ParameterSpec("account", .string, description: "ranges dedicated to this account (with domainid)"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "ranges dedicated to this domain"),
        ] + ParameterSpec.paging, response: Schemas.vlanIPRange.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            return pageOf("vlaniprange", try await ctx.engine.infrastructure.listVlanIPRanges(
                id: p.uuid("id"), zoneID: p.uuid("zoneid"), podID: p.uuid("podid"), physicalNetworkID: p.uuid("physicalnetworkid"), vlan: p.string("vlan"),
                forVirtualNetwork: p.bool("forvirtualnetwork"), accountName: p.string("account"), domainID: p.uuid("domainid"), keyword: p.string("keyword"),
                page: try await ctx.page()), Schemas.vlanIPRange)
        }),
    ]
}
