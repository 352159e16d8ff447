import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// A zone's guest IPv6 prefix with its zone's id.
struct IPv6PrefixView: Sendable {
    var prefix: GuestIPv6Prefix
    var zoneUUID: UUID?
}

extension Schemas {
    /// CloudStack's `DataCenterGuestIpv6PrefixResponse`.
    static let guestIPv6Prefix = ResponseSchema<IPv6PrefixView>(objectName: "guestnetworkipv6prefix", fields: [
        .string("id", "the ID of the prefix") { id($0.prefix.uuid) },
        .string("prefix", "the prefix") { $0.prefix.prefix },
        .string("zoneid", "the ID of the zone") { $0.zoneUUID.map(id) },
        .long("usedsubnets", "/64 subnets used by networks") { Int64($0.prefix.usedSubnets) },
        .long("availablesubnets", "/64 subnets still free") { v in
            let total = IPv6CIDR(v.prefix.prefix)?.subnet64Count ?? 0
            return Int64(total == Int.max ? Int.max : total - v.prefix.usedSubnets)
        },
        .long("totalsubnets", "/64 subnets in the prefix") { Int64(IPv6CIDR($0.prefix.prefix)?.subnet64Count ?? 0) },
        .date("created", "when it was added") { $0.prefix.created },
    ])

    /// IPv6 firewall rules: the firewall rule shape under their own object name.
    static let ipv6FirewallRule = ResponseSchema<RuleView>(objectName: "ipv6firewallrule", fields: firewallRule.fields)
}

/// Guest IPv6 prefixes of zones and IPv6 firewall rules of dual-stack networks (4.17).
enum IPv6Commands {
    static let all: [CommandSpec] = prefixes + firewall

