import CirrusEngine
import CirrusModel
import Foundation

/// Port forwarding, ingress firewall and egress firewall rules.
enum FirewallCommands {
    static func plan(ipID: UUID, name: String? = nil) -> JobPlan {
        let uuid = ipID.uuidString.lowercased()
        return JobPlan(syncKey: "publicip:\(uuid)", instanceType: "IpAddress", instanceUUID: uuid, resourceName: name)
    }

    static func rulePlan(_ r: FirewallRule, ipUUID: UUID?) -> JobPlan {
        let uuid = r.uuid.uuidString.lowercased()
        if let ipUUID { return JobPlan(syncKey: "publicip:\(ipUUID.uuidString.lowercased())", instanceType: "FirewallRule", instanceUUID: uuid) }
        return JobPlan(syncKey: "networkrules:\(r.networkID)", instanceType: "FirewallRule", instanceUUID: uuid)
    }

    /// The plan of a rule just made by an async create: its id is answered with the job id,
    /// and the job is serialised with the other rule jobs of its address (or network).
    static func created(_ view: RuleView) -> JobPlan {
        var p = rulePlan(view.rule, ipUUID: view.ipUUID)
        p.createdID = view.rule.uuid.uuidString.lowercased()
        return p
    }

    /// The id of the rule the job applies (set by its plan).
    static func createdID(_ ctx: CommandContext) throws -> UUID {
        guard let text = ctx.job?.instanceUUID, let id = UUID(uuidString: text) else { throw CloudError.internalError("The job names no rule to apply") }
        return id
    }

