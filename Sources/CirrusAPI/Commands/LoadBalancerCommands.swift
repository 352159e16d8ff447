import CirrusEngine
import CirrusModel
import Foundation

/// Load-balancing rules of the virtual router, their members and their stickiness and
/// health-check policies.
enum LoadBalancerCommands {
    static func plan(_ lb: LoadBalancerRule) -> JobPlan {
        let uuid = lb.rule.uuid.uuidString.lowercased()
        return JobPlan(syncKey: "lbrule:\(uuid)", instanceType: "LoadBalancerRule", instanceUUID: uuid, resourceName: lb.name)
    }

    /// `vmidipmap[0].vmid=…&vmidipmap[0].vmip=…`.
    static func vmIPs(_ p: Parameters) throws -> [(vm: UUID, ip: String)] {
        try (p.map("vmidipmap") ?? []).map { entry in
            guard let vm = entry["vmid"].flatMap(UUID.init(uuidString:)), let ip = entry["vmip"] else {
                throw CloudError.invalidParameter("Each vmidipmap entry needs vmid (an instance ID) and vmip")
            }
            return (vm, ip)
        }
    }

    static let memberParameters: [ParameterSpec] = [
        ParameterSpec("id", .uuid, required: true, related: ["listLoadBalancerRules"], description: "the load balancer rule"),
        ParameterSpec("virtualmachineids", .list(.uuid), related: ["listVirtualMachines"], description: "instances, by their primary address on the rule's network"),
        ParameterSpec("vmidipmap", .map, description: "instances with the guest address to use: vmidipmap[0].vmid, vmidipmap[0].vmip"),
    ]

    static let all: [CommandSpec] = rules + policies

