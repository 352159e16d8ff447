import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Virtual routers as managed resources: listing with their network and addresses,
/// start/stop/reboot, offering change, template upgrade, live patching, health checks and
/// destroy, admins only.
@Suite("Virtual routers", .serialized)
struct RouterTests {
    func deployOne(_ s: Session, _ zone: Zone, _ admin: Session) async throws -> [String: Any] {
        let job = try await s.runJob("deployVirtualMachine", pairs: [
            ("zoneid", zone.uuid.uuidString.lowercased()),
            ("templateid", try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])),
            ("serviceofferingid", try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])),
        ])
        #expect(job["jobstatus"] as? Int == 1, "\(job)")
        return (job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any] ?? [:]
    }

    func router(_ job: [String: Any]) -> [String: Any] {
        (job["jobresult"] as? [String: Any])?["router"] as? [String: Any] ?? [:]
    }

    @Test("a started network's router is listed with its network and addresses; stop, start, reboot, patch, offering change, upgrade, health checks and destroy")
    func lifecycle() async throws {
        try await withDemoZone { cloud, admin, zone in
            let a = try await admin.createAccount(unique("rt"), domainID: nil)
            let user = try await cloud.login(a.username, password: a.password)
            _ = try await deployOne(user, zone, admin)
            let network = try #require(await user.call("listNetworks").items("network").first)
            let routers = await admin.call("listRouters", ["networkid": network["id"] as? String ?? "", "listall": "true"]).items("router")
            #expect(routers.count == 1, "\(routers)")
            let r = try #require(routers.first)
            let id = r["id"] as? String ?? ""
            #expect((r["name"] as? String)?.hasPrefix("r-") == true)
            #expect(r["state"] as? String == "Running")
            #expect(r["guestipaddress"] as? String == "10.1.1.1")
            #expect(r["guestnetworkid"] as? String == network["id"] as? String)
            #expect(r["publicip"] as? String == (await user.call("listPublicIpAddresses").items("publicipaddress").first?["ipaddress"] as? String))
            #expect(r["account"] as? String == a.name)
            #expect(r["version"] as? String == "4.19.0" && r["requiresupgrade"] as? Bool == false)
            #expect(r["hostid"] != nil && r["role"] as? String == "VIRTUAL_ROUTER")
            #expect((r["nic"] as? [[String: Any]])?.first?["ipaddress"] as? String == "10.1.1.1")

            // Users neither list nor drive routers.
            #expect(await user.call("listRouters").status == 401)
            #expect(await user.call("stopRouter", ["id": id]).status == 401)

            // A Running router keeps its offering; stopped, it takes a router system offering only.
            let routerOffering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["issystem": "true", "systemvmtype": "domainrouter"])
            #expect(await admin.call("changeServiceForRouter", ["id": id, "serviceofferingid": routerOffering]).status == 431)
            #expect(router(try await admin.runJob("stopRouter", pairs: [("id", id)]))["state"] as? String == "Stopped")
            let small = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            #expect(await admin.call("changeServiceForRouter", ["id": id, "serviceofferingid": small]).status == 431)
            let changed = await admin.call("changeServiceForRouter", ["id": id, "serviceofferingid": routerOffering])
            #expect(changed.status == 200, "\(changed.body)")
            #expect(router(try await admin.runJob("rebootRouter", pairs: [("id", id)]))["state"] == nil) // a Stopped router cannot reboot
            let started = router(try await admin.runJob("startRouter", pairs: [("id", id)]))
            #expect(started["state"] as? String == "Running" && started["hostid"] != nil)
            #expect(router(try await admin.runJob("rebootRouter", pairs: [("id", id)]))["state"] as? String == "Running")

            // Health checks: version and scripts pass; the configuration check reports what was confirmed.
            let health = await admin.call("getRouterHealthCheckResults", ["routerid": id, "performfreshchecks": "true"])
            #expect(health.status == 200, "\(health.body)")
            let checks = ((health.object["routerhealthchecks"] as? [String: Any])?["healthchecks"] as? [[String: Any]]) ?? []
            #expect(Set(checks.compactMap { $0["checkname"] as? String }) == ["router_version_check", "scripts_version_check", "configuration_applied_check"])
            #expect(checks.first { $0["checkname"] as? String == "router_version_check" }?["success"] as? Bool == true)

            // Live patching: refused while current unless forced; a newer scripts version is picked up.
            let current = try await admin.runJob("patchSystemVm", pairs: [("id", id)])
            #expect(current["jobstatus"] as? Int == 2)
            #expect(await admin.call("updateConfiguration", ["name": "router.software.version", "value": "4.19.1"]).status == 200)
            try await Task.sleep(for: .milliseconds(100))
            let patched = router(try await admin.runJob("patchSystemVm", pairs: [("id", id)]))
            #expect(patched["softwareversion"] as? String == "4.19.1", "\(patched)")

            // A newer required template makes it require an upgrade until upgradeRouterTemplate.
            #expect(await admin.call("updateConfiguration", ["name": "router.template.version", "value": "4.20.0"]).status == 200)
            try await Task.sleep(for: .milliseconds(100))
            #expect(await admin.call("listRouters", ["id": id]).items("router").first?["requiresupgrade"] as? Bool == true)
            #expect(await admin.call("upgradeRouterTemplate", ["id": id, "zoneid": zone.uuid.uuidString.lowercased()]).status == 431)
            let upgraded = await admin.call("upgradeRouterTemplate", ["zoneid": zone.uuid.uuidString.lowercased()])
            #expect(upgraded.status == 200, "\(upgraded.body)")
            let after = try #require(await admin.call("listRouters", ["id": id]).items("router").first)
            #expect(after["version"] as? String == "4.20.0" && after["requiresupgrade"] as? Bool == false)

            // Destroy: gone, and the network needs a restart; restart with cleanup makes a new one.
            #expect(router(try await admin.runJob("destroyRouter", pairs: [("id", id)]))["state"] as? String == "Destroyed")
            #expect(await admin.call("listRouters", ["id": id]).items("router").isEmpty)
            #expect(await user.call("listNetworks").items("network").first?["restartrequired"] as? Bool == true)
            let restarted = try await user.runJob("restartNetwork", pairs: [("id", network["id"] as? String ?? ""), ("cleanup", "true")])
            #expect(restarted["jobstatus"] as? Int == 1, "\(restarted)")
            let fresh = await admin.call("listRouters", ["networkid": network["id"] as? String ?? "", "listall": "true"]).items("router")
            #expect(fresh.count == 1 && fresh.first?["id"] as? String != id && fresh.first?["guestipaddress"] as? String == "10.1.1.1")
        }
    }
}