    /// The plan of a job on an existing rule: serialised with the other rules of its address.
    static func existingRulePlan(_ ctx: CommandContext, purpose: RulePurpose, traffic: RuleTrafficType = .ingress, kind: String) async throws -> JobPlan {
        let rule = try await ctx.engine.publicIPs.rule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), purpose: purpose, traffic: traffic, kind: kind)
        let ip = try await rule.ipAddressID.asyncMap { try await ctx.engine.publicIPs.addressUUID(id: $0) }
        return rulePlan(rule, ipUUID: ip ?? nil)
    }

    static let listParameters: [ParameterSpec] = [
        ParameterSpec("id", .uuid, description: "list only this rule"),
        ParameterSpec("ipaddressid", .uuid, related: ["listPublicIpAddresses"], description: "list rules of this address"),
        ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "list rules of this network"),
        ParameterSpec("fordisplay", .boolean, description: "list only rules shown to their owner, or only hidden ones"),
    ]

    static func query(_ p: Parameters) -> RuleQuery {
        var q = RuleQuery()
        q.id = p.uuid("id"); q.ipAddressID = p.uuid("ipaddressid"); q.networkID = p.uuid("networkid"); q.display = p.bool("fordisplay")
        return q
    }

    static func firewallRequest(_ p: Parameters) throws -> FirewallRuleRequest {
        var r = FirewallRuleRequest(proto: try p.requiredString("protocol"))
        r.ipAddressID = p.uuid("ipaddressid"); r.networkID = p.uuid("networkid")
        r.startPort = p.int("startport"); r.endPort = p.int("endport"); r.cidrList = p.list("cidrlist"); r.destinationCIDRList = p.list("destcidrlist")
        r.icmpType = p.int("icmptype"); r.icmpCode = p.int("icmpcode"); r.display = p.bool("fordisplay", default: true)
        if let type = p.string("type"), type.lowercased() != "user" && type.lowercased() != "system" {
            throw CloudError.invalidParameter("Invalid type \(type): use user or system")
        }
        return r
    }

    static let firewallParameters: [ParameterSpec] = [
        ParameterSpec("protocol", .string, required: true, description: "tcp, udp, icmp or all"),
        ParameterSpec("startport", .integer, description: "the first port (tcp and udp)"),
        ParameterSpec("endport", .integer, description: "the last port (default: startport)"),
        ParameterSpec("cidrlist", .list(.string), description: "the source CIDRs (default 0.0.0.0/0)"),
        ParameterSpec("icmptype", .integer, description: "the ICMP type (-1: any)"),
        ParameterSpec("icmpcode", .integer, description: "the ICMP code (-1: any)"),
        ParameterSpec("type", .string, description: "user (default) or system"),
        ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (default true)"),
    ]

    static let all: [CommandSpec] = portForwarding + firewall + egress

    static let portForwarding: [CommandSpec] = [
        CommandSpec("createPortForwardingRule", description: "Forwards ports of a public IP address to an instance", parameters: [
            ParameterSpec("ipaddressid", .uuid, required: true, related: ["listPublicIpAddresses"], description: "the public address"),
            ParameterSpec("protocol", .string, required: true, description: "tcp or udp"),
            ParameterSpec("publicport", .integer, required: true, description: "the first public port"),
            ParameterSpec("publicendport", .integer, description: "the last public port (default: publicport)"),
            ParameterSpec("privateport", .integer, required: true, description: "the first private port"),
            ParameterSpec("privateendport", .integer, description: "the last private port (default: privateport)"),
            ParameterSpec("virtualmachineid", .uuid, required: true, related: ["listVirtualMachines"], description: "the instance"),
            ParameterSpec("vmguestip", .string, description: "the guest address: the NIC's primary address (default) or a secondary one"),
            ParameterSpec("cidrlist", .list(.string), description: "the source CIDRs allowed (default 0.0.0.0/0)"),
            ParameterSpec("openfirewall", .boolean, description: "also open the ingress firewall for these ports (default true)"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "the network of the instance's NIC (default: the address's network)"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (default true)"),
        ], response: Schemas.portForwardingRule.description, access: .all, event: CommandEvent(EventType.netRuleAdd, "Creating port forwarding rule"),
        handler: .async(prepare: { ctx in
            // CloudStack's async create: the rule is made now (state Add, its id answered at
            // once beside the job id) and applied by the job.
            created(try await ctx.engine.publicIPs.createPortForwarding(caller: ctx.caller, try pfRequest(ctx.parameters)))
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.activateRule(caller: ctx.caller, id: try createdID(ctx))
            return .object(name: "portforwardingrule", Schemas.portForwardingRule.render(view))
        })),
        CommandSpec("updatePortForwardingRule", description: "Changes the private ports or the target of a port forwarding rule", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPortForwardingRules"], description: "the rule"),
            ParameterSpec("privateport", .integer, description: "the first private port"),
            ParameterSpec("privateendport", .integer, description: "the last private port"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "the new target instance"),
            ParameterSpec("vmguestip", .string, description: "the new guest address"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ], response: Schemas.portForwardingRule.description, access: .all, event: CommandEvent(EventType.netRuleModify, "Updating port forwarding rule"),
        handler: .async(prepare: { ctx in
            try await existingRulePlan(ctx, purpose: .portForwarding, kind: "port forwarding rule")
        }, execute: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.publicIPs.updatePortForwarding(caller: ctx.caller, id: try p.requiredUUID("id"), privatePort: p.int("privateport"),
                                                                          privateEndPort: p.int("privateendport"), vmID: p.uuid("virtualmachineid"),
                                                                          guestIP: p.string("vmguestip"), display: p.bool("fordisplay"))
            return .object(name: "portforwardingrule", Schemas.portForwardingRule.render(view))
        })),
        CommandSpec("deletePortForwardingRule", description: "Deletes a port forwarding rule", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listPortForwardingRules"], description: "the rule"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: .success, access: .all, event: CommandEvent(EventType.netRuleDelete, "Deleting port forwarding rule"),
        handler: .async(prepare: { ctx in
            try await existingRulePlan(ctx, purpose: .portForwarding, kind: "port forwarding rule")
        }, execute: { ctx in
            try await ctx.engine.publicIPs.deleteRule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), purpose: .portForwarding, kind: "port forwarding rule")
            return .success(displayText: nil)
        })),
        CommandSpec("listPortForwardingRules", description: "Lists port forwarding rules", parameters: listParameters + ParameterSpec.ownership + ParameterSpec.paging,
                    response: Schemas.portForwardingRule.description, access: .all, handler: .sync { ctx in
            let listing = try await ctx.engine.publicIPs.listRules(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), purpose: .portForwarding,
                                                                   traffic: .ingress, query(ctx.parameters), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.portForwardingRule)
        }),
    ]

    static func pfRequest(_ p: Parameters) throws -> PortForwardingRequest {
        var r = PortForwardingRequest(ipAddressID: try p.requiredUUID("ipaddressid"), vmID: try p.requiredUUID("virtualmachineid"), proto: try p.requiredString("protocol"),
                                      publicPort: try required(p, "publicport"), privatePort: try required(p, "privateport"))
        r.publicEndPort = p.int("publicendport"); r.privateEndPort = p.int("privateendport"); r.cidrList = p.list("cidrlist")
        r.openFirewall = p.bool("openfirewall", default: true); r.networkID = p.uuid("networkid"); r.guestIP = p.string("vmguestip")
        r.display = p.bool("fordisplay", default: true)
        return r
    }

    static func required(_ p: Parameters, _ name: String) throws -> Int {
        guard let v = p.int(name) else { throw CloudError.invalidParameter("Unable to execute API command due to missing parameter \(name)") }
        return v
    }

    static let firewall: [CommandSpec] = [
        CommandSpec("createFirewallRule", description: "Opens the ingress firewall of a public IP address", parameters: [
            ParameterSpec("ipaddressid", .uuid, required: true, related: ["listPublicIpAddresses"], description: "the public address"),
        ] + firewallParameters, response: Schemas.firewallRule.description, access: .all, event: CommandEvent(EventType.firewallOpen, "Creating firewall rule"),
        handler: .async(prepare: { ctx in
            created(try await ctx.engine.publicIPs.createFirewallRule(caller: ctx.caller, traffic: .ingress, try firewallRequest(ctx.parameters)))
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.activateRule(caller: ctx.caller, id: try createdID(ctx))
            return .object(name: "firewallrule", Schemas.firewallRule.render(view))
        })),
        CommandSpec("updateFirewallRule", description: "Updates whether a firewall rule is shown to its owner", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listFirewallRules"], description: "the rule"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: Schemas.firewallRule.description, access: .all, event: CommandEvent(EventType.firewallUpdate, "Updating firewall rule"),
        handler: .async(prepare: { ctx in
            try await existingRulePlan(ctx, purpose: .firewall, kind: "firewall rule")
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.updateRuleDisplay(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), purpose: .firewall, traffic: .ingress,
                                                                       kind: "firewall rule", display: ctx.parameters.bool("fordisplay"))
            return .object(name: "firewallrule", Schemas.firewallRule.render(view))
        })),
        CommandSpec("deleteFirewallRule", description: "Deletes an ingress firewall rule", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listFirewallRules"], description: "the rule"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: .success, access: .all, event: CommandEvent(EventType.firewallClose, "Deleting firewall rule"),
        handler: .async(prepare: { ctx in
            try await existingRulePlan(ctx, purpose: .firewall, kind: "firewall rule")
        }, execute: { ctx in
            try await ctx.engine.publicIPs.deleteRule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), purpose: .firewall, kind: "firewall rule")
            return .success(displayText: nil)
        })),
        CommandSpec("listFirewallRules", description: "Lists ingress firewall rules", parameters: listParameters + ParameterSpec.ownership + ParameterSpec.paging,
                    response: Schemas.firewallRule.description, access: .all, handler: .sync { ctx in
            let listing = try await ctx.engine.publicIPs.listRules(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), purpose: .firewall,
                                                                   traffic: .ingress, query(ctx.parameters), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.firewallRule)
        }),
    ]

    static let egress: [CommandSpec] = [
        CommandSpec("createEgressFirewallRule", description: "Adds an egress firewall rule to an Isolated network", parameters: [
            ParameterSpec("networkid", .uuid, required: true, related: ["listNetworks"], description: "the network"),
            ParameterSpec("destcidrlist", .list(.string), description: "the destination CIDRs (default 0.0.0.0/0)"),
        ] + firewallParameters, response: Schemas.firewallRule.description, access: .all, event: CommandEvent(EventType.firewallEgressOpen, "Creating egress firewall rule"),
        handler: .async(prepare: { ctx in
            created(try await ctx.engine.publicIPs.createFirewallRule(caller: ctx.caller, traffic: .egress, try firewallRequest(ctx.parameters)))
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.activateRule(caller: ctx.caller, id: try createdID(ctx))
            return .object(name: "firewallrule", Schemas.firewallRule.render(view))
        })),
        CommandSpec("updateEgressFirewallRule", description: "Updates whether an egress firewall rule is shown to its owner", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listEgressFirewallRules"], description: "the rule"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: Schemas.firewallRule.description, access: .all, event: CommandEvent(EventType.firewallEgressUpdate, "Updating egress firewall rule"),
        handler: .async(prepare: { ctx in
            try await existingRulePlan(ctx, purpose: .firewall, traffic: .egress, kind: "egress firewall rule")
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.updateRuleDisplay(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), purpose: .firewall, traffic: .egress,
                                                                       kind: "egress firewall rule", display: ctx.parameters.bool("fordisplay"))
            return .object(name: "firewallrule", Schemas.firewallRule.render(view))
        })),
        CommandSpec("deleteEgressFirewallRule", description: "Deletes an egress firewall rule", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listEgressFirewallRules"], description: "the rule"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: .success, access: .all, event: CommandEvent(EventType.firewallEgressClose, "Deleting egress firewall rule"),
        handler: .async(prepare: { ctx in
            try await existingRulePlan(ctx, purpose: .firewall, traffic: .egress, kind: "egress firewall rule")
        }, execute: { ctx in
            try await ctx.engine.publicIPs.deleteRule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), purpose: .firewall, traffic: .egress, kind: "egress firewall rule")
            return .success(displayText: nil)
        })),
        CommandSpec("listEgressFirewallRules", description: "Lists egress firewall rules", parameters: listParameters + ParameterSpec.ownership + ParameterSpec.paging,
                    response: Schemas.firewallRule.description, access: .all, handler: .sync { ctx in
            let listing = try await ctx.engine.publicIPs.listRules(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), purpose: .firewall,
                                                                   traffic: .egress, query(ctx.parameters), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.firewallRule)
        }),
    ]
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
