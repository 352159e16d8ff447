import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

extension Schemas {
    /// CloudStack's `IPAddressResponse`.
    static let publicIPAddress = ResponseSchema<PublicIPListItem>(objectName: "publicipaddress", fields: [
        .string("id", "the ID of the address") { id($0.address.uuid) },
        .string("ipaddress", "the address") { $0.address.address },
        .date("allocated", "when it was allocated") { $0.address.allocated },
        .string("zoneid", "the ID of the zone") { $0.zoneUUID.map(id) },
        .string("zonename", "the name of the zone") { $0.zoneName },
        .bool("issourcenat", "whether it is a source NAT address") { $0.address.sourceNAT },
        .string("account", "the account it is allocated to") { $0.accountName },
        .string("domainid", "the ID of that account's domain") { $0.domainUUID.map(id) },
        .string("domain", "the name of that account's domain") { $0.domainName },
        .bool("forvirtualnetwork", "whether it belongs to a virtual network range") { _ in true },
        .string("vlanid", "the ID of its public IP range") { $0.vlanUUID.map(id) },
        .string("vlanname", "the VLAN of its range") { $0.vlanTag },
        .bool("isstaticnat", "whether static NAT is enabled on it") { $0.address.staticNAT },
        .bool("issystem", "whether it is used by the system") { $0.address.isSystem },
        .string("virtualmachineid", "the instance of its static NAT") { $0.vmUUID.map(id) },
        .string("virtualmachinetype", "the type of that instance") { $0.vmUUID == nil ? nil : "UserVm" },
        .string("vmipaddress", "the guest address of its static NAT") { $0.address.vmIP },
        .string("virtualmachinename", "the name of that instance") { $0.vmName },
        .string("virtualmachinedisplayname", "the display name of that instance") { $0.vmDisplayName },
        .string("associatednetworkid", "the ID of the guest network it is associated with") { $0.networkUUID.map(id) },
        .string("vpcid", "the ID of the VPC it belongs to") { $0.vpcUUID.map(id) },
        .string("vpcname", "the name of the VPC it belongs to") { $0.vpcName },
        .string("associatednetworkname", "the name of that network") { $0.networkName },
        .string("networkid", "the ID of the zone's public network") { $0.physicalNetworkUUID.map(id) },
        .string("state", "Free, Allocating, Allocated, Releasing or Reserved") { $0.address.state.rawValue },
        .string("physicalnetworkid", "the ID of the physical network") { $0.physicalNetworkUUID.map(id) },
        .string("purpose", "what uses it: SourceNat, StaticNat, or its rules") { item in
            if item.address.sourceNAT { return "SourceNat" }
            if item.address.staticNAT { return "StaticNat" }
            return nil
        },
        .bool("isportable", "whether it is portable across zones") { _ in false },
        .bool("fordisplay", "whether it is shown to its owner") { $0.address.display },
        .bool("hasrules", "whether rules (port forwarding, load balancing, firewall) are on it") { $0.hasRules },
        .bool("forsystemvms", "whether it is reserved for system VMs") { _ in false },
    ])
}

/// Public addresses of guest networks: listing, associating and disassociating, 4.17's
/// reservations, and static NAT.
enum PublicIPCommands {
    static func plan(_ ip: VlanIPRangeRepository.Address) -> JobPlan {
        let uuid = ip.uuid.uuidString.lowercased()
        return JobPlan(syncKey: "publicip:\(uuid)", instanceType: "IpAddress", instanceUUID: uuid, resourceName: ip.address)
    }

