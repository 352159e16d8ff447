@testable import CirrusEngine
import CirrusAgent
import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Testing

/// The router document computed from the database and pushed to the router's host: what the
/// Simulator host received for a network with instances, NAT and rules; each change raising
/// the generation and the configuration health check following it.
@Suite("Router document push", .serialized)
struct RouterDocumentPushTests {
    /// The network's router, and the document its (in-process Simulator) host last applied.
    func applied(_ cloud: TestCloud, network: String) async throws -> (router: Router, document: RouterDocument?) {
        let uuid = try #require(UUID(uuidString: network))
        let found = try await cloud.engine.db.read { sql -> Router? in
            guard let n = try await NetworkRepository.find(sql, uuid: uuid) else { return nil }
            return try await RouterRepository.of(sql, networkID: n.id).first
        }
        let router = try #require(found)
        let host = try #require(router.hostID)
        let resource = try #require(cloud.engine.agents.inProcessResource(hostID: host) as? SimulatorResource)
        return (router, resource.routerDocument(named: router.name))
    }

    func configurationApplied(_ admin: Session, router: Router) async -> Bool? {
        let reply = await admin.call("getRouterHealthCheckResults", ["routerid": router.uuid.uuidString.lowercased(), "performfreshchecks": "true"])
        let checks = (reply.object["routerhealthchecks"] as? [String: Any])?["healthchecks"] as? [[String: Any]] ?? []
        return checks.first { $0["checkname"] as? String == "configuration_applied_check" }?["success"] as? Bool
    }

