import CirrusEngine
import CirrusModel
import Foundation

/// Service, disk, network and VPC offerings.
enum OfferingCommands {
    static let all: [CommandSpec] = service + disk + network + vpc

    // MARK: - Shared pieces

    /// The twelve throttle parameters of disk and service offerings.
    static let rateParameters: [ParameterSpec] = DiskRates.parameterNames.map {
        ParameterSpec($0, .long, description: "the \($0) throttle of volumes (bytes or I/O operations per second; max values in the same unit, lengths in seconds)")
    }

    static func rates(_ p: Parameters) -> DiskRates {
        var r = DiskRates()
        for name in DiskRates.parameterNames { r[name] = p.long(name) }
        return r
    }

    static let createScopeParameters: [ParameterSpec] = [
        ParameterSpec("domainid", .list(.uuid), related: ["listDomains"], description: "the domains the offering is limited to; omit for a public offering"),
        ParameterSpec("zoneid", .list(.uuid), related: ["listZones"], description: "the zones the offering is limited to; omit for every zone"),
    ]

    static let updateScopeParameters: [ParameterSpec] = [
        ParameterSpec("domainid", .string, description: "comma separated IDs of the domains the offering is limited to, or 'public'"),
        ParameterSpec("zoneid", .string, description: "comma separated IDs of the zones the offering is limited to, or 'all'"),
    ]

    /// `domainid`/`zoneid` of an update: a comma separated list, or `public`/`all` for no limit.
    static func updateScope(_ p: Parameters) throws(CloudError) -> OfferingScopeRequest {
        func ids(_ name: String, everything: String) throws(CloudError) -> [UUID]? {
            guard let raw = p.string(name) else { return nil }
            if raw.trimmingCharacters(in: .whitespaces).lowercased() == everything { return [] }
            var out: [UUID] = []
            for part in raw.split(separator: ",") {
                let text = part.trimmingCharacters(in: .whitespaces)
                guard let id = UUID(uuidString: text) else { throw .invalidParameter("Invalid \(name) \(text): give IDs separated by commas, or '\(everything)'") }
                out.append(id)
            }
            return out
        }
        return OfferingScopeRequest(domainIDs: try ids("domainid", everything: "public"), zoneIDs: try ids("zoneid", everything: "all"))
    }

    static func update(_ p: Parameters) throws(CloudError) -> OfferingUpdate {
        OfferingUpdate(name: p.string("name"), displayText: p.string("displaytext"), sortKey: p.int("sortkey"), state: p.string("state"), scope: try updateScope(p))
    }

