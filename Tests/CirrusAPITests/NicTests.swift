import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// NIC commands (add, remove, default, address, secondary addresses) and 4.17's network
/// permissions: what they change, what they refuse, and who may use them.
@Suite("NICs and network permissions", .serialized)
struct NicTests {
    @Test("add a NIC (address and MAC given), make it default, change its address, add and remove a secondary address, remove the old default; refusals on the way")
    func nicLifecycle() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone, prefix: "nic")
            let isolated = try await admin.firstID("listNetworkOfferings", "networkoffering", ["name": "DefaultIsolatedNetworkOfferingWithSourceNatService"])
            let second = try await t.session.createIsolatedNetwork(zone: t.zone, offering: isolated, name: "back", gateway: "10.50.0.1")
            let generation = try await cloud.documentGeneration(network: t.network)

            let added = try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", second), ("ipaddress", "10.50.0.20"),
                                                                           ("macaddress", "02:aa:bb:cc:dd:01")])
            #expect(added.succeeded, "\(added.job)")
            #expect((added.object("virtualmachine")["nic"] as? [[String: Any]])?.count == 2)
            var list = await t.session.nics(vm: t.vm)
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
            let third = try await t.session.createIsolatedNetwork(zone: t.zone, offering: isolated, name: "third", gateway: "10.51.0.1")
            #expect(try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", third), ("ipaddress", "10.99.0.5")]).errorCode == 431)
            // An address in use, the gateway, a MAC already on the network.
            let inUse = try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", third), ("ipaddress", "10.51.0.1")])
            #expect(inUse.errorCode == 431, "\(inUse.job)")
            let otherVM = try await t.session.job("deployVirtualMachine", [("zoneid", t.zone), ("templateid", t.template), ("serviceofferingid", t.offering),
                                                                           ("networkids", third), ("ipaddress", "10.51.0.7"), ("startvm", "false")])
            #expect(otherVM.succeeded, "\(otherVM.job)")
            let taken = try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", third), ("ipaddress", "10.51.0.7")])
            #expect(taken.errorCode == 533 && taken.errorText.contains("already in use"), "\(taken.job)")
            let otherMAC = try #require((otherVM.object("virtualmachine")["nic"] as? [[String: Any]])?.first?["macaddress"] as? String)
            let sameMAC = try await t.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", third), ("macaddress", otherMAC)])
            #expect(sameMAC.errorCode == 431 && sameMAC.errorText.contains("already in use"), "\(sameMAC.job)")
            #expect(await t.session.nics(vm: t.vm).count == 2)
            let removeDefault = try await t.session.job("removeNicFromVirtualMachine", [("virtualmachineid", t.vm), ("nicid", oldID)])
            #expect(removeDefault.errorCode == 431 && removeDefault.errorText.contains("default NIC"), "\(removeDefault.job)")

            // Default NIC.
            #expect(try await t.session.job("updateDefaultNicForVirtualMachine", [("virtualmachineid", t.vm), ("nicid", newID)]).succeeded)
            list = await t.session.nics(vm: t.vm)
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
            list = await t.session.nics(vm: t.vm)
            #expect((list.first { $0["id"] as? String == newID }?["secondaryip"] as? [[String: Any]])?.count == 2)
            #expect(try await t.session.job("removeIpFromNic", [("id", try #require(sec["id"] as? String))]).succeeded)
            // Its address is free again.
            #expect(try await t.session.job("addIpToNic", [("nicid", newID), ("ipaddress", "10.50.0.30")]).succeeded)

            // A new primary address needs a stopped instance.
            #expect(try await t.session.job("updateVmNicIp", [("nicid", newID), ("ipaddress", "10.50.0.40")]).errorCode == 431)
            #expect(try await t.session.job("stopVirtualMachine", [("id", t.vm)]).succeeded)
            let moved = try await t.session.job("updateVmNicIp", [("nicid", newID), ("ipaddress", "10.50.0.40")])
            #expect(moved.succeeded, "\(moved.job)")
            #expect(await t.session.nics(vm: t.vm).first { $0["id"] as? String == newID }?["ipaddress"] as? String == "10.50.0.40")
            #expect(try await t.session.job("updateVmNicIp", [("nicid", newID), ("ipaddress", "10.50.0.40")]).errorCode == 431)
            #expect(try await t.session.job("updateVmNicIp", [("nicid", newID), ("ipaddress", "10.50.9.9")]).errorCode == 431)

            // The old NIC (no longer default) goes, its address back in the pool.
            #expect(try await t.session.job("removeNicFromVirtualMachine", [("virtualmachineid", t.vm), ("nicid", oldID)]).succeeded)
            #expect(await t.session.nics(vm: t.vm).count == 1)
            #expect(try await cloud.documentGeneration(network: t.network) > generation)

            // Another tenant can touch none of it.
            let other = try await cloud.ruleTenant(admin, zone: zone, prefix: "nicother")
            #expect(try await other.session.job("addNicToVirtualMachine", [("virtualmachineid", t.vm), ("networkid", other.network)]).errorCode == 531)
            #expect(try await other.session.job("addIpToNic", [("nicid", newID)]).errorCode == 531)
            #expect(try await other.session.job("updateVmNicIp", [("nicid", newID)]).errorCode == 531)
            #expect(try await other.session.job("removeNicFromVirtualMachine", [("virtualmachineid", t.vm), ("nicid", newID)]).errorCode == 531)
            #expect(try await other.session.job("updateDefaultNicForVirtualMachine", [("virtualmachineid", t.vm), ("nicid", newID)]).errorCode == 531)
            let secondaryID = try #require((await t.session.nics(vm: t.vm).first?["secondaryip"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await other.session.job("removeIpFromNic", [("id", secondaryID)]).errorCode == 531)
            #expect(await other.session.call("listNics", ["virtualmachineid": t.vm]).status == 531)
            // Nor put its instance on this tenant's network.
            let foreign = try await other.session.job("addNicToVirtualMachine", [("virtualmachineid", other.vm), ("networkid", second)])
            #expect(foreign.errorCode == 531, "\(foreign.job)")
            // A refused NIC on an idle network leaves it idle: no VNI, no source NAT address taken for the running instance.
            let idle = try await t.session.createIsolatedNetwork(zone: t.zone, offering: isolated, name: "idle", gateway: "10.52.0.1")
            #expect(try await other.session.job("addNicToVirtualMachine", [("virtualmachineid", other.vm), ("networkid", idle)]).errorCode == 531)
            #expect(await t.session.call("listNetworks", ["id": idle]).items("network").first?["state"] as? String == "Allocated")
            // Nothing of the refused calls is left: the instance still has its one NIC, and the secondary address is still there.
            #expect(await t.session.nics(vm: t.vm).count == 1)
        }
    }

    @Test("a secondary address with a rule pointing at it can't be removed; nor can a NIC with such rules")
    func rulesPin() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone, prefix: "pin")
            let nicID = try #require(await t.session.nics(vm: t.vm).first?["id"] as? String)
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
}