    @Test("the pushed document carries a DHCP entry and metadata per instance, source and static NAT, forwarding, firewall, egress and load balancing; changes raise the generation until the next push")
    func pushAndFollow() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone, instances: 2)
            let vms = await t.session.call("listVirtualMachines").items("virtualmachine")
            let guestIPs = Set(vms.compactMap { (($0["nic"] as? [[String: Any]])?.first?["ipaddress"] as? String) })
            let second = try #require(vms.compactMap { $0["id"] as? String }.first { $0 != t.vm })
            let ip = try #require(try await t.session.associate(network: t.network)["ipaddress"] as? String)
            let ipID = try #require(await t.session.call("listPublicIpAddresses", ["ipaddress": ip]).items("publicipaddress").first?["id"] as? String)
            let natID = try #require(try await t.session.associate(network: t.network)["id"] as? String)
            #expect(try await t.session.job("createPortForwardingRule", [("ipaddressid", ipID), ("protocol", "tcp"), ("publicport", "2222"),
                                                                       ("privateport", "22"), ("virtualmachineid", t.vm)]).succeeded)
            #expect(try await t.session.job("createEgressFirewallRule", [("networkid", t.network), ("protocol", "tcp"), ("startport", "443")]).succeeded)
            let lb = try await t.session.job("createLoadBalancerRule", [("publicipid", ipID), ("name", "web"), ("algorithm", "source"),
                                                                        ("publicport", "80"), ("privateport", "8080")])
            let lbID = try #require(lb.object("loadbalancer")["id"] as? String)
            #expect(try await t.session.job("assignToLoadBalancerRule", [("id", lbID), ("virtualmachineids", "\(t.vm),\(second)")]).succeeded)
            #expect(await t.session.call("enableStaticNat", ["ipaddressid": natID, "virtualmachineid": second]).status == 200)

            try await cloud.engine.routers.pushDirty()
            let (router, pushed) = try await applied(cloud, network: t.network)
            let doc = try #require(pushed, "nothing applied on the router's host")
            #expect(doc.generation == router.documentGeneration)
            #expect(router.appliedGeneration == router.documentGeneration)
            try doc.validate()
            #expect(Set(doc.dhcp.map(\.ipv4)) == guestIPs)
            #expect(doc.dhcp.allSatisfy { $0.defaultRoute && $0.hostname.hasPrefix("vm") })
            #expect(doc.metadata.count == 2 && doc.metadata.allSatisfy { $0.serviceOffering == "Small Instance" && $0.availabilityZone == zone.name })
            #expect(doc.metadata.first { $0.guestIP == t.vmIP }?.instanceUUID == t.vm)
            let sourceNAT = try #require(doc.sourceNat.first)
            #expect(sourceNAT.guestCIDR == "10.1.1.0/24")
            #expect(doc.interfaces.contains { $0.role == .guest && $0.addresses == ["10.1.1.1/24"] && $0.broadcastURI?.hasPrefix("vxlan://") == true })
            #expect(doc.interfaces.first { $0.role == .public }?.addresses.count == 3)
            #expect(doc.portForwarding == [.init(publicIP: ip, proto: "tcp", publicPorts: "2222", guestIP: t.vmIP, privatePorts: "22", sourceCIDRs: ["0.0.0.0/0"])])
            #expect(Set(doc.firewall.compactMap(\.ports)) == ["2222", "80"])
            #expect(doc.egress.rules.map(\.ports) == ["443"])
            let balancer = try #require(doc.loadBalancers.first)
            #expect(balancer.publicIP == ip && balancer.publicPort == 80 && balancer.privatePort == 8080 && balancer.algorithm == "source")
            #expect(Set(balancer.members) == guestIPs)
            #expect(doc.staticNat.count == 1 && doc.metadata.first { $0.guestIP == doc.staticNat[0].guestIP }?.publicIPv4 == doc.staticNat[0].publicIP)
            #expect(await configurationApplied(admin, router: router) == true)

            // A new rule: the generation moves ahead of what the host has, until the next push.
            #expect(try await t.session.job("createFirewallRule", [("ipaddressid", ipID), ("protocol", "icmp")]).succeeded)
            let (behind, _) = try await applied(cloud, network: t.network)
            #expect(behind.documentGeneration > behind.appliedGeneration)
            #expect(await configurationApplied(admin, router: behind) == false)
            try await cloud.engine.routers.pushDirty()
            let (caughtUp, newer) = try await applied(cloud, network: t.network)
            #expect(caughtUp.appliedGeneration == caughtUp.documentGeneration)
            #expect(try #require(newer).changedSections(from: doc) == [.firewall])
            #expect(await configurationApplied(admin, router: caughtUp) == true)

            // An expunged instance leaves DHCP, metadata, the balancer and static NAT.
            #expect(try await admin.job("destroyVirtualMachine", [("id", second), ("expunge", "true")]).succeeded)
            try await cloud.engine.routers.pushDirty()
            let after = try #require(try await applied(cloud, network: t.network).document)
            #expect(after.dhcp.map(\.ipv4) == [t.vmIP])
            #expect(after.metadata.count == 1)
            #expect(after.loadBalancers.first?.members == [t.vmIP])
            #expect(after.staticNat.isEmpty)
        }
    }

    @Test("implement, rebootRouter and restartNetwork push the document at once, without the sweep")
    func directPush() async throws {
        try await withDemoZone { cloud, admin, zone in
            // Deploy implements the network: its new router already runs the document.
            let t = try await cloud.ruleTenant(admin, zone: zone, prefix: "push")
            let (router, first) = try await applied(cloud, network: t.network)
            let doc = try #require(first, "implement pushed nothing to the router's host")
            #expect(router.appliedGeneration == router.documentGeneration && doc.generation == router.documentGeneration)
            #expect(doc.dhcp.map(\.ipv4) == [t.vmIP])
            #expect(await configurationApplied(admin, router: router) == true)

            let id = router.uuid.uuidString.lowercased()
            #expect(try await admin.job("rebootRouter", [("id", id)]).succeeded)
            let (rebooted, again) = try await applied(cloud, network: t.network)
            #expect(rebooted.documentGeneration > router.documentGeneration)
            #expect(rebooted.appliedGeneration == rebooted.documentGeneration && again?.generation == rebooted.documentGeneration)

            #expect(try await t.session.job("restartNetwork", [("id", t.network)]).succeeded)
            let (restarted, latest) = try await applied(cloud, network: t.network)
            #expect(restarted.documentGeneration > rebooted.documentGeneration)
            #expect(restarted.appliedGeneration == restarted.documentGeneration && latest?.generation == restarted.documentGeneration)
        }
    }
}