    static let all: [CommandSpec] = [
        CommandSpec("listPublicIpAddresses", description: "Lists public IP addresses", parameters: [
            ParameterSpec("id", .uuid, related: ["listPublicIpAddresses"], description: "list only this address"),
            ParameterSpec("ipaddress", .string, description: "list only this address, by value"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list addresses of this zone"),
            ParameterSpec("vlanid", .uuid, related: ["listVlanIpRanges"], description: "list addresses of this range (admins)"),
            ParameterSpec("physicalnetworkid", .uuid, related: ["listPhysicalNetworks"], description: "list addresses of this physical network (admins)"),
            ParameterSpec("associatednetworkid", .uuid, related: ["listNetworks"], description: "list addresses associated with this guest network"),
            ParameterSpec("vpcid", .uuid, related: ["listVPCs"], description: "list addresses of this VPC"),
            ParameterSpec("state", .string, description: "list addresses in this state"),
            ParameterSpec("allocatedonly", .boolean, description: "list only allocated addresses (default true)"),
            ParameterSpec("issourcenat", .boolean, description: "list only source NAT addresses, or only others"),
            ParameterSpec("isstaticnat", .boolean, description: "list only addresses with static NAT, or only others"),
            ParameterSpec("fordisplay", .boolean, description: "list only addresses shown to their owner, or only hidden ones"),
            ParameterSpec("forvirtualnetwork", .boolean, description: "accepted for compatibility; every range is a virtual network range"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.publicIPAddress.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var q = PublicIPQuery()
            q.id = p.uuid("id"); q.address = p.string("ipaddress"); q.zoneID = p.uuid("zoneid"); q.vlanID = p.uuid("vlanid")
            q.physicalNetworkID = p.uuid("physicalnetworkid"); q.allocatedOnly = p.bool("allocatedonly", default: true)
            q.sourceNAT = p.bool("issourcenat"); q.staticNAT = p.bool("isstaticnat"); q.display = p.bool("fordisplay")
            q.associatedNetworkID = p.uuid("associatednetworkid"); q.vpcID = p.uuid("vpcid"); q.keyword = p.string("keyword")
            if let s = p.string("state") {
                guard let state = PublicIPState.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(s) == .orderedSame }) else {
                    throw CloudError.invalidParameter("Invalid state \(s): use Free, Allocating, Allocated, Releasing or Reserved")
                }
                q.state = state
            }
            let listing = try await ctx.engine.infrastructure.listPublicIPs(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), q, page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.publicIPAddress)
        }),
        CommandSpec("associateIpAddress", description: "Acquires a public IP address for a guest network", parameters: [
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "the Isolated network to associate the address with"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone: the address goes to the owner's only Isolated source NAT network there"),
            ParameterSpec("vpcid", .uuid, related: ["listVPCs"], description: "the VPC the address is for (bound to a tier by its first rule)"),
            ParameterSpec("ipaddress", .string, description: "a specific free address, or one reserved for the owner"),
            ParameterSpec("account", .string, description: "the owner (admins), with domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the owner's domain"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec("isportable", .boolean, description: "portable addresses are not supported; must be false"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (default true)"),
        ], response: Schemas.publicIPAddress.description, access: .all, event: CommandEvent(EventType.netIPAssign, "Associating IP address"),
        handler: .async(prepare: { ctx in
            // CloudStack's async create: the address is taken (Allocating) when the command is
            // accepted, its id answered beside the job id; the job makes it Allocated.
            let item = try await ctx.engine.publicIPs.associate(caller: ctx.caller, try request(ctx.parameters))
            var p = plan(item.address)
            p.createdID = item.address.uuid.uuidString.lowercased()
            return p
        }, execute: { ctx in
            guard let text = ctx.job?.instanceUUID, let id = UUID(uuidString: text) else { throw CloudError.internalError("The job names no address") }
            let item = try await ctx.engine.publicIPs.activateAddress(caller: ctx.caller, id: id)
            return .object(name: "ipaddress", Schemas.publicIPAddress.render(item))
        })),
        CommandSpec("disassociateIpAddress", description: "Releases a public IP address with its rules (not a network's source NAT address)", parameters: [
            ParameterSpec("id", .uuid, related: ["listPublicIpAddresses"], description: "the address"),
            ParameterSpec("ipaddress", .string, since: "4.19", description: "the address, by value"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: .success, access: .all, event: CommandEvent(EventType.netIPRelease, "Disassociating IP address"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.checkDisassociate(caller: ctx.caller, id: ctx.parameters.uuid("id"), address: ctx.parameters.string("ipaddress")))
        }, execute: { ctx in
            try await ctx.engine.publicIPs.disassociate(caller: ctx.caller, id: ctx.parameters.uuid("id"), address: ctx.parameters.string("ipaddress"))
            return .success(displayText: nil)
        })),
        CommandSpec("reserveIpAddress", description: "Reserves a free public IP address for an account, to associate later", since: "4.17", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPublicIpAddresses"], description: "the free address"),
            ParameterSpec("account", .string, description: "the owner (admins), with domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the owner's domain"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (default true)"),
        ], response: Schemas.publicIPAddress.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let item = try await ctx.engine.publicIPs.reserve(caller: ctx.caller, id: try p.requiredUUID("id"), accountName: p.string("account"),
                                                              domainID: p.uuid("domainid"), display: p.bool("fordisplay"))
            return .object(name: "ipaddress", Schemas.publicIPAddress.render(item))
        }),
        CommandSpec("releaseIpAddress", description: "Releases a reserved public IP address", since: "4.17", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPublicIpAddresses"], description: "the reserved address"),
        ], response: .success, access: .all, handler: .sync { ctx in
            try await ctx.engine.publicIPs.releaseReserved(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("updateIpAddress", description: "Updates whether a public IP address is shown to its owner", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPublicIpAddresses"], description: "the address"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: Schemas.publicIPAddress.description, access: .all, event: CommandEvent(EventType.netIPUpdate, "Updating IP address"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.address(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let item = try await ctx.engine.publicIPs.update(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), display: ctx.parameters.bool("fordisplay"))
            return .object(name: "ipaddress", Schemas.publicIPAddress.render(item))
        })),
        CommandSpec("enableStaticNat", description: "Maps a public IP address one-to-one to an instance's guest address", parameters: [
            ParameterSpec("ipaddressid", .uuid, required: true, related: ["listPublicIpAddresses"], description: "the public address"),
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "the network of the instance's NIC (default: the address's network)"),
            ParameterSpec("vmguestip", .string, description: "the guest address: the NIC's primary address (default) or a secondary one"),
        ], response: .success, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            try await ctx.engine.publicIPs.enableStaticNat(caller: ctx.caller, ipID: try p.requiredUUID("ipaddressid"), vmID: try p.requiredUUID("virtualmachineid"),
                                                           networkID: p.uuid("networkid"), guestIP: p.string("vmguestip"))
            return .success(displayText: nil)
        }),
        CommandSpec("disableStaticNat", description: "Removes the static NAT of a public IP address", parameters: [
            ParameterSpec("ipaddressid", .uuid, required: true, related: ["listPublicIpAddresses"], description: "the public address"),
        ], response: .success, access: .all, event: CommandEvent(EventType.staticNatDisable, "Disabling static NAT"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.address(caller: ctx.caller, id: try ctx.parameters.requiredUUID("ipaddressid")))
        }, execute: { ctx in
            try await ctx.engine.publicIPs.disableStaticNat(caller: ctx.caller, ipID: try ctx.parameters.requiredUUID("ipaddressid"))
            return .success(displayText: nil)
        })),
        CommandSpec("listIpForwardingRules", description: "Lists static NAT mappings", parameters: [
            ParameterSpec("id", .uuid, description: "list only this mapping (the ID of its public address)"),
            ParameterSpec("ipaddressid", .uuid, related: ["listPublicIpAddresses"], description: "list the mapping of this address"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "list mappings to this instance"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.ipForwardingRule.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            if let vm = p.uuid("virtualmachineid") { _ = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: vm) }
            let listing = try await ctx.engine.publicIPs.listStaticNat(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                                       ipID: p.uuid("ipaddressid"), vmID: p.uuid("virtualmachineid"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.ipForwardingRule)
        }),
    ]

    static func request(_ p: Parameters) throws -> AssociateIPRequest {
        if p.bool("isportable", default: false) {
            throw CloudError.invalidParameter("Portable IP addresses are not supported")
        }
        var r = AssociateIPRequest()
        r.networkID = p.uuid("networkid"); r.zoneID = p.uuid("zoneid"); r.vpcID = p.uuid("vpcid"); r.address = p.string("ipaddress")
        r.accountName = p.string("account"); r.domainID = p.uuid("domainid"); r.display = p.bool("fordisplay")
        return r
    }
}
