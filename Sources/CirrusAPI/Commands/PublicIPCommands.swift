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
        .bool("isstaticnat", "whether static NAT is enabled on it") { _ in false },
        .bool("issystem", "whether it is used by the system") { $0.address.isSystem },
        .string("state", "Free, Allocating, Allocated, Releasing or Reserved") { $0.address.state.rawValue },
        .string("physicalnetworkid", "the ID of the physical network") { $0.physicalNetworkUUID.map(id) },
        .bool("fordisplay", "whether it is shown to its owner") { _ in true },
        .bool("forsystemvms", "whether it is reserved for system VMs") { _ in false },
    ])
}

/// Public addresses as far as they exist before guest networking: listing the zone's
/// addresses, and listing static NAT and port forwarding rules (none can exist yet: rules come
/// with guest networking), so that clients that read them, such as libcloud's `list_nodes`, work.
enum PublicIPCommands {
    static let all: [CommandSpec] = [
        CommandSpec("listPublicIpAddresses", description: "Lists public IP addresses", parameters: [
            ParameterSpec("id", .uuid, related: ["listPublicIpAddresses"], description: "list only this address"),
            ParameterSpec("ipaddress", .string, description: "list only this address, by value"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list addresses of this zone"),
            ParameterSpec("vlanid", .uuid, related: ["listVlanIpRanges"], description: "list addresses of this range (admins)"),
            ParameterSpec("physicalnetworkid", .uuid, related: ["listPhysicalNetworks"], description: "list addresses of this physical network (admins)"),
            ParameterSpec("state", .string, description: "list addresses in this state"),
            ParameterSpec("allocatedonly", .boolean, description: "list only allocated addresses (default true)"),
            ParameterSpec("issourcenat", .boolean, description: "list only source NAT addresses, or only others"),
            ParameterSpec("forvirtualnetwork", .boolean, description: "accepted for compatibility; every range is a virtual network range"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.publicIPAddress.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var q = PublicIPQuery()
            q.id = p.uuid("id"); q.address = p.string("ipaddress"); q.zoneID = p.uuid("zoneid"); q.vlanID = p.uuid("vlanid")
            q.physicalNetworkID = p.uuid("physicalnetworkid"); q.allocatedOnly = p.bool("allocatedonly", default: true)
            q.sourceNAT = p.bool("issourcenat"); q.keyword = p.string("keyword")
            if let s = p.string("state") {
                guard let state = PublicIPState.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(s) == .orderedSame }) else {
                    throw CloudError.invalidParameter("Invalid state \(s): use Free, Allocating, Allocated, Releasing or Reserved")
                }
                q.state = state
            }
            let listing = try await ctx.engine.infrastructure.listPublicIPs(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), q, page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.publicIPAddress)
        }),
        CommandSpec("listIpForwardingRules", description: "Lists static NAT rules; none exist before guest networking", parameters: [
            ParameterSpec("id", .uuid, description: "list only this rule"),
            ParameterSpec("ipaddressid", .uuid, related: ["listPublicIpAddresses"], description: "list rules of this address"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "list rules of this instance"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: ResponseDescription(objectName: "ipforwardingrule", fields: [
            FieldInfo(name: "id", description: "the ID of the rule", type: .string),
            FieldInfo(name: "ipaddressid", description: "the ID of the public address", type: .string),
            FieldInfo(name: "ipaddress", description: "the public address", type: .string),
            FieldInfo(name: "virtualmachineid", description: "the ID of the instance", type: .string),
            FieldInfo(name: "protocol", description: "the protocol", type: .string),
            FieldInfo(name: "state", description: "the state of the rule", type: .string),
        ]), access: .all, handler: .sync { ctx in
            if let vm = ctx.parameters.uuid("virtualmachineid") { _ = try await ctx.engine.instances.instance(caller: ctx.caller, uuid: vm) }
            _ = try await ctx.scope(fallback: .ownAccount)
            return .list(itemName: "ipforwardingrule", count: 0, items: [])
        }),
        CommandSpec("listPortForwardingRules", description: "Lists port forwarding rules; none exist before guest networking", parameters: [
            ParameterSpec("id", .uuid, description: "list only this rule"),
            ParameterSpec("ipaddressid", .uuid, related: ["listPublicIpAddresses"], description: "list rules of this address"),
            ParameterSpec("networkid", .uuid, description: "list rules of this network"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: ResponseDescription(objectName: "portforwardingrule", fields: [
            FieldInfo(name: "id", description: "the ID of the rule", type: .string),
            FieldInfo(name: "ipaddressid", description: "the ID of the public address", type: .string),
            FieldInfo(name: "privateport", description: "the first private port", type: .string),
            FieldInfo(name: "publicport", description: "the first public port", type: .string),
            FieldInfo(name: "protocol", description: "the protocol", type: .string),
            FieldInfo(name: "virtualmachineid", description: "the ID of the instance", type: .string),
            FieldInfo(name: "state", description: "the state of the rule", type: .string),
        ]), access: .all, handler: .sync { ctx in
            _ = try await ctx.scope(fallback: .ownAccount)
            return .list(itemName: "portforwardingrule", count: 0, items: [])
        }),
    ]
}
