import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// 4.17's network permissions (create, list, remove, reset): which networks take grants, who
/// administers them, what a granted account may do, and when a grant can't be taken back.
@Suite("Network permissions", .serialized)
struct NetworkPermissionTests {
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
            let guestNic = try #require(await guest.session.nics(vm: guest.vm).first { $0["networkid"] as? String == owner.network }?["id"] as? String)
            #expect(try await guest.session.job("removeNicFromVirtualMachine", [("virtualmachineid", guest.vm), ("nicid", guestNic)]).succeeded)
            #expect(await owner.session.call("removeNetworkPermissions", ["networkid": owner.network, "accountids": guest.account.id]).status == 200)
            #expect(await owner.session.call("listNetworkPermissions", ["networkid": owner.network]).count == 0)
            #expect(try await guest.session.job("addNicToVirtualMachine", [("virtualmachineid", guest.vm), ("networkid", owner.network)]).errorCode == 531)

            // Bad input.
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network]).status == 431)
            // The owner among the grantees is left out, as CloudStack does; revoking an account without a grant changes nothing.
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network, "accountids": owner.account.id]).status == 200)
            #expect(await owner.session.call("listNetworkPermissions", ["networkid": owner.network]).count == 0)
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network, "accounts": "nobody-here"]).status == 431)
            #expect(await owner.session.call("createNetworkPermissions", ["networkid": owner.network, "projectids": UUID().uuidString]).status == 431)
            #expect(await owner.session.call("removeNetworkPermissions", ["networkid": owner.network, "accountids": stranger.account.id]).status == 200)
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

    @Test("grants are administered by the owner and its domain's admins only; an L2 network takes grants (its NICs have no address), a domain-wide network and an unknown one do not; granting twice is once")
    func administration() async throws {
        try await withDemoZone { cloud, admin, zone in
            let z = zone.uuid.uuidString.lowercased()
            let isolated = try await admin.firstID("listNetworkOfferings", "networkoffering", ["name": "DefaultIsolatedNetworkOfferingWithSourceNatService"])
            let l2Offering = try await admin.firstID("listNetworkOfferings", "networkoffering", ["name": "DefaultL2NetworkOffering"])
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let dname = unique("permd"), oname = unique("permo")
            let d = try await admin.createDomain(dname)
            let od = try await admin.createDomain(oname)
            let owner = try await admin.createAccount(unique("own"), domainID: d)
            let peer = try await admin.createAccount(unique("peer"), domainID: d)
            let domainAdmin = try await admin.createAccount(unique("dadm"), domainID: d, type: 2)
            let otherAdmin = try await admin.createAccount(unique("oadm"), domainID: od, type: 2)
            let ownerS = try await cloud.login(owner.username, password: owner.password, domain: "/\(dname)")
            let peerS = try await cloud.login(peer.username, password: peer.password, domain: "/\(dname)")
            let domainAdminS = try await cloud.login(domainAdmin.username, password: domainAdmin.password, domain: "/\(dname)")
            let otherAdminS = try await cloud.login(otherAdmin.username, password: otherAdmin.password, domain: "/\(oname)")

            let created = await ownerS.call("createNetwork", ["name": "tier", "zoneid": z, "networkofferingid": isolated, "gateway": "10.70.0.1", "netmask": "255.255.255.0"])
            let net = try #require((created.object["network"] as? [String: Any])?["id"] as? String, "\(created.body)")

            // The domain's admin grants; the listing names the account and its domain.
            #expect(await domainAdminS.call("createNetworkPermissions", ["networkid": net, "accounts": peer.name]).status == 200)
            let listed = await ownerS.call("listNetworkPermissions", ["networkid": net])
            #expect(listed.count == 1, "\(listed.body)")
            let grant = try #require(listed.items("networkpermission").first)
            #expect(grant["networkid"] as? String == net && grant["accountid"] as? String == peer.id && grant["account"] as? String == peer.name)
            #expect(grant["domainid"] as? String == d && grant["domain"] as? String == dname)
            // Twice is once; the owner among the grantees is left out.
            #expect(await ownerS.call("createNetworkPermissions", ["networkid": net, "accountids": "\(peer.id),\(owner.id)"]).status == 200)
            #expect(await admin.call("listNetworkPermissions", ["networkid": net]).count == 1)

            // Neither the grantee, nor another domain's admin, administers the grants.
            #expect(await peerS.call("createNetworkPermissions", ["networkid": net, "accounts": peer.name]).status == 531)
            #expect(await peerS.call("resetNetworkPermissions", ["networkid": net]).status == 531)
            #expect(await otherAdminS.call("listNetworkPermissions", ["networkid": net]).status == 531)
            #expect(await otherAdminS.call("removeNetworkPermissions", ["networkid": net, "accountids": peer.id]).status == 531)
            #expect(await admin.call("listNetworkPermissions", ["networkid": net]).count == 1)
            // An account of another domain is not found in the owner's domain.
            let outsider = await ownerS.call("createNetworkPermissions", ["networkid": net, "accountids": otherAdmin.id])
            #expect(outsider.status == 431, "\(outsider.body)")
            #expect(await ownerS.call("createNetworkPermissions", ["networkid": net, "accounts": otherAdmin.name]).status == 431)
            #expect(await ownerS.call("createNetworkPermissions", ["networkid": UUID().uuidString.lowercased(), "accounts": peer.name]).status == 431)

            // An L2 network takes grants too: the grantee deploys into it, its NIC has no address, and an address can't be asked for.
            let l2Created = await ownerS.call("createNetwork", ["name": "raw", "zoneid": z, "networkofferingid": l2Offering])
            let l2 = try #require((l2Created.object["network"] as? [String: Any])?["id"] as? String, "\(l2Created.body)")
            let l2b = try #require((await ownerS.call("createNetwork", ["name": "raw2", "zoneid": z, "networkofferingid": l2Offering]).object["network"]
                                    as? [String: Any])?["id"] as? String)
            #expect(await ownerS.call("createNetworkPermissions", ["networkid": l2, "accountids": peer.id]).status == 200)
            #expect(await ownerS.call("createNetworkPermissions", ["networkid": l2b, "accountids": peer.id]).status == 200)
            let deployed = try await peerS.job("deployVirtualMachine", [("zoneid", z), ("templateid", template), ("serviceofferingid", offering),
                                                                       ("networkids", l2), ("startvm", "false")])
            #expect(deployed.succeeded, "\(deployed.job)")
            let vm = try #require(deployed.object("virtualmachine")["id"] as? String)
            let l2Nic = try #require(await peerS.nics(vm: vm).first)
            #expect(l2Nic["networkid"] as? String == l2 && l2Nic["ipaddress"] == nil)
            let withAddress = try await peerS.job("addNicToVirtualMachine", [("virtualmachineid", vm), ("networkid", l2b), ("ipaddress", "10.70.0.9")])
            #expect(withAddress.errorCode == 431 && withAddress.errorText.contains("no IPv4 addressing"), "\(withAddress.job)")
            let secondary = try await peerS.job("addIpToNic", [("nicid", try #require(l2Nic["id"] as? String))])
            #expect(secondary.errorCode == 431 && secondary.errorText.contains("L2"), "\(secondary.job)")
            // On the granted isolated network: an address outside its CIDR is refused, one inside is taken; the network stays Allocated (the instance is stopped).
            #expect(try await peerS.job("addNicToVirtualMachine", [("virtualmachineid", vm), ("networkid", net), ("ipaddress", "10.71.0.9")]).errorCode == 431)
            #expect(try await peerS.job("addNicToVirtualMachine", [("virtualmachineid", vm), ("networkid", net), ("ipaddress", "10.70.0.1")]).errorCode == 431)
            let added = try await peerS.job("addNicToVirtualMachine", [("virtualmachineid", vm), ("networkid", net), ("ipaddress", "10.70.0.9")])
            #expect(added.succeeded, "\(added.job)")
            #expect(await peerS.nics(vm: vm).first { $0["networkid"] as? String == net }?["ipaddress"] as? String == "10.70.0.9")
            #expect(await ownerS.call("listNetworks", ["id": net]).items("network").first?["state"] as? String == "Allocated")
            // The grant can't go while the NIC is there; the L2 grant without NICs can.
            #expect(await domainAdminS.call("removeNetworkPermissions", ["networkid": net, "accounts": peer.name]).status == 536)
            #expect(await domainAdminS.call("removeNetworkPermissions", ["networkid": l2b, "accounts": peer.name]).status == 200)
            #expect(await ownerS.call("listNetworkPermissions", ["networkid": l2b]).count == 0)

            // A domain-wide shared network is shared already.
            let sharedOffering = await admin.call("createNetworkOffering", ["name": unique("perm-shared"), "guestiptype": "Shared", "traffictype": "Guest",
                                                                            "supportedservices": "Dhcp,Dns,UserData", "specifyvlan": "false",
                                                                            "specifyipranges": "true", "enable": "true"])
            let sharedOfferingID = try #require((sharedOffering.object["networkoffering"] as? [String: Any])?["id"] as? String, "\(sharedOffering.body)")
            let shared = await admin.call("createNetwork", ["name": "lab", "networkofferingid": sharedOfferingID, "zoneid": z, "gateway": "172.31.0.1",
                                                            "netmask": "255.255.255.0", "startip": "172.31.0.100", "endip": "172.31.0.110"])
            let sharedID = try #require((shared.object["network"] as? [String: Any])?["id"] as? String, "\(shared.body)")
            let refused = await admin.call("createNetworkPermissions", ["networkid": sharedID, "accountids": peer.id])
            #expect(refused.status == 431 && refused.errorText?.contains("already shared") == true, "\(refused.body)")
            #expect(await admin.call("listNetworkPermissions", ["networkid": sharedID]).count == 0)
        }
    }
}