    static let prefixes: [CommandSpec] = [
        CommandSpec("createGuestNetworkIpv6Prefix", description: "Adds a guest IPv6 prefix to a zone; dual-stack networks take /64 subnets of it", since: "4.17",
                    parameters: [
            ParameterSpec("zoneid", .uuid, required: true, related: ["listZones"], description: "the zone"),
            ParameterSpec("prefix", .string, required: true, description: "the prefix, /64 or shorter (e.g. fd17:ac56:1234::/48)"),
        ], response: Schemas.guestIPv6Prefix.description, access: .rootAdmin, event: CommandEvent(EventType.guestIPv6PrefixCreate, "Adding a guest IPv6 prefix"),
        handler: .async(prepare: { ctx in
            let zone = try ctx.parameters.requiredUUID("zoneid")
            return JobPlan(syncKey: "ipv6prefix:\(zone.uuidString.lowercased())", instanceType: "Zone", instanceUUID: zone.uuidString.lowercased())
        }, execute: { ctx in
            let p = ctx.parameters
            let made = try await ctx.engine.networks.createIPv6Prefix(caller: ctx.caller, zoneID: try p.requiredUUID("zoneid"), prefix: try p.requiredString("prefix"))
            return .object(name: "guestnetworkipv6prefix", Schemas.guestIPv6Prefix.render(IPv6PrefixView(prefix: made, zoneUUID: try p.requiredUUID("zoneid"))))
        })),
        CommandSpec("listGuestNetworkIpv6Prefixes", description: "Lists guest IPv6 prefixes with their use", since: "4.17", parameters: [
            ParameterSpec("id", .uuid, related: ["listGuestNetworkIpv6Prefixes"], description: "list only this prefix"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list the prefixes of this zone"),
        ] + ParameterSpec.paging, response: Schemas.guestIPv6Prefix.description, access: .rootAdmin, handler: .sync { ctx in
            let items = try await ctx.engine.networks.listIPv6Prefixes(id: ctx.parameters.uuid("id"), zoneID: ctx.parameters.uuid("zoneid"))
            let page = try await ctx.page()
            let window = items.dropFirst(page.offset).prefix(page.limit ?? Int.max)
            return .list(itemName: "guestnetworkipv6prefix", count: items.count,
                         items: window.map { Schemas.guestIPv6Prefix.render(IPv6PrefixView(prefix: $0.prefix, zoneUUID: $0.zoneUUID)) })
        }),
        CommandSpec("deleteGuestNetworkIpv6Prefix", description: "Deletes a guest IPv6 prefix no network uses", since: "4.17", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listGuestNetworkIpv6Prefixes"], description: "the prefix"),
        ], response: .success, access: .rootAdmin, event: CommandEvent(EventType.guestIPv6PrefixDelete, "Deleting a guest IPv6 prefix"),
        handler: .async(prepare: { ctx in
            let id = try ctx.parameters.requiredUUID("id")
            return JobPlan(syncKey: "ipv6prefix-delete:\(id.uuidString.lowercased())", instanceType: "GuestIpv6Prefix", instanceUUID: id.uuidString.lowercased())
        }, execute: { ctx in
            try await ctx.engine.networks.deleteIPv6Prefix(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
    ]

    static func request(_ p: Parameters) -> IPv6FirewallRequest {
        var r = IPv6FirewallRequest()
        r.networkID = p.uuid("networkid"); r.proto = p.string("protocol"); r.startPort = p.int("startport"); r.endPort = p.int("endport")
        r.cidrList = p.list("cidrlist"); r.destinationCIDRList = p.list("destcidrlist"); r.icmpType = p.int("icmptype"); r.icmpCode = p.int("icmpcode")
        r.trafficType = p.string("traffictype"); r.display = p.bool("fordisplay")
        return r
    }

    static let ruleParameters: [ParameterSpec] = [
        ParameterSpec("startport", .integer, description: "the first port (tcp and udp)"),
        ParameterSpec("endport", .integer, description: "the last port (default: startport)"),
        ParameterSpec("cidrlist", .list(.string), description: "source IPv6 CIDRs (default ::/0 ingress, the network's /64 egress)"),
        ParameterSpec("icmptype", .integer, description: "the ICMPv6 type (-1: any)"),
        ParameterSpec("icmpcode", .integer, description: "the ICMPv6 code (-1: any)"),
        ParameterSpec("traffictype", .string, description: "Ingress (default) or Egress"),
        ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it"),
    ]

    static let firewall: [CommandSpec] = [
        CommandSpec("createIpv6FirewallRule", description: "Adds an IPv6 firewall rule to a dual-stack network", since: "4.17", parameters: [
            ParameterSpec("networkid", .uuid, required: true, related: ["listNetworks"], description: "the network"),
            ParameterSpec("protocol", .string, required: true, description: "tcp, udp, icmp (ICMPv6) or all"),
            ParameterSpec("destcidrlist", .list(.string), description: "destination IPv6 CIDRs (default the network's /64 ingress, ::/0 egress)"),
        ] + ruleParameters, response: Schemas.ipv6FirewallRule.description, access: .all, event: CommandEvent(EventType.ipv6FirewallOpen, "Creating IPv6 firewall rule"),
        handler: .async(prepare: { ctx in
            let view = try await ctx.engine.publicIPs.createIPv6FirewallRule(caller: ctx.caller, request(ctx.parameters))
            var p = FirewallCommands.rulePlan(view.rule, ipUUID: nil)
            p.createdID = view.rule.uuid.uuidString.lowercased()
            return p
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.activateRule(caller: ctx.caller, id: try FirewallCommands.createdID(ctx))
            return .object(name: "ipv6firewallrule", Schemas.ipv6FirewallRule.render(view))
        })),
        CommandSpec("updateIpv6FirewallRule", description: "Changes an IPv6 firewall rule", since: "4.17", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listIpv6FirewallRules"], description: "the rule"),
            ParameterSpec("protocol", .string, description: "tcp, udp, icmp (ICMPv6) or all"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ] + ruleParameters, response: Schemas.ipv6FirewallRule.description, access: .all, event: CommandEvent(EventType.ipv6FirewallUpdate, "Updating IPv6 firewall rule"),
        handler: .async(prepare: { ctx in
            let rule = try await ctx.engine.publicIPs.rule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), purpose: .ipv6Firewall, anyTraffic: true,
                                                           kind: "IPv6 firewall rule")
            return FirewallCommands.rulePlan(rule, ipUUID: nil)
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.updateIPv6FirewallRule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), request(ctx.parameters))
            return .object(name: "ipv6firewallrule", Schemas.ipv6FirewallRule.render(view))
        })),
        CommandSpec("deleteIpv6FirewallRule", description: "Deletes an IPv6 firewall rule", since: "4.17", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listIpv6FirewallRules"], description: "the rule"),
        ], response: .success, access: .all, event: CommandEvent(EventType.ipv6FirewallClose, "Deleting IPv6 firewall rule"),
        handler: .async(prepare: { ctx in
            let rule = try await ctx.engine.publicIPs.rule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), purpose: .ipv6Firewall, anyTraffic: true,
                                                           kind: "IPv6 firewall rule")
            return FirewallCommands.rulePlan(rule, ipUUID: nil)
        }, execute: { ctx in
            try await ctx.engine.publicIPs.deleteRule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), purpose: .ipv6Firewall, anyTraffic: true,
                                                      kind: "IPv6 firewall rule")
            return .success(displayText: nil)
        })),
        CommandSpec("listIpv6FirewallRules", description: "Lists IPv6 firewall rules", since: "4.17", parameters: [
            ParameterSpec("id", .uuid, description: "list only this rule"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "list the rules of this network"),
            ParameterSpec("traffictype", .string, description: "Ingress or Egress"),
            ParameterSpec("fordisplay", .boolean, description: "list only rules shown to their owner, or only hidden ones"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.ipv6FirewallRule.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            var q = RuleQuery()
            q.id = p.uuid("id"); q.networkID = p.uuid("networkid"); q.display = p.bool("fordisplay")
            let traffic = try p.string("traffictype").map(RuleTrafficType.parse)
            let listing = try await ctx.engine.publicIPs.listRules(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), purpose: .ipv6Firewall,
                                                                   traffic: traffic, q, page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.ipv6FirewallRule)
        }),
    ]
}
