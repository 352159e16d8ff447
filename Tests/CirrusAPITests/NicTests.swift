import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// NIC commands (add, remove, default, address, secondary addresses) and 4.17's network
/// permissions: what they change, what they refuse, and who may use them.
@Suite("NICs and network permissions", .serialized)
struct NicTests {
    func createNetwork(_ s: Session, zone: String, offering: String, name: String, gateway: String) async throws -> String {
        let reply = await s.call("createNetwork", ["name": name, "zoneid": zone, "networkofferingid": offering, "gateway": gateway, "netmask": "255.255.255.0"])
        return try #require((reply.object["network"] as? [String: Any])?["id"] as? String, "\(reply.body)")
    }

    func nics(_ s: Session, vm: String) async -> [[String: Any]] {
        await s.call("listNics", ["virtualmachineid": vm]).items("nic")
    }

    @Test("add a NIC (address and MAC given), make it default, change its address, add and remove a secondary address, remove the old default; refusals on the way")
    func nicLifecycle() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone, prefix: "nic")
            let isolated = try await admin.firstID("listNetworkOfferings", "networkoffering", ["name": "DefaultIsolatedNetworkOfferingWithSourceNatService"])
            let second = try await createNetwork(t.session, zone: t.zone, offering: isolated, name: "back", gateway: "10.50.0.1")
            let generation = try await cloud.documentGeneration(network: t.network)

            let added = try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", second), ("ipaddress", "10.50.0.20"),
                                                                           ("macaddress", "02:aa:bb:cc:dd:01")])
            #expect(added.succeeded, "\(added.job)")
            #expect((added.object("virtualmachine")["nic"] as? [[String: Any]])?.count == 2)
            var list = await nics(t.session, vm: t.vm)
            let newNic = try #require(list.first { $0["networkid"] as? String == second })
            let oldNic = try #require(list.first { $0["networkid"] as? String == t.network })
            let newID = try #require(newNic["id"] as? String), oldID = try #require(oldNic["id"] as? String)
            #expect(newNic["ipaddress"] as? String == "10.50.0.20" && newNic["macaddress"] as? String == "02:aa:bb:cc:dd:01")
            #expect(newNic["isdefault"] as? Bool == false && newNic["deviceid"] as? String == "1")
            // The instance runs: the second network was implemented for it.
            #expect(await t.session.call("listNetworks", ["id": second]).items("network").first?["state"] as? String == "Implemented")

            // Refusals.
            let again = try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", second)])
            #expect(again.errorCode == 431 && again.errorText.contains("A NIC already exists"), "\(again.job)")
            #expect(try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", second), ("macaddress", "01:00:5e:00:00:01")]).errorCode == 431)
            let third = try await createNetwork(t.session, zone: t.zone, offering: isolated, name: "third", gateway: "10.51.0.1")
            #expect(try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", third), ("ipaddress", "10.99.0.5")]).errorCode == 431)
            let removeDefault = try await t.session.job("removeNicFromVirtualMachine", [("virtualmachineid", t.vm), ("nicid", oldID)])
            #expect(removeDefault.errorCode == 431 && removeDefault.errorText.contains("default NIC"), "\(removeDefault.job)")

            // Default NIC.
            #expect(try await t.session.job("updateDefaultNicForVirtualMachine", [("virtualmachineid", t.vm), ("nicid", newID)]).succeeded)
            list = await nics(t.session, vm: t.vm)
            #expect(list.first { $0["id"] as? String == newID }?["isdefault"] as? Bool == true)
            #expect(list.first { $0["id"] as? String == oldID }?["isdefault"] as? Bool == false)
            #expect(try await t.session.job("updateDefaultNicForVirtualMachine", [("virtualmachineid", t.vm), ("nicid", newID)]).errorCode == 431)

            // Secondary addresses.
            let secondary = try await t.session.job("addIpToNic", [("nicid", newID), ("ipaddress", "10.50.0.30")])
            #expect(secondary.succeeded, "\(secondary.job)")
            let sec = secondary.object("nicsecondaryip")
            #expect(sec["ipaddress"] as? String == "10.50.0.30" && sec["nicid"] as? String == newID && sec["virtualmachineid"] as? String == t.vm)
            #expect(try await t.session.job("addIpToNic", [("nicid", newID), ("ipaddress", "10.50.0.30")]).errorCode != nil)
            let random = try await t.session.job("addIpToNic", [("nicid", newID)])
            #expect((random.object("nicsecondaryip")["ipaddress"] as? String)?.hasPrefix("10.50.0.") == true)
            list = await nics(t.session, vm: t.vm)
            #expect((list.first { $0["id"] as? String == newID }?["secondaryip"] as? [[String: Any]])?.count == 2)
            #expect(try await t.session.job("removeIpFromNic", [("id", try #require(sec["id"] as? String))]).succeeded)
            // Its address is free again.
            #expect(try await t.session.job("addIpToNic", [("nicid", newID), ("ipaddress", "10.50.0.30")]).succeeded)

            // A new primary address needs a stopped instance.
            #expect(try await t.session.job("updateVmNicIp", [("nicid", newID), ("ipaddress", "10.50.0.40")]).errorCode == 431)
            #expect(try await t.session.job("stopVirtualMachine", [("id", t.vm)]).succeeded)
            let moved = try await t.session.job("updateVmNicIp", [("nicid", newID), ("ipaddress", "10.50.0.40")])
            #expect(moved.succeeded, "\(moved.job)")
            #expect(await nics(t.session, vm: t.vm).first { $0["id"] as? String == newID }?["ipaddress"] as? String == "10.50.0.40")
            #expect(try await t.session.job("updateVmNicIp", [("nicid", newID), ("ipaddress", "10.50.0.40")]).errorCode == 431)
            #expect(try await t.session.job("updateVmNicIp", [("nicid", newID), ("ipaddress", "10.50.9.9")]).errorCode == 431)

            // The old NIC (no longer default) goes, its address back in the pool.
            #expect(try await t.session.job("removeNicFromVirtualMachine", [("virtualmachineid", t.vm), ("nicid", oldID)]).succeeded)
            #expect(await nics(t.session, vm: t.vm).count == 1)
            #expect(try await cloud.documentGeneration(network: t.network) > generation)

            // Another tenant can touch none of it.
            let other = try await cloud.ruleTenant(admin, zone: zone, prefix: "nicother")
            #expect(try await other.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", other.network)]).errorCode == 531)
            #expect(try await other.session.job("addIpToNic", [("nicid", newID)]).errorCode == 531)
            #expect(try await other.session.job("updateVmNicIp", [("nicid", newID)]).errorCode == 531)
            // Nor put its instance on this tenant's network.
            let foreign = try await other.session.job("addNicToVirtualMachine", [("virtualmachineid", other.vm), ("networkid", second)])
            #expect(foreign.errorCode == 531, "\(foreign.job)")
        }
    }

    @Test("a secondary address with a rule pointing at it can't be removed; nor can a NIC with such rules")
    func rulesPin() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone, prefix: "pin")
            let nicID = try #require(await nics(t.session, vm: t.vm).first?["id"] as? String)
            let sec = try await t.session.job("addIpToNic", [("nicid", nicID)])
            let secIP = try #require(sec.object("nicsecondaryip")["ipaddress"] as? String)
            let ip = try #require(try await t.session.associate(network: t.network)["id"] as? String)
            #expect(await t.session.call("enableStaticNat", ["ipaddressid": ip, "virtualmachineid": t.vm, "vmguestip": secIP]).status == 200)
            let refused = try await t.session.job("removeIpFromNic", [("id", try #require(sec.object("nicsecondaryip")["id"] as? String))])
            #expect(refused.errorCode == 431 && refused.errorText.contains("static NAT"), "\(refused.job)")
            #expect(try await t.session.job("disableStaticNat", [("ipaddressid", ip)]).succeeded)
            #expect(try await t.session.job("removeIpFromNic", [("id", try #require(sec.object("nicsecondaryip")["id"] as? String))]).succeeded)
        }
    }

    @Test("network permissions: the owner grants an account of its domain, which may then deploy into and add NICs on the network; removal waits for its NICs to go; others are refused")
    func permissions() async throws {
        try await withDemoZone { cloud, admin, zone in
            let owner = try await cloud.ruleTenant(admin, zone: zone, prefix: "owner")
            let guest = try await cloud.ruleTenant(admin, zone: zone, prefix: "guest")
            let stranger = try await cloud.ruleTenant(admin, zone: zone, prefix: "stranger")
            // Before the grant: no deploy, no NIC.
            let before = try await guest.session.job("addNicToVirtualMachine", [("virtualmachineid", guest.vm), ("networkid", owner.network)])
            #expect(before.errorCode == 531, "\(before.job)")
            #expect(await guest.session.call("createNetworkPermissions", ["networkid": owner.network, "accounts": guest.account.name]).status == 531)

            let granted = await owner.session.call("createNetworkPermissions", ["networkid": owner.network, "accountids": guest.account.id])
            #expect(granted.status == 200, "\(granted.body)")
            let listed = await owner.session.call("listNetworkPermissions", ["networkid": owner.network]).items("networkpermission")
            #expect(listed.map { $0["accountid"] as? String } == [guest.account.id])
            #expect(listed.first?["account"] as? String == guest.account.name)
            #expect(await guest.session.call("listNetworkPermissions", ["networkid": owner.network]).status == 531)
            // The grantee sees the network and may use it.
            #expect(await guest.session.call("listNetworks", ["id": owner.network]).count == 1)
            let nic = try await guest.session.job("addNicToVirtualMachine", [("virtualmachineid", guest.vm), ("networkid", owner.network)])
            #expect(nic.succeeded, "\(nic.job)")
            let deployed = try await guest.session.job("deployVirtualMachine", [("zoneid", guest.zone), ("templateid", guest.template),
                                                                               ("serviceofferingid", guest.offering), ("networkids", owner.network)])
            #expect(deployed.succeeded, "\(deployed.job)")
            // Only the owner administers the network.
            #expect(try await guest.session.job("deleteNetwork", [("id", owner.network)]).errorCode == 531)
            #expect(await guest.session.call("removeNetworkPermissions", ["networkid": owner.network, "accountids": guest.account.id]).status == 531)

            // Removal waits for the grantee's NICs.
            let busy = await owner.session.call("removeNetworkPermissions", ["networkid": owner.network, "accountids": guest.account.id])
            #expect(busy.status == 536, "\(busy.body)")
            #expect(await owner.session.call("resetNetworkPermissions", ["networkid": owner.network]).status == 536)
            let guestVM = try #require(deployed.object("virtualmachine")["id"] as? String)
            #expect(try await admin.job("destroyVirtualMachine", [("id", guestVM), ("expunge", "true")]).succeeded)
            let guestNic = try #require(await nics(guest.session, vm: guest.vm).first { $0["networkid"] as? String == owner.network }?["id"] as? String)
            #expect(try await guest.session.job("removeNicFromVirtualMachine", [("virtualmachineid", guest.vm), ("nicid", guestNic)]).succeeded)
            #expect(await owner.session.call("removeNetworkPermissions", ["networkid": owner.network, "accountids": guest.account.id]).status == 200)
            #expect(await owner.session.call("listNetworkPermissions", ["networkid": owner.network]).count == 0)
            #expect(try await guest.session.job("addNicToVirtualMachine", [("virtualmachineid", guest.vm), ("networkid", owner.network)]).errorCode == 531)

            // Bad input.
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network]).status == 431)
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network, "accountids": owner.account.id]).status == 431)
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network, "accounts": "nobody-here"]).status == 431)
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network, "projectids": UUID().uuidString]).status == 431)
            #expect(await owner.session.call("removeNetworkPermissions", ["networkid": owner.network, "accountids": stranger.account.id]).status == 431)
            let sub = try await admin.createDomain(unique("sub"))
            let outsider = try await admin.createAccount(unique("outsider"), domainID: sub)
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network, "accountids": outsider.id]).status == 431)
            // Reset clears every grant.
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network, "accountids": "\(guest.account.id),\(stranger.account.id)"]).status == 200)
            #expect(await owner.session.call("listNetworkPermissions", ["networkid": owner.network]).count == 2)
            #expect(await owner.session.call("resetNetworkPermissions", ["networkid": owner.network]).status == 200)
            #expect(await owner.session.call("listNetworkPermissions", ["networkid": owner.network]).count == 0)
        }
    }
}
