import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Rules on public addresses and networks: static NAT, port forwarding (with the firewall
/// rule it opens), ingress and egress firewall, load balancing with members and policies;
/// conflicts and bad input refused with CloudStack's errors; each change raises the router
/// document generation.
@Suite("Network rules", .serialized)
struct NetworkRuleTests {
    @Test("static NAT: enable maps the address to the instance, listIpForwardingRules shows it; source NAT addresses, busy addresses and forwarding on a NAT address are refused; disable clears it")
    func staticNat() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone, instances: 2)
            let ip = try #require(try await t.session.associate(network: t.network)["id"] as? String)
            let before = try await cloud.documentGeneration(network: t.network)

            let enabled = await t.session.call("enableStaticNat", ["ipaddressid": ip, "virtualmachineid": t.vm])
            #expect(enabled.status == 200, "\(enabled.body)")
            #expect(try await cloud.documentGeneration(network: t.network) > before)
            let listed = try #require(await t.session.call("listPublicIpAddresses", ["id": ip]).items("publicipaddress").first)
            #expect(listed["isstaticnat"] as? Bool == true)
            #expect(listed["virtualmachineid"] as? String == t.vm)
            #expect(listed["vmipaddress"] as? String == t.vmIP)
            let forwarding = await t.session.call("listIpForwardingRules", ["ipaddressid": ip]).items("ipforwardingrule")
            #expect(forwarding.count == 1 && forwarding.first?["virtualmachineid"] as? String == t.vm, "\(forwarding)")
            #expect(await t.session.call("listIpForwardingRules", ["virtualmachineid": t.vm]).count == 1)
            #expect(await t.session.call("listPublicIpAddresses", ["isstaticnat": "true"]).ids("publicipaddress") == [ip])

            // Enabling again for the same target is harmless; another instance: refused.
            #expect(await t.session.call("enableStaticNat", ["ipaddressid": ip, "virtualmachineid": t.vm]).status == 200)
            let vms = await t.session.call("listVirtualMachines").items("virtualmachine").compactMap { $0["id"] as? String }
            let second = try #require(vms.first { $0 != t.vm })
            #expect(await t.session.call("enableStaticNat", ["ipaddressid": ip, "virtualmachineid": second]).status == 537)
            // Forwarding on a static NAT address: refused; a firewall rule is fine.
            let pf = try await t.session.job("createPortForwardingRule", [("ipaddressid", ip), ("protocol", "tcp"), ("publicport", "22"), ("privateport", "22"),
                                                                        ("virtualmachineid", t.vm)])
            #expect(pf.errorCode == 537, "\(pf.job)")
            #expect(try await t.session.job("createFirewallRule", [("ipaddressid", ip), ("protocol", "tcp"), ("startport", "22")]).succeeded)

            let sourceNAT = try #require(await t.session.call("listPublicIpAddresses", ["issourcenat": "true"]).items("publicipaddress").first?["id"] as? String)
            let onSourceNAT = await t.session.call("enableStaticNat", ["ipaddressid": sourceNAT, "virtualmachineid": t.vm])
            #expect(onSourceNAT.status == 431 && (onSourceNAT.errorText ?? "").contains("source NAT"), "\(onSourceNAT.body)")

            // An address with a forwarding rule can't take static NAT.
            let busy = try #require(try await t.session.associate(network: t.network)["id"] as? String)
            #expect(try await t.session.job("createPortForwardingRule", [("ipaddressid", busy), ("protocol", "tcp"), ("publicport", "80"), ("privateport", "80"),
                                                                       ("virtualmachineid", second)]).succeeded)
            #expect(await t.session.call("enableStaticNat", ["ipaddressid": busy, "virtualmachineid": second]).status == 537)
            // A guest address that is not the instance's.
            #expect(await t.session.call("enableStaticNat", ["ipaddressid": busy, "virtualmachineid": second, "vmguestip": "10.1.1.250"]).status == 431)

            let disabled = try await t.session.job("disableStaticNat", [("ipaddressid", ip)])
            #expect(disabled.succeeded, "\(disabled.job)")
            #expect(await t.session.call("listPublicIpAddresses", ["id": ip]).items("publicipaddress").first?["isstaticnat"] as? Bool == false)
            #expect(await t.session.call("listIpForwardingRules").count == 0)
            #expect(try await t.session.job("disableStaticNat", [("ipaddressid", ip)]).errorCode == 431)
            // Static NAT goes when the instance is expunged.
            #expect(await t.session.call("enableStaticNat", ["ipaddressid": ip, "virtualmachineid": t.vm]).status == 200)
            #expect(try await admin.job("destroyVirtualMachine", [("id", t.vm), ("expunge", "true")]).succeeded)
            #expect(await t.session.call("listPublicIpAddresses", ["id": ip]).items("publicipaddress").first?["isstaticnat"] as? Bool == false)
        }
    }

    @Test("port forwarding: create (with the firewall rule openfirewall makes), list, update, conflicts (537) and bad ports (431), delete takes its firewall rule along")
    func portForwarding() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone)
            let ip = try await t.session.associate(network: t.network)
            let ipID = try #require(ip["id"] as? String)
            let before = try await cloud.documentGeneration(network: t.network)
            let created = try await t.session.job("createPortForwardingRule", [("ipaddressid", ipID), ("protocol", "TCP"), ("publicport", "2200"),
                                                                             ("publicendport", "2210"), ("privateport", "2200"), ("privateendport", "2210"),
                                                                             ("virtualmachineid", t.vm), ("cidrlist", "203.0.113.0/24,198.51.100.7")])
            #expect(created.succeeded, "\(created.job)")
            let rule = created.object("portforwardingrule")
            let ruleID = try #require(rule["id"] as? String)
            #expect(rule["protocol"] as? String == "tcp")
            #expect(rule["publicport"] as? String == "2200" && rule["publicendport"] as? String == "2210")
            #expect(rule["virtualmachineid"] as? String == t.vm)
            #expect(rule["vmguestip"] as? String == t.vmIP)
            #expect(rule["ipaddress"] as? String == ip["ipaddress"] as? String)
            #expect(rule["cidrlist"] as? String == "203.0.113.0/24,198.51.100.7/32")
            #expect(rule["state"] as? String == "Active")
            #expect(try await cloud.documentGeneration(network: t.network) > before)
            let firewall = await t.session.call("listFirewallRules", ["ipaddressid": ipID]).items("firewallrule")
            #expect(firewall.count == 1 && firewall.first?["startport"] as? Int == 2200 && firewall.first?["endport"] as? Int == 2210, "\(firewall)")
            #expect(await t.session.call("listPortForwardingRules", ["ipaddressid": ipID]).ids("portforwardingrule") == [ruleID])
            #expect(await t.session.call("listPortForwardingRules", ["networkid": t.network]).count == 1)
            #expect(await t.session.call("listPublicIpAddresses", ["id": ipID]).items("publicipaddress").first?["hasrules"] as? Bool == true)

            func pf(_ extra: [(String, String)]) async throws -> JobOutcome {
                var pairs: [(String, String)] = [("ipaddressid", ipID), ("virtualmachineid", t.vm)]
                for key in ["protocol", "publicport", "privateport"] where !extra.contains(where: { $0.0 == key }) {
                    pairs.append((key, key == "protocol" ? "tcp" : "3000"))
                }
                return try await t.session.job("createPortForwardingRule", pairs + extra)
            }
            let overlap = try await pf([("publicport", "2205"), ("privateport", "22")])
            #expect(overlap.errorCode == 537 && overlap.errorText.contains("conflicts with rule"), "\(overlap.job)")
            #expect(try await pf([("protocol", "udp"), ("publicport", "2205"), ("privateport", "22")]).succeeded)
            #expect(try await pf([("publicport", "0")]).errorCode == 431)
            #expect(try await pf([("publicport", "70000")]).errorCode == 431)
            let inverted = try await pf([("publicport", "3010"), ("publicendport", "3000")])
            #expect(inverted.errorCode == 431 && inverted.errorText.contains("Start port can't be bigger than end port"), "\(inverted.job)")
            #expect(try await pf([("publicport", "3000"), ("publicendport", "3010"), ("privateport", "3000"), ("privateendport", "3001")]).errorCode == 431)
            #expect(try await pf([("protocol", "icmp")]).errorCode == 431)
            #expect(try await pf([("cidrlist", "10.0.0.0/40")]).errorCode == 431)
            #expect(try await pf([("vmguestip", "10.1.1.250")]).errorCode == 431)
            // No firewall rule when openfirewall=false.
            #expect(try await pf([("publicport", "4000"), ("privateport", "4000"), ("openfirewall", "false")]).succeeded)
            #expect(await t.session.call("listFirewallRules", ["ipaddressid": ipID]).count == 2)

            // An async create answers with the new rule's id beside the job id (clients such as
            // libcloud read it at once); the job applies the rule.
            let reply = await t.session.call("createPortForwardingRule", pairs: [("ipaddressid", ipID), ("protocol", "tcp"), ("publicport", "5000"),
                                                                                 ("privateport", "5000"), ("virtualmachineid", t.vm)])
            let immediate = try #require(reply.object["id"] as? String, "\(reply.body)")
            let job = try await cloud.waitForJob(try #require(reply.object["jobid"] as? String), session: t.session)
            #expect(((job["jobresult"] as? [String: Any])?["portforwardingrule"] as? [String: Any])?["id"] as? String == immediate)
            #expect(((job["jobresult"] as? [String: Any])?["portforwardingrule"] as? [String: Any])?["state"] as? String == "Active")
            #expect(try await t.session.job("deletePortForwardingRule", [("id", immediate)]).succeeded)

            let updated = try await t.session.job("updatePortForwardingRule", [("id", ruleID), ("privateport", "8000")])
            #expect(updated.succeeded, "\(updated.job)")
            #expect(updated.object("portforwardingrule")["privateport"] as? String == "8000")
            #expect(updated.object("portforwardingrule")["privateendport"] as? String == "8010")
            #expect(try await t.session.job("updatePortForwardingRule", [("id", ruleID), ("privateport", "8000"), ("privateendport", "8001")]).errorCode == 431)

            let other = try await cloud.ruleTenant(admin, zone: zone, prefix: "other")
            #expect(try await other.session.job("deletePortForwardingRule", [("id", ruleID)]).errorCode == 531)
            #expect(await other.session.call("listPortForwardingRules", ["id": ruleID]).count == 0)
            #expect(try await t.session.job("deletePortForwardingRule", [("id", ruleID)]).succeeded)
            #expect(await t.session.call("listPortForwardingRules", ["ipaddressid": ipID]).count == 2)
            #expect(await t.session.call("listFirewallRules", ["ipaddressid": ipID]).count == 1)
            #expect(try await t.session.job("deletePortForwardingRule", [("id", ruleID)]).errorCode == 431)
        }
    }

    @Test("ingress and egress firewall rules: protocols, ports, ICMP, CIDRs, duplicates refused; egress sources must be guest addresses")
    func firewall() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone)
            let ipID = try #require(try await t.session.associate(network: t.network)["id"] as? String)
            func fw(_ pairs: [(String, String)]) async throws -> JobOutcome { try await t.session.job("createFirewallRule", [("ipaddressid", ipID)] + pairs) }
            let ssh = try await fw([("protocol", "tcp"), ("startport", "22"), ("cidrlist", "198.51.100.0/24")])
            #expect(ssh.succeeded, "\(ssh.job)")
            #expect(ssh.object("firewallrule")["traffictype"] as? String == "Ingress")
            #expect(ssh.object("firewallrule")["endport"] as? Int == 22)
            #expect(try await fw([("protocol", "tcp"), ("startport", "20"), ("endport", "30"), ("cidrlist", "198.51.100.0/24")]).errorCode == 537)
            #expect(try await fw([("protocol", "tcp"), ("startport", "20"), ("endport", "30"), ("cidrlist", "192.0.2.0/24")]).succeeded)
            let ping = try await fw([("protocol", "icmp"), ("icmptype", "8"), ("icmpcode", "0")])
            #expect(ping.succeeded && ping.object("firewallrule")["icmptype"] as? Int == 8)
            #expect(try await fw([("protocol", "icmp"), ("icmptype", "8"), ("icmpcode", "0")]).errorCode == 537)
            #expect(try await fw([("protocol", "icmp"), ("startport", "22")]).errorCode == 431)
            #expect(try await fw([("protocol", "tcp"), ("startport", "22"), ("icmptype", "8")]).errorCode == 431)
            #expect(try await fw([("protocol", "gre")]).errorCode == 431)
            #expect(try await fw([("protocol", "tcp"), ("startport", "100"), ("endport", "90")]).errorCode == 431)
            #expect(try await fw([("protocol", "all")]).succeeded)
            #expect(try await fw([("protocol", "all")]).errorCode == 537)
            #expect(await t.session.call("listFirewallRules", ["ipaddressid": ipID]).count == 4)

            func egress(_ pairs: [(String, String)]) async throws -> JobOutcome { try await t.session.job("createEgressFirewallRule", [("networkid", t.network)] + pairs) }
            let web = try await egress([("protocol", "tcp"), ("startport", "443"), ("destcidrlist", "203.0.113.0/24")])
            #expect(web.succeeded, "\(web.job)")
            let rule = web.object("firewallrule")
            #expect(rule["traffictype"] as? String == "Egress")
            #expect(rule["cidrlist"] as? String == "10.1.1.0/24")
            #expect(rule["destcidrlist"] as? String == "203.0.113.0/24")
            #expect(rule["networkid"] as? String == t.network)
            #expect(try await egress([("protocol", "tcp"), ("startport", "443"), ("destcidrlist", "203.0.113.0/24")]).errorCode == 537)
            let outside = try await egress([("protocol", "udp"), ("startport", "53"), ("cidrlist", "172.16.0.0/24")])
            #expect(outside.errorCode == 431 && outside.errorText.contains("guest CIDR"), "\(outside.job)")
            #expect(await t.session.call("listEgressFirewallRules", ["networkid": t.network]).count == 1)
            #expect(await t.session.call("listFirewallRules", ["networkid": t.network]).count == 4)
            let id = try #require(rule["id"] as? String)
            // An egress rule is not deleted as an ingress one.
            #expect(try await t.session.job("deleteFirewallRule", [("id", id)]).errorCode == 431)
            let hidden = try await t.session.job("updateEgressFirewallRule", [("id", id), ("fordisplay", "false")])
            #expect(hidden.object("firewallrule")["fordisplay"] as? Bool == false)
            #expect(await t.session.call("listEgressFirewallRules", ["fordisplay": "true"]).count == 0)
            #expect(try await t.session.job("deleteEgressFirewallRule", [("id", id)]).succeeded)
            #expect(await t.session.call("listEgressFirewallRules").count == 0)
        }
    }

    @Test("load balancing: rule, members by instance and by address, instances listing, stickiness and health-check policies with their checks, conflicts with forwarding, delete")
    func loadBalancing() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone, instances: 3)
            let ip = try await t.session.associate(network: t.network)
            let ipID = try #require(ip["id"] as? String)
            let vms = await t.session.call("listVirtualMachines").items("virtualmachine").compactMap { $0["id"] as? String }
            try #require(vms.count == 3)

            func lb(_ extra: [(String, String)]) async throws -> JobOutcome {
                var pairs: [(String, String)] = [("publicipid", ipID), ("name", "web"), ("algorithm", "roundrobin"), ("publicport", "80"), ("privateport", "8080")]
                pairs = pairs.filter { p in !extra.contains { $0.0 == p.0 } } + extra
                return try await t.session.job("createLoadBalancerRule", pairs)
            }
            let created = try await lb([])
            #expect(created.succeeded, "\(created.job)")
            let rule = created.object("loadbalancer")
            let ruleID = try #require(rule["id"] as? String)
            #expect(rule["publicip"] as? String == ip["ipaddress"] as? String)
            #expect(rule["publicport"] as? String == "80" && rule["privateport"] as? String == "8080")
            #expect(rule["algorithm"] as? String == "roundrobin")
            #expect(rule["protocol"] as? String == "tcp")
            #expect(rule["account"] as? String == t.account.name)
            #expect(rule["zoneid"] as? String == t.zone)
            #expect(await t.session.call("listFirewallRules", ["ipaddressid": ipID]).count == 1)

            #expect(try await lb([("algorithm", "random")]).errorCode == 431)
            #expect(try await lb([("protocol", "sctp"), ("publicport", "81")]).errorCode == 431)
            #expect(try await lb([("publicport", "0")]).errorCode == 431)
            #expect(try await lb([("name", "again")]).errorCode == 537)
            // Another protocol may share the port.
            let udp = try await lb([("name", "dns"), ("protocol", "udp")])
            #expect(udp.succeeded, "\(udp.job)")
            #expect(try await lb([("name", "dns2"), ("protocol", "udp")]).errorCode == 537)
            #expect(try await t.session.job("deleteLoadBalancerRule", [("id", try #require(udp.object("loadbalancer")["id"] as? String))]).succeeded)
            let pf = try await t.session.job("createPortForwardingRule", [("ipaddressid", ipID), ("protocol", "tcp"), ("publicport", "80"), ("privateport", "80"),
                                                                        ("virtualmachineid", t.vm)])
            #expect(pf.errorCode == 537, "\(pf.job)")

            let assign = try await t.session.job("assignToLoadBalancerRule", [("id", ruleID), ("virtualmachineids", "\(vms[0]),\(vms[1])")])
            #expect(assign.succeeded, "\(assign.job)")
            #expect(try await t.session.job("assignToLoadBalancerRule", [("id", ruleID), ("virtualmachineids", vms[0])]).errorCode == 431)
            let members = await t.session.call("listLoadBalancerRuleInstances", ["id": ruleID])
            #expect(members.ids("loadbalancerruleinstance") == Set(vms[0...1]), "\(members.body)")
            let candidates = await t.session.call("listLoadBalancerRuleInstances", ["id": ruleID, "applied": "false"])
            #expect(candidates.ids("loadbalancerruleinstance") == [vms[2]])
            let withIPs = await t.session.call("listLoadBalancerRuleInstances", ["id": ruleID, "lbvmips": "true"]).items("lbrulevmidip")
            #expect(withIPs.count == 2 && withIPs.allSatisfy { ($0["lbvmipaddresses"] as? [String])?.count == 1 }, "\(withIPs)")
            #expect(await t.session.call("listLoadBalancerRules", ["virtualmachineid": vms[0]]).ids("loadbalancerrule") == [ruleID])
            #expect(await t.session.call("listLoadBalancerRules", ["virtualmachineid": vms[2]]).count == 0)
            #expect(await t.session.call("listLoadBalancerRules", ["publicipid": ipID, "name": "web"]).count == 1)

            // By address (vmidipmap).
            let third = try #require(await t.session.call("listNics", ["virtualmachineid": vms[2]]).items("nic").first?["ipaddress"] as? String)
            let byIP = try await t.session.job("assignToLoadBalancerRule", [("id", ruleID), ("vmidipmap[0].vmid", vms[2]), ("vmidipmap[0].vmip", third)])
            #expect(byIP.succeeded, "\(byIP.job)")
            #expect(try await t.session.job("assignToLoadBalancerRule", [("id", ruleID), ("vmidipmap[0].vmid", vms[2]), ("vmidipmap[0].vmip", "10.1.1.250")]).errorCode == 431)
            #expect(try await t.session.job("removeFromLoadBalancerRule", [("id", ruleID), ("virtualmachineids", vms[2])]).succeeded)
            #expect(try await t.session.job("removeFromLoadBalancerRule", [("id", ruleID), ("virtualmachineids", vms[2])]).errorCode == 431)

            // Policies.
            let sticky = try await t.session.job("createLBStickinessPolicy", [("lbruleid", ruleID), ("name", "cookie"), ("methodname", "lbcookie"),
                                                                            ("param[0].name", "cookie-name"), ("param[0].value", "SRV")])
            #expect(sticky.succeeded, "\(sticky.job)")
            let policies = sticky.object("stickinesspolicies")
            #expect(policies["lbruleid"] as? String == ruleID)
            let policy = try #require((policies["stickinesspolicy"] as? [[String: Any]])?.first)
            #expect(policy["methodname"] as? String == "LbCookie")
            #expect((policy["params"] as? [String: Any])?["cookie-name"] as? String == "SRV")
            #expect(try await t.session.job("createLBStickinessPolicy", [("lbruleid", ruleID), ("name", "again"), ("methodname", "SourceBased")]).errorCode == 431)
            #expect(try await t.session.job("createLBStickinessPolicy", [("lbruleid", ruleID), ("name", "x"), ("methodname", "Magic")]).errorCode == 431)
            let listedSticky = await t.session.call("listLBStickinessPolicies", ["lbruleid": ruleID]).items("stickinesspolicies")
            #expect((listedSticky.first?["stickinesspolicy"] as? [[String: Any]])?.count == 1)

            #expect(try await t.session.job("createLBHealthCheckPolicy", [("lbruleid", ruleID), ("responsetimeout", "5"), ("intervaltime", "5")]).errorCode == 431)
            #expect(try await t.session.job("createLBHealthCheckPolicy", [("lbruleid", ruleID), ("pingpath", "no-slash")]).errorCode == 431)
            let health = try await t.session.job("createLBHealthCheckPolicy", [("lbruleid", ruleID), ("pingpath", "/health"), ("intervaltime", "10")])
            #expect(health.succeeded, "\(health.job)")
            let hc = try #require((health.object("healthcheckpolicies")["healthcheckpolicy"] as? [[String: Any]])?.first)
            #expect(hc["pingpath"] as? String == "/health")
            #expect(hc["healthcheckinterval"] as? Int == 10 && hc["responsetime"] as? Int == 2)
            #expect(try await t.session.job("createLBHealthCheckPolicy", [("lbruleid", ruleID)]).errorCode == 431)
            let hcID = try #require(hc["id"] as? String)
            #expect(await t.session.call("listLBHealthCheckPolicies", ["id": hcID]).count == 1)
            #expect(try await t.session.job("deleteLBHealthCheckPolicy", [("id", hcID)]).succeeded)
            #expect(((await t.session.call("listLBHealthCheckPolicies", ["lbruleid": ruleID]).items("healthcheckpolicies").first?["healthcheckpolicy"]) as? [[String: Any]])?.isEmpty == true)

            let updated = try await t.session.job("updateLoadBalancerRule", [("id", ruleID), ("algorithm", "leastconn"), ("name", "web2")])
            #expect(updated.object("loadbalancer")["algorithm"] as? String == "leastconn")
            #expect(try await t.session.job("updateLoadBalancerRule", [("id", ruleID), ("protocol", "udp")]).errorCode == 431)

            let other = try await cloud.ruleTenant(admin, zone: zone, prefix: "other")
            #expect(try await other.session.job("assignToLoadBalancerRule", [("id", ruleID), ("virtualmachineids", other.vm)]).errorCode == 531)
            #expect(try await t.session.job("assignToLoadBalancerRule", [("id", ruleID), ("virtualmachineids", other.vm)]).errorCode == 531)
            #expect(await other.session.call("listLoadBalancerRules").count == 0)

            // Expunging a member removes it from the rule.
            #expect(try await admin.job("destroyVirtualMachine", [("id", vms[1]), ("expunge", "true")]).succeeded)
            #expect(await t.session.call("listLoadBalancerRuleInstances", ["id": ruleID]).ids("loadbalancerruleinstance") == [vms[0]])

            #expect(try await t.session.job("deleteLoadBalancerRule", [("id", ruleID)]).succeeded)
            #expect(await t.session.call("listLoadBalancerRules").count == 0)
            #expect(await t.session.call("listFirewallRules", ["ipaddressid": ipID]).count == 0)
            let leftovers = try await cloud.engine.db.read { sql in
                (try await sql.select().column("rule_id").from("load_balancer_members").all().count,
                 try await sql.select().column("id").from("load_balancer_policies").all().count)
            }
            #expect(leftovers.0 == 0 && leftovers.1 == 0)
        }
    }
}