    static let rules: [CommandSpec] = [
        CommandSpec("createLoadBalancerRule", description: "Balances a public port of an IP address over instances", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the rule"),
            ParameterSpec("description", .string, description: "the description of the rule"),
            ParameterSpec("algorithm", .string, required: true, description: "roundrobin, leastconn or source"),
            ParameterSpec("publicipid", .uuid, related: ["listPublicIpAddresses"], description: "the public address, associated with the network"),
            ParameterSpec("publicport", .integer, required: true, description: "the public port"),
            ParameterSpec("privateport", .integer, required: true, description: "the port of the members"),
            ParameterSpec("protocol", .string, description: "tcp (default), udp or tcp-proxy"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "the network (default: the address's network)"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "accepted for compatibility"),
            ParameterSpec("cidrlist", .list(.string), description: "the source CIDRs allowed (default 0.0.0.0/0)"),
            ParameterSpec("openfirewall", .boolean, description: "also open the ingress firewall for the public port (default true)"),
            ParameterSpec("account", .string, description: "accepted for compatibility: the rule belongs to the address's owner"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "accepted for compatibility"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (default true)"),
        ], response: Schemas.loadBalancer.description, access: .all, event: CommandEvent(EventType.lbCreate, "Creating load balancer rule"),
        handler: .async(prepare: { ctx in
            let view = try await ctx.engine.publicIPs.createLoadBalancer(caller: ctx.caller, try request(ctx.parameters))
            var p = plan(view.lb)
            p.createdID = view.lb.rule.uuid.uuidString.lowercased()
            return p
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.activateLoadBalancer(caller: ctx.caller, id: try FirewallCommands.createdID(ctx))
            return .object(name: "loadbalancer", Schemas.loadBalancer.render(view))
        })),
        CommandSpec("updateLoadBalancerRule", description: "Updates a load balancer rule", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listLoadBalancerRules"], description: "the rule"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("description", .string, description: "the new description"),
            ParameterSpec("algorithm", .string, description: "roundrobin, leastconn or source"),
            ParameterSpec("protocol", .string, description: "tcp or tcp-proxy (a udp rule stays udp)"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ], response: Schemas.loadBalancer.description, access: .all, event: CommandEvent(EventType.lbUpdate, "Updating load balancer rule"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.loadBalancer(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.publicIPs.updateLoadBalancer(caller: ctx.caller, id: try p.requiredUUID("id"), name: p.string("name"),
                                                                        description: p.string("description"), algorithm: p.string("algorithm"),
                                                                        proto: p.string("protocol"), display: p.bool("fordisplay"))
            return .object(name: "loadbalancer", Schemas.loadBalancer.render(view))
        })),
        CommandSpec("deleteLoadBalancerRule", description: "Deletes a load balancer rule with its members and policies", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listLoadBalancerRules"], description: "the rule"),
        ], response: .success, access: .all, event: CommandEvent(EventType.lbDelete, "Deleting load balancer rule"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.loadBalancer(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            try await ctx.engine.publicIPs.deleteLoadBalancer(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("assignToLoadBalancerRule", description: "Adds instances to a load balancer rule", parameters: memberParameters,
                    response: .success, access: .all, event: CommandEvent(EventType.lbAssignToRule, "Assigning instances to load balancer rule"),
        handler: .async(prepare: { ctx in
            _ = try vmIPs(ctx.parameters)
            return plan(try await ctx.engine.publicIPs.loadBalancer(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let p = ctx.parameters
            try await ctx.engine.publicIPs.assign(caller: ctx.caller, ruleID: try p.requiredUUID("id"), vmIDs: p.uuidList("virtualmachineids") ?? [], vmIPs: try vmIPs(p))
            return .success(displayText: nil)
        })),
        CommandSpec("removeFromLoadBalancerRule", description: "Removes instances from a load balancer rule", parameters: memberParameters,
                    response: .success, access: .all, event: CommandEvent(EventType.lbRemoveFromRule, "Removing instances from load balancer rule"),
        handler: .async(prepare: { ctx in
            _ = try vmIPs(ctx.parameters)
            return plan(try await ctx.engine.publicIPs.loadBalancer(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let p = ctx.parameters
            try await ctx.engine.publicIPs.unassign(caller: ctx.caller, ruleID: try p.requiredUUID("id"), vmIDs: p.uuidList("virtualmachineids") ?? [], vmIPs: try vmIPs(p))
            return .success(displayText: nil)
        })),
        CommandSpec("listLoadBalancerRules", description: "Lists load balancer rules", parameters: [
            ParameterSpec("id", .uuid, description: "list only this rule"),
            ParameterSpec("name", .string, description: "list rules with this name"),
            ParameterSpec("publicipid", .uuid, related: ["listPublicIpAddresses"], description: "list rules of this address"),
            ParameterSpec("virtualmachineid", .uuid, related: ["listVirtualMachines"], description: "list rules this instance is a member of"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list rules of this zone"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "list rules of this network"),
            ParameterSpec("fordisplay", .boolean, description: "list only rules shown to their owner, or only hidden ones"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.loadBalancer.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.publicIPs.listLoadBalancers(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                                           name: p.string("name"), ipID: p.uuid("publicipid"), vmID: p.uuid("virtualmachineid"),
                                                                           zoneID: p.uuid("zoneid"), networkID: p.uuid("networkid"), display: p.bool("fordisplay"),
                                                                           keyword: p.string("keyword"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.loadBalancer)
        }),
        CommandSpec("listLoadBalancerRuleInstances", description: "Lists the instances of a load balancer rule, or those that could be added", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listLoadBalancerRules"], description: "the rule"),
            ParameterSpec("applied", .boolean, description: "true (default): its members; false: instances of its network that are not members"),
            ParameterSpec("lbvmips", .boolean, description: "list each instance with the addresses it is a member by"),
        ] + ParameterSpec.paging, response: ResponseDescription(objectName: "loadbalancerruleinstance", fields: Schemas.virtualMachine.fieldInfo),
        access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let members = try await ctx.engine.publicIPs.ruleInstances(caller: ctx.caller, ruleID: try p.requiredUUID("id"), applied: p.bool("applied", default: true))
            let page = try await ctx.page()
            let window = Array(members.dropFirst(page.offset).prefix(page.limit ?? Int.max))
            var q = InstanceQuery()
            q.ids = window.map(\.instanceUUID)
            // The rule's access check covers its members.
            let views = window.isEmpty ? [] : try await ctx.engine.instances.list(caller: ctx.caller, scope: .everything, q, page: (0, nil)).items
            let byID = Dictionary(views.map { ($0.vm.id, $0) }, uniquingKeysWith: { a, _ in a })
            if p.bool("lbvmips", default: false) {
                let items: [ResponseNode] = window.compactMap { m in
                    guard let v = byID[m.instanceID] else { return nil }
                    return .object([.init("loadbalancerruleinstance", Schemas.virtualMachine.render(v)),
                                    .init("lbvmipaddresses", .array(m.addresses.map(ResponseNode.string)))])
                }
                return .list(itemName: "lbrulevmidip", count: members.count, items: items)
            }
            return .list(itemName: "loadbalancerruleinstance", count: members.count,
                         items: window.compactMap { byID[$0.instanceID].map(Schemas.virtualMachine.render) })
        }),
    ]

    static func request(_ p: Parameters) throws -> LoadBalancerRequest {
        var r = LoadBalancerRequest(name: try p.requiredString("name"), algorithm: try p.requiredString("algorithm"),
                                    publicPort: try FirewallCommands.required(p, "publicport"), privatePort: try FirewallCommands.required(p, "privateport"))
        r.description = p.string("description"); r.publicIPID = p.uuid("publicipid"); r.networkID = p.uuid("networkid"); r.proto = p.string("protocol")
        r.cidrList = p.list("cidrlist"); r.openFirewall = p.bool("openfirewall", default: true); r.display = p.bool("fordisplay", default: true)
        return r
    }

    static let policies: [CommandSpec] = [
        CommandSpec("createLBStickinessPolicy", description: "Adds a stickiness policy to a load balancer rule", parameters: [
            ParameterSpec("lbruleid", .uuid, required: true, related: ["listLoadBalancerRules"], description: "the rule"),
            ParameterSpec("name", .string, required: true, description: "the name of the policy"),
            ParameterSpec("methodname", .string, required: true, description: "LbCookie, AppCookie or SourceBased"),
            ParameterSpec("param", .map, description: "the method's parameters: param[0].name, param[0].value"),
            ParameterSpec("description", .string, description: "the description of the policy"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (default true)"),
        ], response: Schemas.stickinessPolicies.description, access: .all, event: CommandEvent(EventType.lbStickinessPolicyCreate, "Creating stickiness policy"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.loadBalancer(caller: ctx.caller, id: try ctx.parameters.requiredUUID("lbruleid")))
        }, execute: { ctx in
            let p = ctx.parameters
            var params: [String: String] = [:]
            for entry in p.map("param") ?? [] {
                guard let name = entry["name"], let value = entry["value"] else {
                    throw CloudError.invalidParameter("Each param entry needs name and value")
                }
                params[name] = value
            }
            let view = try await ctx.engine.publicIPs.createStickinessPolicy(caller: ctx.caller, ruleID: try p.requiredUUID("lbruleid"), name: try p.requiredString("name"),
                                                                            method: try p.requiredString("methodname"), params: params,
                                                                            description: p.string("description"), display: p.bool("fordisplay", default: true))
            return .object(name: "stickinesspolicies", Schemas.stickinessPolicies.render(view))
        })),
        CommandSpec("updateLBStickinessPolicy", description: "Updates whether a stickiness policy is shown to its owner", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listLBStickinessPolicies"], description: "the policy"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ], response: Schemas.stickinessPolicies.description, access: .all, event: CommandEvent(EventType.lbStickinessPolicyUpdate, "Updating stickiness policy"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.policyRule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), kind: .stickiness))
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.updatePolicy(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), kind: .stickiness, display: ctx.parameters.bool("fordisplay"))
            return .object(name: "stickinesspolicies", Schemas.stickinessPolicies.render(view))
        })),
        CommandSpec("deleteLBStickinessPolicy", description: "Deletes a stickiness policy", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listLBStickinessPolicies"], description: "the policy"),
        ], response: .success, access: .all, event: CommandEvent(EventType.lbStickinessPolicyDelete, "Deleting stickiness policy"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.policyRule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), kind: .stickiness))
        }, execute: { ctx in
            try await ctx.engine.publicIPs.deletePolicy(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), kind: .stickiness)
            return .success(displayText: nil)
        })),
        CommandSpec("listLBStickinessPolicies", description: "Lists the stickiness policies of a load balancer rule", parameters: [
            ParameterSpec("lbruleid", .uuid, related: ["listLoadBalancerRules"], description: "the rule"),
            ParameterSpec("id", .uuid, related: ["listLBStickinessPolicies"], description: "the policy"),
            ParameterSpec("fordisplay", .boolean, description: "list only policies shown to their owner, or only hidden ones"),
        ] + ParameterSpec.paging, response: Schemas.stickinessPolicies.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let views = try await ctx.engine.publicIPs.listPolicies(caller: ctx.caller, kind: .stickiness, ruleID: p.uuid("lbruleid"), policyID: p.uuid("id"),
                                                                    display: p.bool("fordisplay"))
            return .list(itemName: "stickinesspolicies", count: views.count, items: views.map(Schemas.stickinessPolicies.render))
        }),
        CommandSpec("createLBHealthCheckPolicy", description: "Adds a health check to a load balancer rule", parameters: [
            ParameterSpec("lbruleid", .uuid, required: true, related: ["listLoadBalancerRules"], description: "the rule"),
            ParameterSpec("description", .string, description: "the description of the policy"),
            ParameterSpec("pingpath", .string, description: "the HTTP path to probe (default /)"),
            ParameterSpec("responsetimeout", .integer, description: "seconds to wait for an answer, 1 to 60 (default 2)"),
            ParameterSpec("intervaltime", .integer, description: "seconds between probes, more than responsetimeout (default 5)"),
            ParameterSpec("healthythreshold", .integer, description: "successes before a member counts as healthy, 1 to 10 (default 2)"),
            ParameterSpec("unhealthythreshold", .integer, description: "failures before a member counts as unhealthy, 1 to 10 (default 1)"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (default true)"),
        ], response: Schemas.healthCheckPolicies.description, access: .all, event: CommandEvent(EventType.lbHealthCheckPolicyCreate, "Creating health check policy"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.loadBalancer(caller: ctx.caller, id: try ctx.parameters.requiredUUID("lbruleid")))
        }, execute: { ctx in
            let p = ctx.parameters
            var r = HealthCheckRequest()
            r.pingPath = p.string("pingpath"); r.description = p.string("description"); r.responseTimeout = p.int("responsetimeout")
            r.interval = p.int("intervaltime"); r.healthyThreshold = p.int("healthythreshold"); r.unhealthyThreshold = p.int("unhealthythreshold")
            r.display = p.bool("fordisplay", default: true)
            let view = try await ctx.engine.publicIPs.createHealthCheckPolicy(caller: ctx.caller, ruleID: try p.requiredUUID("lbruleid"), r)
            return .object(name: "healthcheckpolicies", Schemas.healthCheckPolicies.render(view))
        })),
        CommandSpec("updateLBHealthCheckPolicy", description: "Updates whether a health check policy is shown to its owner", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listLBHealthCheckPolicies"], description: "the policy"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ], response: Schemas.healthCheckPolicies.description, access: .all, event: CommandEvent(EventType.lbHealthCheckPolicyUpdate, "Updating health check policy"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.policyRule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), kind: .healthCheck))
        }, execute: { ctx in
            let view = try await ctx.engine.publicIPs.updatePolicy(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), kind: .healthCheck, display: ctx.parameters.bool("fordisplay"))
            return .object(name: "healthcheckpolicies", Schemas.healthCheckPolicies.render(view))
        })),
        CommandSpec("deleteLBHealthCheckPolicy", description: "Deletes a health check policy", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listLBHealthCheckPolicies"], description: "the policy"),
        ], response: .success, access: .all, event: CommandEvent(EventType.lbHealthCheckPolicyDelete, "Deleting health check policy"),
        handler: .async(prepare: { ctx in
            plan(try await ctx.engine.publicIPs.policyRule(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), kind: .healthCheck))
        }, execute: { ctx in
            try await ctx.engine.publicIPs.deletePolicy(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), kind: .healthCheck)
            return .success(displayText: nil)
        })),
        CommandSpec("listLBHealthCheckPolicies", description: "Lists the health check policies of a load balancer rule", parameters: [
            ParameterSpec("lbruleid", .uuid, related: ["listLoadBalancerRules"], description: "the rule"),
            ParameterSpec("id", .uuid, related: ["listLBHealthCheckPolicies"], description: "the policy"),
            ParameterSpec("fordisplay", .boolean, description: "list only policies shown to their owner, or only hidden ones"),
        ] + ParameterSpec.paging, response: Schemas.healthCheckPolicies.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let views = try await ctx.engine.publicIPs.listPolicies(caller: ctx.caller, kind: .healthCheck, ruleID: p.uuid("lbruleid"), policyID: p.uuid("id"),
                                                                    display: p.bool("fordisplay"))
            return .list(itemName: "healthcheckpolicies", count: views.count, items: views.map(Schemas.healthCheckPolicies.render))
        }),
    ]
}