    /// The CPU and memory bounds given in `serviceofferingdetails`, either as
    /// `details[0].mincpunumber=1` or as `details[0].key=mincpunumber&details[0].value=1`.
    static func detailBounds(_ entries: [[String: String]]) throws(CloudError) -> [String: Int] {
        let names: Set<String> = ["mincpunumber", "maxcpunumber", "minmemory", "maxmemory"]
        var pairs: [(String, String)] = []
        for entry in entries {
            if let key = entry["key"], let value = entry["value"] { pairs.append((key, value)) } else { pairs += entry.map { ($0.key, $0.value) } }
        }
        var out: [String: Int] = [:]
        for (key, value) in pairs where names.contains(key.lowercased()) {
            guard let n = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw .invalidParameter("Invalid value \(value) for serviceofferingdetails \(key): give a whole number")
            }
            out[key.lowercased()] = n
        }
        return out
    }

    static func query(_ p: Parameters) -> OfferingQuery {
        OfferingQuery(id: p.uuid("id"), name: p.string("name"), keyword: p.string("keyword"), domainID: p.uuid("domainid"),
                      isRecursive: p.bool("isrecursive", default: false), zoneID: p.uuid("zoneid"), state: p.string("state"))
    }

    static let updateCommonParameters: [ParameterSpec] = [
        ParameterSpec("name", .string, description: "the new name"),
        ParameterSpec("displaytext", .string, length: 4096, description: "the new description"),
        ParameterSpec("sortkey", .integer, description: "the order of the offering in lists"),
    ] + updateScopeParameters

    // MARK: - Service offerings

    static let service: [CommandSpec] = [
        CommandSpec("createServiceOffering", description: "Creates a service (compute) offering", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the offering"),
            ParameterSpec("displaytext", .string, length: 4096, description: "the description; the name when omitted"),
            ParameterSpec("cpunumber", .integer, description: "the number of CPUs of a fixed offering"),
            ParameterSpec("cpuspeed", .integer, description: "the speed of each CPU in MHz"),
            ParameterSpec("memory", .integer, description: "the memory in MB of a fixed offering"),
            ParameterSpec("customized", .boolean, since: "4.13", description: "whether the user picks CPU and memory; default when cpunumber and memory are omitted"),
            ParameterSpec("mincpunumber", .integer, description: "the smallest number of CPUs of a customized offering"),
            ParameterSpec("maxcpunumber", .integer, description: "the largest number of CPUs of a customized offering"),
            ParameterSpec("minmemory", .integer, description: "the smallest memory (MB) of a customized offering"),
            ParameterSpec("maxmemory", .integer, description: "the largest memory (MB) of a customized offering"),
            ParameterSpec("offerha", .boolean, description: "whether instances are restarted elsewhere when their host fails"),
            ParameterSpec("limitcpuuse", .boolean, description: "cap the CPU use at the offered speed"),
            ParameterSpec("isvolatile", .boolean, description: "replace the ROOT volume on every reboot"),
            ParameterSpec("hosttags", .string, description: "host tags an instance's host must carry, comma separated"),
            ParameterSpec("issystem", .boolean, description: "whether the offering is for system VMs"),
            ParameterSpec("systemvmtype", .string, description: "for system offerings: domainrouter, consoleproxy, secondarystoragevm or internalloadbalancervm"),
            ParameterSpec("deploymentplanner", .string, description: "FirstFitPlanner, UserDispersingPlanner or UserConcentratedPodPlanner"),
            ParameterSpec("networkrate", .integer, description: "the network rate in Mbps"),
            ParameterSpec("dynamicscalingenabled", .boolean, since: "4.16", description: "whether instances may be scaled while running (default true)"),
            ParameterSpec("diskofferingid", .uuid, since: "4.17", related: ["listDiskOfferings"], description: "the disk offering of the ROOT volume; CloudStack creates one from the disk parameters when omitted"),
            ParameterSpec("diskofferingstrictness", .boolean, since: "4.17", description: "whether the ROOT disk offering cannot be changed"),
            ParameterSpec("rootdisksize", .long, since: "4.15", description: "the size of the ROOT volume in GB"),
            ParameterSpec("tags", .string, description: "storage tags of the ROOT volume, comma separated"),
            ParameterSpec("storagetype", .string, description: "shared (default) or local storage for the ROOT volume"),
            ParameterSpec("provisioningtype", .string, description: "thin (default), sparse or fat"),
            ParameterSpec("cachemode", .string, since: "4.14", description: "none (default), writeback or writethrough"),
            ParameterSpec("customizediops", .boolean, description: "whether the user picks the IOPS of the ROOT volume"),
            ParameterSpec("miniops", .long, description: "the minimum IOPS of the ROOT volume"),
            ParameterSpec("maxiops", .long, description: "the maximum IOPS of the ROOT volume"),
            ParameterSpec("hypervisorsnapshotreserve", .integer, description: "extra space (%) reserved for hypervisor snapshots"),
            ParameterSpec("encryptroot", .boolean, since: "4.18", description: "whether the ROOT volume is encrypted"),
            ParameterSpec("serviceofferingdetails", .map, since: "4.2.0", description: "details; mincpunumber, maxcpunumber, minmemory and maxmemory here bound a customized offering"),
        ] + rateParameters + createScopeParameters, response: Schemas.serviceOffering.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            var r = ServiceOfferingRequest(name: try p.requiredString("name"))
            r.displayText = p.string("displaytext")
            r.cpuNumber = p.int("cpunumber"); r.cpuSpeed = p.int("cpuspeed"); r.memory = p.int("memory"); r.customized = p.bool("customized")
            let details = try detailBounds(p.map("serviceofferingdetails") ?? [])
            r.minCPUNumber = p.int("mincpunumber") ?? details["mincpunumber"]; r.maxCPUNumber = p.int("maxcpunumber") ?? details["maxcpunumber"]
            r.minMemory = p.int("minmemory") ?? details["minmemory"]; r.maxMemory = p.int("maxmemory") ?? details["maxmemory"]
            r.offerHA = p.bool("offerha", default: false); r.limitCPUUse = p.bool("limitcpuuse", default: false); r.isVolatile = p.bool("isvolatile", default: false)
            r.hostTags = p.string("hosttags"); r.isSystem = p.bool("issystem", default: false); r.systemVMType = p.string("systemvmtype")
            r.deploymentPlanner = p.string("deploymentplanner"); r.networkRate = p.int("networkrate")
            r.dynamicScalingEnabled = p.bool("dynamicscalingenabled", default: true)
            r.diskOfferingID = p.uuid("diskofferingid"); r.diskOfferingStrictness = p.bool("diskofferingstrictness", default: false)
            r.rootDiskSize = p.long("rootdisksize"); r.storageTags = p.string("tags"); r.storageType = p.string("storagetype")
            r.provisioningType = p.string("provisioningtype"); r.cacheMode = p.string("cachemode"); r.customizedIOPS = p.bool("customizediops")
            r.minIOPS = p.long("miniops"); r.maxIOPS = p.long("maxiops"); r.rates = rates(p); r.hypervisorSnapshotReserve = p.int("hypervisorsnapshotreserve")
            r.encryptRoot = p.bool("encryptroot", default: false)
            r.scope = OfferingScopeRequest(domainIDs: p.uuidList("domainid"), zoneIDs: p.uuidList("zoneid"))
            return .object(name: "serviceoffering", Schemas.serviceOffering.render(try await ctx.engine.offerings.createServiceOffering(caller: ctx.caller, r)))
        }),
        CommandSpec("updateServiceOffering", description: "Updates a service offering", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listServiceOfferings"], description: "the offering to update"),
            ParameterSpec("hosttags", .string, since: "4.16", description: "the new host tags, comma separated"),
            ParameterSpec("storagetags", .string, since: "4.16", description: "the new storage tags of the ROOT volume, comma separated"),
            ParameterSpec("state", .string, since: "4.19", description: "Active or Inactive"),
        ] + updateCommonParameters, response: Schemas.serviceOffering.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.offerings.updateServiceOffering(caller: ctx.caller, id: try p.requiredUUID("id"), try update(p),
                                                                            hostTags: p.string("hosttags"), storageTags: p.string("storagetags"))
            return .object(name: "serviceoffering", Schemas.serviceOffering.render(view))
        }),
        CommandSpec("deleteServiceOffering", description: "Deletes a service offering", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listServiceOfferings"], description: "the offering to delete"),
        ], response: .success, access: .admins, handler: .sync { ctx in
            try await ctx.engine.offerings.deleteServiceOffering(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("listServiceOfferings", description: "Lists the service offerings the caller may use", parameters: [
            ParameterSpec("id", .uuid, related: ["listServiceOfferings"], description: "list only this offering"),
            ParameterSpec("name", .string, description: "list offerings with this name"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "list offerings limited to this domain"),
            ParameterSpec("isrecursive", .boolean, description: "with domainid, also offerings limited to its sub-domains"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list offerings available in this zone"),
            ParameterSpec("issystem", .boolean, description: "list system offerings (admins only)"),
            ParameterSpec("systemvmtype", .string, description: "list system offerings of this system VM type"),
            ParameterSpec("state", .string, since: "4.19", description: "Active (default), Inactive or all"),
            ParameterSpec("cpunumber", .integer, since: "4.15", description: "list offerings that can give this many CPUs"),
            ParameterSpec("cpuspeed", .integer, since: "4.15", description: "list offerings that can give this CPU speed"),
            ParameterSpec("memory", .integer, since: "4.15", description: "list offerings that can give this much memory (MB)"),
            ParameterSpec("storagetype", .string, since: "4.19", description: "list offerings whose ROOT volume uses shared or local storage"),
        ] + ParameterSpec.paging, response: Schemas.serviceOffering.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var s = OfferingService.ServiceOfferingQuery()
            s.isSystem = p.bool("issystem", default: false); s.systemVMType = p.string("systemvmtype")
            s.cpuNumber = p.int("cpunumber"); s.cpuSpeed = p.int("cpuspeed"); s.memory = p.int("memory"); s.storageType = p.string("storagetype")
            let listing = try await ctx.engine.offerings.listServiceOfferings(caller: ctx.caller, query(p), s, page: try await ctx.page())
            return .list(itemName: "serviceoffering", count: listing.total, items: listing.items.map(Schemas.serviceOffering.render))
        }),
    ]

    // MARK: - Disk offerings

    static let disk: [CommandSpec] = [
        CommandSpec("createDiskOffering", description: "Creates a disk offering", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the offering"),
            ParameterSpec("displaytext", .string, length: 4096, description: "the description; the name when omitted"),
            ParameterSpec("disksize", .long, description: "the size in GB of a fixed offering"),
            ParameterSpec("customized", .boolean, description: "whether the user picks the size (within custom.diskoffering.size.min/max)"),
            ParameterSpec("customizediops", .boolean, description: "whether the user picks the IOPS"),
            ParameterSpec("miniops", .long, description: "the minimum IOPS"),
            ParameterSpec("maxiops", .long, description: "the maximum IOPS"),
            ParameterSpec("tags", .string, length: 4096, description: "storage tags a pool must carry, comma separated"),
            ParameterSpec("provisioningtype", .string, description: "thin (default), sparse or fat"),
            ParameterSpec("cachemode", .string, since: "4.14", description: "none (default), writeback or writethrough"),
            ParameterSpec("storagetype", .string, description: "shared (default) or local"),
            ParameterSpec("displayoffering", .boolean, description: "whether users see the offering (default true)"),
            ParameterSpec("encrypt", .boolean, since: "4.18", description: "whether volumes are encrypted"),
            ParameterSpec("hypervisorsnapshotreserve", .integer, description: "extra space (%) reserved for hypervisor snapshots"),
            ParameterSpec("disksizestrictness", .boolean, since: "4.17", description: "whether volumes of this offering cannot be resized"),
        ] + rateParameters + createScopeParameters, response: Schemas.diskOffering.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            var r = DiskOfferingRequest(name: try p.requiredString("name"))
            r.displayText = p.string("displaytext"); r.diskSize = p.long("disksize"); r.customized = p.bool("customized", default: false)
            r.customizedIOPS = p.bool("customizediops"); r.minIOPS = p.long("miniops"); r.maxIOPS = p.long("maxiops"); r.rates = rates(p)
            r.tags = p.string("tags"); r.provisioningType = p.string("provisioningtype"); r.cacheMode = p.string("cachemode")
            r.storageType = p.string("storagetype"); r.displayOffering = p.bool("displayoffering", default: true); r.encrypt = p.bool("encrypt", default: false)
            r.hypervisorSnapshotReserve = p.int("hypervisorsnapshotreserve"); r.diskSizeStrictness = p.bool("disksizestrictness", default: false)
            r.scope = OfferingScopeRequest(domainIDs: p.uuidList("domainid"), zoneIDs: p.uuidList("zoneid"))
            return .object(name: "diskoffering", Schemas.diskOffering.render(try await ctx.engine.offerings.createDiskOffering(caller: ctx.caller, r)))
        }),
        CommandSpec("updateDiskOffering", description: "Updates a disk offering", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listDiskOfferings"], description: "the offering to update"),
            ParameterSpec("tags", .string, length: 4096, since: "4.15", description: "the new storage tags, comma separated"),
            ParameterSpec("displayoffering", .boolean, description: "whether users see the offering"),
            ParameterSpec("cachemode", .string, since: "4.15", description: "none, writeback or writethrough"),
            ParameterSpec("state", .string, since: "4.19", description: "Active or Inactive"),
        ] + rateParameters + updateCommonParameters, response: Schemas.diskOffering.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.offerings.updateDiskOffering(caller: ctx.caller, id: try p.requiredUUID("id"), try update(p), tags: p.string("tags"),
                                                                         displayOffering: p.bool("displayoffering"), cacheMode: p.string("cachemode"), rates: rates(p))
            return .object(name: "diskoffering", Schemas.diskOffering.render(view))
        }),
        CommandSpec("deleteDiskOffering", description: "Deletes a disk offering", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listDiskOfferings"], description: "the offering to delete"),
        ], response: .success, access: .admins, handler: .sync { ctx in
            try await ctx.engine.offerings.deleteDiskOffering(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("listDiskOfferings", description: "Lists the disk offerings the caller may use", parameters: [
            ParameterSpec("id", .uuid, related: ["listDiskOfferings"], description: "list only this offering"),
            ParameterSpec("name", .string, description: "list offerings with this name"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "list offerings limited to this domain"),
            ParameterSpec("isrecursive", .boolean, description: "with domainid, also offerings limited to its sub-domains"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list offerings available in this zone"),
            ParameterSpec("state", .string, since: "4.19", description: "Active (default), Inactive or all"),
            ParameterSpec("storagetype", .string, since: "4.19", description: "shared or local"),
            ParameterSpec("encrypt", .boolean, since: "4.18", description: "list offerings that do (true) or do not (false) encrypt"),
        ] + ParameterSpec.paging, response: Schemas.diskOffering.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.offerings.listDiskOfferings(caller: ctx.caller, query(p), storageType: p.string("storagetype"),
                                                                           encrypt: p.bool("encrypt"), page: try await ctx.page())
            return .list(itemName: "diskoffering", count: listing.total, items: listing.items.map(Schemas.diskOffering.render))
        }),
    ]

    // MARK: - Network offerings

    static let network: [CommandSpec] = [
        CommandSpec("createNetworkOffering", description: "Creates a network offering; it starts Disabled unless enable=true", since: "3.0.0", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the offering"),
            ParameterSpec("displaytext", .string, length: 4096, description: "the description; the name when omitted"),
            ParameterSpec("guestiptype", .string, required: true, description: "Isolated, Shared or L2"),
            ParameterSpec("traffictype", .string, required: true, description: "the traffic type; only Guest is supported"),
            ParameterSpec("supportedservices", .list(.string), description: "the services of the offering, comma separated"),
            ParameterSpec("serviceproviderlist", .map, description: "the provider of each service: serviceproviderlist[0].service=Dhcp&serviceproviderlist[0].provider=VirtualRouter"),
            ParameterSpec("servicecapabilitylist", .map, description: "capabilities: servicecapabilitylist[0].service=SourceNat&servicecapabilitylist[0].capabilitytype=SupportedSourceNatTypes&servicecapabilitylist[0].capabilityvalue=peraccount"),
            ParameterSpec("specifyvlan", .boolean, description: "whether networks name their VLAN (required for Shared)"),
            ParameterSpec("specifyipranges", .boolean, description: "whether networks name their IP ranges"),
            ParameterSpec("conservemode", .boolean, description: "whether one public IP may carry several kinds of rules (default true)"),
            ParameterSpec("egressdefaultpolicy", .boolean, description: "true (default): egress is allowed unless a rule denies it"),
            ParameterSpec("ispersistent", .boolean, description: "implement networks as soon as they are created"),
            ParameterSpec("availability", .string, description: "Optional (default) or Required"),
            ParameterSpec("forvpc", .boolean, description: "whether the offering is for VPC tiers"),
            ParameterSpec("networkrate", .integer, description: "the network rate in Mbps"),
            ParameterSpec("tags", .string, length: 4096, description: "the tag a physical network must carry"),
            ParameterSpec("internetprotocol", .string, since: "4.17", description: "IPv4 (default) or DualStack"),
            ParameterSpec("maxconnections", .integer, description: "the maximum connections of the load balancer"),
            ParameterSpec("keepaliveenabled", .boolean, description: "keep-alive of the load balancer"),
            ParameterSpec("serviceofferingid", .uuid, related: ["listServiceOfferings"], description: "the system offering of the network's virtual routers"),
            ParameterSpec("enable", .boolean, since: "4.16", description: "create the offering Enabled"),
        ] + createScopeParameters, response: Schemas.networkOffering.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            var r = NetworkOfferingRequest(name: try p.requiredString("name"), guestIPType: try p.requiredString("guestiptype"), trafficType: try p.requiredString("traffictype"))
            r.displayText = p.string("displaytext"); r.supportedServices = p.list("supportedservices") ?? []
            r.serviceProviders = p.map("serviceproviderlist") ?? []; r.serviceCapabilities = p.map("servicecapabilitylist") ?? []
            r.specifyVlan = p.bool("specifyvlan", default: false); r.specifyIPRanges = p.bool("specifyipranges", default: false)
            r.conserveMode = p.bool("conservemode", default: true); r.egressDefaultPolicy = p.bool("egressdefaultpolicy", default: true)
            r.isPersistent = p.bool("ispersistent", default: false); r.availability = p.string("availability"); r.forVPC = p.bool("forvpc", default: false)
            r.networkRate = p.int("networkrate"); r.tags = p.string("tags"); r.internetProtocol = p.string("internetprotocol")
            r.maxConnections = p.int("maxconnections"); r.keepAliveEnabled = p.bool("keepaliveenabled", default: false)
            r.serviceOfferingID = p.uuid("serviceofferingid"); r.enable = p.bool("enable", default: false)
            r.scope = OfferingScopeRequest(domainIDs: p.uuidList("domainid"), zoneIDs: p.uuidList("zoneid"))
            return .object(name: "networkoffering", Schemas.networkOffering.render(try await ctx.engine.offerings.createNetworkOffering(caller: ctx.caller, r)))
        }),
        CommandSpec("updateNetworkOffering", description: "Updates a network offering; state=Enabled makes it usable", parameters: [
            ParameterSpec("id", .uuid, related: ["listNetworkOfferings"], description: "the offering to update"),
            ParameterSpec("state", .string, description: "Enabled or Disabled"),
            ParameterSpec("availability", .string, description: "Optional or Required"),
            ParameterSpec("tags", .string, length: 4096, description: "the new tag"),
            ParameterSpec("maxconnections", .integer, description: "the maximum connections of the load balancer"),
            ParameterSpec("keepaliveenabled", .boolean, description: "keep-alive of the load balancer"),
        ] + updateCommonParameters, response: Schemas.networkOffering.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            var c = OfferingService.NetworkOfferingChanges()
            c.availability = p.string("availability"); c.tags = p.string("tags"); c.maxConnections = p.int("maxconnections"); c.keepAliveEnabled = p.bool("keepaliveenabled")
            let view = try await ctx.engine.offerings.updateNetworkOffering(caller: ctx.caller, id: p.uuid("id"), try update(p), c)
            return .object(name: "networkoffering", Schemas.networkOffering.render(view))
        }),
        CommandSpec("deleteNetworkOffering", description: "Deletes a network offering", since: "3.0.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listNetworkOfferings"], description: "the offering to delete"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            try await ctx.engine.offerings.deleteNetworkOffering(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("listNetworkOfferings", description: "Lists network offerings", parameters: [
            ParameterSpec("id", .uuid, related: ["listNetworkOfferings"], description: "list only this offering"),
            ParameterSpec("name", .string, description: "list offerings with this name"),
            ParameterSpec("displaytext", .string, description: "list offerings with this description"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "list offerings limited to this domain"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list offerings available in this zone"),
            ParameterSpec("guestiptype", .string, description: "Isolated, Shared or L2"),
            ParameterSpec("traffictype", .string, description: "the traffic type"),
            ParameterSpec("availability", .string, description: "Required, Optional or Unavailable"),
            ParameterSpec("state", .string, description: "Enabled or Disabled"),
            ParameterSpec("isdefault", .boolean, description: "list only default (true) or only created (false) offerings"),
            ParameterSpec("specifyvlan", .boolean, description: "filter by specifyvlan"),
            ParameterSpec("specifyipranges", .boolean, description: "filter by specifyipranges"),
            ParameterSpec("forvpc", .boolean, description: "filter by forvpc"),
            ParameterSpec("istagged", .boolean, description: "list offerings with (true) or without (false) a tag"),
            ParameterSpec("tags", .string, description: "list offerings with this tag"),
            ParameterSpec("sourcenatsupported", .boolean, description: "list offerings with (true) or without (false) SourceNat"),
            ParameterSpec("supportedservices", .list(.string), description: "list offerings providing all of these services"),
        ] + ParameterSpec.paging, response: Schemas.networkOffering.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var n = OfferingService.NetworkOfferingQuery()
            n.displayText = p.string("displaytext"); n.guestIPType = p.string("guestiptype"); n.trafficType = p.string("traffictype")
            n.availability = p.string("availability"); n.isDefault = p.bool("isdefault"); n.specifyVlan = p.bool("specifyvlan")
            n.specifyIPRanges = p.bool("specifyipranges"); n.forVPC = p.bool("forvpc"); n.isTagged = p.bool("istagged"); n.tags = p.string("tags")
            n.sourceNatSupported = p.bool("sourcenatsupported"); n.supportedServices = p.list("supportedservices") ?? []
            let listing = try await ctx.engine.offerings.listNetworkOfferings(caller: ctx.caller, query(p), n, page: try await ctx.page())
            return .list(itemName: "networkoffering", count: listing.total, items: listing.items.map(Schemas.networkOffering.render))
        }),
    ]

    // MARK: - VPC offerings

    static func vpcRequest(_ p: Parameters) throws(CloudError) -> VPCOfferingRequest {
        var r = VPCOfferingRequest(name: try p.requiredString("name"))
        r.displayText = p.string("displaytext"); r.supportedServices = p.list("supportedservices") ?? []
        r.serviceProviders = p.map("serviceproviderlist") ?? []; r.serviceCapabilities = p.map("servicecapabilitylist") ?? []
        r.internetProtocol = p.string("internetprotocol"); r.serviceOfferingID = p.uuid("serviceofferingid"); r.enable = p.bool("enable", default: false)
        r.scope = OfferingScopeRequest(domainIDs: p.uuidList("domainid"), zoneIDs: p.uuidList("zoneid"))
        return r
    }

    static func vpcPlan(_ uuid: UUID, _ name: String, created: Bool = false) -> JobPlan {
        JobPlan(syncKey: "vpcoffering:\(uuid.uuidString.lowercased())", instanceType: "VpcOffering", instanceUUID: uuid.uuidString.lowercased(),
                createdID: created ? uuid.uuidString.lowercased() : nil, resourceName: name)
    }

    static let vpc: [CommandSpec] = [
        CommandSpec("createVPCOffering", description: "Creates a VPC offering; it starts Disabled unless enable=true", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the offering"),
            ParameterSpec("displaytext", .string, length: 4096, description: "the description; the name when omitted"),
            ParameterSpec("supportedservices", .list(.string), description: "the services of the offering; CloudStack's VPC services when omitted"),
            ParameterSpec("serviceproviderlist", .map, description: "the provider of each service: serviceproviderlist[0].service=Lb&serviceproviderlist[0].provider=InternalLbVm"),
            ParameterSpec("servicecapabilitylist", .map, description: "capabilities: servicecapabilitylist[0].service=Connectivity&servicecapabilitylist[0].capabilitytype=RegionLevelVpc&servicecapabilitylist[0].capabilityvalue=true"),
            ParameterSpec("internetprotocol", .string, since: "4.17", description: "IPv4 (default) or DualStack"),
            ParameterSpec("serviceofferingid", .uuid, related: ["listServiceOfferings"], description: "the system offering of the VPC's virtual routers"),
            ParameterSpec("enable", .boolean, since: "4.16", description: "create the offering Enabled"),
        ] + createScopeParameters, response: Schemas.vpcOffering.description, access: .rootAdmin,
        event: CommandEvent(EventType.vpcOfferingCreate, "Creating VPC offering"), handler: .async(prepare: { ctx in
            // Validated here so that bad input is answered at once; the job creates the row
            // under the id returned now.
            let r = try vpcRequest(ctx.parameters)
            _ = try ctx.engine.offerings.checkVPCOffering(r)
            try await ctx.engine.offerings.checkVPCOfferingReferences(caller: ctx.caller, r)
            let uuid = UUID()
            return vpcPlan(uuid, r.name, created: true)
        }, execute: { ctx in
            let uuid = ctx.job?.instanceUUID.flatMap(UUID.init(uuidString:)) ?? UUID()
            let view = try await ctx.engine.offerings.createVPCOffering(caller: ctx.caller, try vpcRequest(ctx.parameters), uuid: uuid)
            return .object(name: "vpcoffering", Schemas.vpcOffering.render(view))
        })),
        CommandSpec("updateVPCOffering", description: "Updates a VPC offering; state=Enabled makes it usable", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVPCOfferings"], description: "the offering to update"),
            ParameterSpec("state", .string, description: "Enabled or Disabled"),
        ] + updateCommonParameters, response: Schemas.vpcOffering.description, access: .rootAdmin,
        event: CommandEvent(EventType.vpcOfferingUpdate, "Updating VPC offering"), handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let offering = try await ctx.engine.offerings.vpcOffering(id: try p.requiredUUID("id"))
            _ = try update(p)
            return vpcPlan(offering.uuid, offering.name)
        }, execute: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.offerings.updateVPCOffering(caller: ctx.caller, id: try p.requiredUUID("id"), try update(p))
            return .object(name: "vpcoffering", Schemas.vpcOffering.render(view))
        })),
        CommandSpec("deleteVPCOffering", description: "Deletes a VPC offering", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVPCOfferings"], description: "the offering to delete"),
        ], response: .success, access: .rootAdmin, event: CommandEvent(EventType.vpcOfferingDelete, "Deleting VPC offering"), handler: .async(prepare: { ctx in
            let offering = try await ctx.engine.offerings.checkDeleteVPCOffering(id: try ctx.parameters.requiredUUID("id"))
            return vpcPlan(offering.uuid, offering.name)
        }, execute: { ctx in
            try await ctx.engine.offerings.deleteVPCOffering(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("listVPCOfferings", description: "Lists VPC offerings", parameters: [
            ParameterSpec("id", .uuid, related: ["listVPCOfferings"], description: "list only this offering"),
            ParameterSpec("name", .string, description: "list offerings with this name"),
            ParameterSpec("displaytext", .string, description: "list offerings with this description"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "list offerings limited to this domain"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list offerings available in this zone"),
            ParameterSpec("state", .string, description: "Enabled or Disabled"),
            ParameterSpec("isdefault", .boolean, description: "list only default (true) or only created (false) offerings"),
            ParameterSpec("supportedservices", .list(.string), description: "list offerings providing all of these services"),
        ] + ParameterSpec.paging, response: Schemas.vpcOffering.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.offerings.listVPCOfferings(caller: ctx.caller, query(p), displayText: p.string("displaytext"), isDefault: p.bool("isdefault"),
                                                                          supportedServices: p.list("supportedservices") ?? [], page: try await ctx.page())
            return .list(itemName: "vpcoffering", count: listing.total, items: listing.items.map(Schemas.vpcOffering.render))
        }),
    ]
}
