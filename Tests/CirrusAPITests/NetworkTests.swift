import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Guest networks: the default network deploy makes, implementation at start (VNI, source
/// NAT address, router), createNetwork for each guest type, update, restart and delete with
/// everything given back, visibility and bad input.
@Suite("Guest networks", .serialized)
struct NetworkTests {
    struct Fixture {
        let zone: String
        let template: String
        let offering: String
    }

    func fixture(_ admin: Session, _ zone: Zone) async throws -> Fixture {
        Fixture(zone: zone.uuid.uuidString.lowercased(),
                template: try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"]),
                offering: try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"]))
    }

    func deploy(_ s: Session, _ f: Fixture, _ extra: [(String, String)] = []) async -> Reply {
        await s.call("deployVirtualMachine", pairs: [("zoneid", f.zone), ("templateid", f.template), ("serviceofferingid", f.offering)] + extra)
    }

    func deployed(_ s: Session, _ f: Fixture, _ extra: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let job = try await s.runJob("deployVirtualMachine", pairs: [("zoneid", f.zone), ("templateid", f.template), ("serviceofferingid", f.offering)] + extra,
                                     sourceLocation: sourceLocation)
        #expect(job["jobstatus"] as? Int == 1, "\(job)", sourceLocation: sourceLocation)
        return (job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any] ?? [:]
    }

    func offeringID(_ s: Session, _ name: String) async throws -> String {
        try await s.firstID("listNetworkOfferings", "networkoffering", ["name": name])
    }

    func counts(_ cloud: TestCloud, account: String) async throws -> (network: Int64, publicIP: Int64) {
        try await cloud.engine.db.read { sql in
            guard let uuid = UUID(uuidString: account), let a = try await AccountRepository.find(sql, uuid: uuid) else { return (-1, -1) }
            let owner = ResourceLimitRepository.Owner(.account, a.id)
            let c = try await ResourceLimitRepository.counts(sql, owners: [owner])[owner] ?? [:]
            return (c[.network] ?? 0, c[.publicIP] ?? 0)
        }
    }

    @Test("deploy without networkids makes the account's default isolated network once; start implements it (VNI, source NAT address, router); expunge and delete give it all back")
    func defaultNetworkLifecycle() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let a = try await admin.createAccount(unique("net"), domainID: nil)
            let user = try await cloud.login(a.username, password: a.password)

            // Several deploys at once: one default network, every NIC a distinct address.
            let replies = await withTaskGroup(of: Reply.self) { group in
                for i in 0..<6 { group.addTask { await self.deploy(user, f, [("startvm", "false"), ("name", "vm-\(i)")]) } }
                var out: [Reply] = []
                for await r in group { out.append(r) }
                return out
            }
            #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map(\.body))")
            let networks = await user.call("listNetworks").items("network")
            #expect(networks.count == 1, "\(networks)")
            let network = try #require(networks.first)
            #expect(network["name"] as? String == "\(a.name)-network")
            #expect(network["type"] as? String == "Isolated")
            #expect(network["state"] as? String == "Allocated")
            #expect(network["cidr"] as? String == "10.1.1.0/24")
            #expect(network["gateway"] as? String == "10.1.1.1")
            #expect(network["canusefordeploy"] as? Bool == true)
            #expect(try await counts(cloud, account: a.id).network == 1)

            let vms = await user.call("listVirtualMachines").items("virtualmachine")
            #expect(vms.count == 6)
            let addresses = vms.compactMap { (($0["nic"] as? [[String: Any]])?.first?["ipaddress"] as? String) }
            #expect(Set(addresses).count == 6, "\(addresses)")
            #expect(addresses.allSatisfy { $0.hasPrefix("10.1.1.") && $0 != "10.1.1.1" })
            let nic = try #require((vms[0]["nic"] as? [[String: Any]])?.first)
            #expect(nic["networkid"] as? String == network["id"] as? String)
            #expect(nic["isdefault"] as? Bool == true)
            #expect((nic["macaddress"] as? String)?.hasPrefix("02:00:") == true)
            #expect(nic["netmask"] as? String == "255.255.255.0")

            // Starting one implements the network.
            let vmID = (vms[0]["id"] as? String ?? "")
            let started = try await user.runJob("startVirtualMachine", pairs: [("id", vmID)])
            #expect(started["jobstatus"] as? Int == 1, "\(started)")
            let implemented = try #require(await user.call("listNetworks", ["id": (network["id"] as? String ?? "")]).items("network").first)
            #expect(implemented["state"] as? String == "Implemented")
            let vni = try #require(Int(implemented["vlan"] as? String ?? ""))
            #expect((1000...1999).contains(vni))
            #expect(implemented["broadcasturi"] as? String == "vxlan://\(vni)")
            let ips = await user.call("listPublicIpAddresses").items("publicipaddress")
            #expect(ips.count == 1 && ips.first?["issourcenat"] as? Bool == true, "\(ips)")
            #expect(try await counts(cloud, account: a.id).publicIP == 1)
            // A recount from the tables agrees with the counts kept on the way.
            let recount = await admin.call("updateResourceCount", ["domainid": a.domainID, "account": a.name])
            let recounted = recount.items("resourcecount")
            #expect(recounted.first { $0["resourcetype"] as? String == "6" }?["resourcecount"] as? Int == 1, "\(recount.body)")
            #expect(recounted.first { $0["resourcetype"] as? String == "1" }?["resourcecount"] as? Int == 1, "\(recount.body)")
            let nics = await user.call("listNics", ["virtualmachineid": vmID]).items("nic")
            #expect(nics.first?["broadcasturi"] as? String == "vxlan://\(vni)")
            let networkUUID = (UUID(uuidString: network["id"] as? String ?? "") ?? UUID())
            let routers = try await cloud.engine.db.read { sql in
                try await RouterRepository.of(sql, networkID: (try await NetworkRepository.find(sql, uuid: networkUUID))?.id ?? -1)
            }
            #expect(routers.count == 1)
            #expect(routers.first?.guestIP == "10.1.1.1")
            #expect(routers.first?.publicIP == ips.first?["ipaddress"] as? String)
            #expect(routers.first?.state == .running)
            // A second start does not implement it again.
            let second = (vms[1]["id"] as? String ?? "")
            #expect(try await user.runJob("startVirtualMachine", pairs: [("id", second)])["jobstatus"] as? Int == 1)
            #expect(await user.call("listPublicIpAddresses").items("publicipaddress").count == 1)

            // Deleting while instances have NICs on it is refused.
            let refused = await user.call("deleteNetwork", ["id": (network["id"] as? String ?? "")])
            #expect(refused.status == 536, "\(refused.body)")

            // Expunge everything, then delete: the VNI, the address, the routers and the count go back.
            for vm in vms {
                let job = try await admin.runJob("destroyVirtualMachine", pairs: [("id", (vm["id"] as? String ?? "")), ("expunge", "true")])
                #expect(job["jobstatus"] as? Int == 1, "\(job)")
            }
            let deleted = try await user.runJob("deleteNetwork", pairs: [("id", (network["id"] as? String ?? ""))])
            #expect(deleted["jobstatus"] as? Int == 1, "\(deleted)")
            #expect(await user.call("listNetworks").items("network").isEmpty)
            #expect(await user.call("listPublicIpAddresses").items("publicipaddress").isEmpty)
            let c = try await counts(cloud, account: a.id)
            #expect(c.network == 0 && c.publicIP == 0)
            let leftovers = try await cloud.engine.db.read { sql in
                (try await GuestVnetRepository.count(sql, physicalNetworkID: 1, takenOnly: true), try await NicRepository.allocatedCount(sql, networkID: 1))
            }
            #expect(leftovers.0 == 0 && leftovers.1 == 0, "\(leftovers)")
            #expect(await admin.call("listEvents", ["type": "NETWORK.DELETE", "listall": "true"]).items("event").contains { $0["state"] as? String == "Completed" })
        }
    }

    @Test("createNetwork makes Isolated (own CIDR), Shared (VNI at once, its address range) and L2 (no addressing) networks; deploys land in each")
    func guestTypes() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let isolatedOffering = try await offeringID(admin, "DefaultIsolatedNetworkOfferingWithSourceNatService")
            let isolated = await admin.call("createNetwork", ["name": "backend", "displaytext": "Backend tier", "networkofferingid": isolatedOffering,
                                                              "zoneid": f.zone, "gateway": "192.168.50.1", "netmask": "255.255.255.0",
                                                              "networkdomain": "backend.example"])
            #expect(isolated.status == 200, "\(isolated.body)")
            let iso = isolated.single("network")
            #expect(iso["cidr"] as? String == "192.168.50.0/24")
            #expect(iso["networkdomain"] as? String == "backend.example")
            #expect(iso["state"] as? String == "Allocated")
            #expect((iso["service"] as? [[String: Any]])?.contains { $0["name"] as? String == "SourceNat" } == true)

            let shared = await admin.call("createNetworkOffering", ["name": "user-shared", "guestiptype": "Shared", "traffictype": "Guest",
                                                                    "supportedservices": "Dhcp,Dns,UserData", "specifyvlan": "false",
                                                                    "specifyipranges": "true", "enable": "true"])
            #expect(shared.status == 200, "\(shared.body)")
            let sharedNet = await admin.call("createNetwork", ["name": "lab", "networkofferingid": (shared.single("networkoffering")["id"] as? String ?? ""),
                                                               "zoneid": f.zone, "gateway": "172.30.0.1", "netmask": "255.255.255.0",
                                                               "startip": "172.30.0.100", "endip": "172.30.0.102"])
            #expect(sharedNet.status == 200, "\(sharedNet.body)")
            let sh = sharedNet.single("network")
            #expect(sh["state"] as? String == "Setup")
            #expect(sh["acltype"] as? String == "Domain")
            #expect((sh["broadcasturi"] as? String)?.hasPrefix("vxlan://") == true)

            let l2 = await admin.call("createNetwork", ["name": "raw", "networkofferingid": try await offeringID(admin, "DefaultL2NetworkOffering"), "zoneid": f.zone])
            #expect(l2.status == 200, "\(l2.body)")
            #expect(l2.single("network")["cidr"] == nil)

            // A user deploys into the domain-wide shared network: addresses come from its range only.
            let a = try await admin.createAccount(unique("sh"), domainID: nil)
            let user = try await cloud.login(a.username, password: a.password)
            #expect(await user.call("listNetworks").items("network").contains { $0["id"] as? String == sh["id"] as? String })
            var got: [String] = []
            for i in 0..<3 {
                let vm = try await deployed(user, f, [("networkids", (sh["id"] as? String ?? "")), ("startvm", "false"), ("name", "s\(i)")])
                got.append((((vm["nic"] as? [[String: Any]])?.first?["ipaddress"]) as? String ?? ""))
            }
            #expect(Set(got) == ["172.30.0.100", "172.30.0.101", "172.30.0.102"])
            let full = await deploy(user, f, [("networkids", (sh["id"] as? String ?? "")), ("startvm", "false")])
            #expect(full.status == 533, "\(full.body)")
            #expect(full.errorText?.contains("Unable to acquire Guest IP address") == true)

            // Two NICs: the isolated network (with a chosen address) first, the L2 one second.
            let two = try await deployed(admin, f, [("networkids", "\((iso["id"] as? String ?? "")),\((l2.single("network")["id"] as? String ?? ""))"),
                                                    ("ipaddress", "192.168.50.77"), ("startvm", "false")])
            let nics = try #require(two["nic"] as? [[String: Any]])
            #expect(nics.count == 2)
            #expect(nics[0]["ipaddress"] as? String == "192.168.50.77" && nics[0]["isdefault"] as? Bool == true)
            #expect(nics[1]["ipaddress"] == nil && nics[1]["type"] as? String == "L2" && nics[1]["deviceid"] as? String == "1")
            // The same address again is refused, and nothing is left of the refused deploy.
            let before = await admin.call("listVirtualMachines", ["listall": "true"]).count
            let taken = await deploy(admin, f, [("networkids", (iso["id"] as? String ?? "")), ("ipaddress", "192.168.50.77"), ("startvm", "false")])
            #expect(taken.status == 533, "\(taken.body)")
            #expect(await admin.call("listVirtualMachines", ["listall": "true"]).count == before)
        }
    }

    @Test("update, restart and tenant isolation: only the owner (or its admins) changes a network; others neither see nor use it")
    func updateRestartIsolation() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let a = try await admin.createAccount(unique("own"), domainID: nil)
            let b = try await admin.createAccount(unique("oth"), domainID: nil)
            let owner = try await cloud.login(a.username, password: a.password)
            let other = try await cloud.login(b.username, password: b.password)
            let offering = try await offeringID(admin, "DefaultIsolatedNetworkOfferingWithSourceNatService")
            let created = await owner.call("createNetwork", ["name": "app", "networkofferingid": offering, "zoneid": f.zone])
            #expect(created.status == 200, "\(created.body)")
            let id = (created.single("network")["id"] as? String ?? "")

            #expect(await other.call("listNetworks").items("network").isEmpty)
            #expect(await other.call("listNetworks", ["id": id]).items("network").isEmpty)
            #expect(await other.call("updateNetwork", ["id": id, "name": "mine"]).status == 531)
            #expect(await other.call("deleteNetwork", ["id": id]).status == 531)
            #expect(await other.call("restartNetwork", ["id": id]).status == 531)
            let intrude = await deploy(other, f, [("networkids", id), ("startvm", "false")])
            #expect(intrude.status == 531, "\(intrude.body)")
            #expect(intrude.errorText?.contains("permission denied") == true)

            let updated = try await owner.runJob("updateNetwork", pairs: [("id", id), ("name", "app-2"), ("displaytext", "App"), ("guestvmcidr", "10.1.1.0/25")])
            #expect(updated["jobstatus"] as? Int == 1, "\(updated)")
            let u = try #require((updated["jobresult"] as? [String: Any])?["network"] as? [String: Any])
            #expect(u["name"] as? String == "app-2" && u["cidr"] as? String == "10.1.1.0/25" && u["networkcidr"] as? String == "10.1.1.0/24")
            #expect(u["reservediprange"] as? String == "10.1.1.128-10.1.1.254")
            let outside = try await owner.runJob("updateNetwork", pairs: [("id", id), ("guestvmcidr", "10.2.0.0/25")])
            #expect(outside["jobstatus"] as? Int == 2)

            // Restart needs an implemented network; after a start, cleanup replaces the router.
            let notYet = try await owner.runJob("restartNetwork", pairs: [("id", id)])
            #expect(notYet["jobstatus"] as? Int == 2)
            _ = try await deployed(owner, f, [("networkids", id)])
            let networkID = try await cloud.engine.db.read { try await NetworkRepository.find($0, uuid: UUID(uuidString: id) ?? UUID())?.id }
            let before = try await cloud.engine.db.read { try await RouterRepository.of($0, networkID: networkID ?? -1) }
            #expect(before.count == 1)
            let restarted = try await owner.runJob("restartNetwork", pairs: [("id", id), ("cleanup", "true")])
            #expect(restarted["jobstatus"] as? Int == 1, "\(restarted)")
            let after = try await cloud.engine.db.read { try await RouterRepository.of($0, networkID: networkID ?? -1) }
            #expect(after.count == 1 && after.first?.id != before.first?.id && after.first?.guestIP == "10.1.1.1")
            let patched = try await owner.runJob("restartNetwork", pairs: [("id", id), ("livepatch", "true")])
            #expect(patched["jobstatus"] as? Int == 1)
            let again = try await cloud.engine.db.read { try await RouterRepository.of($0, networkID: networkID ?? -1) }
            #expect(again.first?.id == after.first?.id && (again.first?.documentGeneration ?? 0) > (after.first?.documentGeneration ?? 0))
        }
    }

    @Test("the network GC shuts down an idle network after network.gc.wait (router gone, VNI back, public IP kept) and the next start implements it again")
    func garbageCollection() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let vm = try await deployed(admin, f)
            let vmID = vm["id"] as? String ?? ""
            let networkID = ((vm["nic"] as? [[String: Any]])?.first?["networkid"] as? String) ?? ""
            let uuid = try #require(UUID(uuidString: networkID))
            let id = try #require(try await cloud.engine.db.read { try await NetworkRepository.find($0, uuid: uuid)?.id })
            let publicIP = await admin.call("listPublicIpAddresses", ["associatednetworkid": networkID]).items("publicipaddress").first?["ipaddress"] as? String
            #expect(publicIP != nil)
            #expect(await admin.call("updateConfiguration", ["name": "network.gc.wait", "value": "0"]).status == 200)
            try await Task.sleep(for: .milliseconds(100))

            // In use: left alone.
            #expect(try await cloud.engine.networks.collectGarbage().isEmpty)
            #expect(try await admin.runJob("stopVirtualMachine", pairs: [("id", vmID)])["jobstatus"] as? Int == 1)
            #expect(try await cloud.engine.networks.collectGarbage() == [id])
            let idle = try #require(await admin.call("listNetworks", ["id": networkID]).items("network").first)
            #expect(idle["state"] as? String == "Allocated" && idle["vlan"] == nil)
            #expect(try await cloud.engine.db.read { try await RouterRepository.of($0, networkID: id) }.isEmpty)
            #expect(try await cloud.engine.db.read { try await GuestVnetRepository.count($0, physicalNetworkID: 1, takenOnly: true) } == 0)
            #expect(await admin.call("listPublicIpAddresses", ["associatednetworkid": networkID]).items("publicipaddress").first?["ipaddress"] as? String == publicIP)

            // The next start implements it again, with the same source NAT address.
            #expect(try await admin.runJob("startVirtualMachine", pairs: [("id", vmID)])["jobstatus"] as? Int == 1)
            let again = try #require(await admin.call("listNetworks", ["id": networkID]).items("network").first)
            #expect(again["state"] as? String == "Implemented" && again["vlan"] != nil)
            let routers = try await cloud.engine.db.read { try await RouterRepository.of($0, networkID: id) }
            #expect(routers.count == 1 && routers.first?.publicIP == publicIP)
            let ips = await admin.call("listPublicIpAddresses", ["listall": "true", "issourcenat": "true"]).items("publicipaddress")
            #expect(ips.filter { $0["ipaddress"] as? String == publicIP }.count == 1)
        }
    }

    @Test("bad createNetwork input gets CloudStack's errors and writes nothing")
    func badInput() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let isolated = try await offeringID(admin, "DefaultIsolatedNetworkOfferingWithSourceNatService")
            let l2 = try await offeringID(admin, "DefaultL2NetworkOffering")
            let a = try await admin.createAccount(unique("bad"), domainID: nil)
            let user = try await cloud.login(a.username, password: a.password)
            let cases: [([String: String], Int, String)] = [
                (["name": "x", "networkofferingid": isolated, "zoneid": f.zone, "gateway": "10.9.0.1"], 431, "together"),
                (["name": "x", "networkofferingid": isolated, "zoneid": f.zone, "gateway": "10.9.0.1", "netmask": "255.0.255.0"], 431, "netmask"),
                (["name": "x", "networkofferingid": isolated, "zoneid": f.zone, "gateway": "10.9.0.0", "netmask": "255.255.255.0"], 431, "network or broadcast"),
                (["name": "x", "networkofferingid": isolated, "zoneid": f.zone, "startip": "10.1.1.5"], 431, "Shared"),
                (["name": "x", "networkofferingid": l2, "zoneid": f.zone, "gateway": "10.9.0.1", "netmask": "255.255.255.0"], 431, "L2"),
                (["name": "x", "networkofferingid": try await offeringID(admin, "DefaultSharedNetworkOffering"), "zoneid": f.zone], 431, "specifyvlan"),
                (["name": "x", "networkofferingid": try await offeringID(admin, "DefaultIsolatedNetworkOfferingForVpcNetworks"), "zoneid": f.zone], 431, "VPC"),
                (["name": "x", "networkofferingid": isolated, "zoneid": f.zone, "acltype": "Domain"], 431, "Shared"),
                (["name": "x", "networkofferingid": isolated, "zoneid": f.zone, "networkdomain": "bad_domain!"], 431, "network domain"),
                (["name": "x", "networkofferingid": isolated, "zoneid": f.zone, "privatemtu": "20000"], 431, "privatemtu"),
                (["name": "x", "networkofferingid": UUID().uuidString, "zoneid": f.zone], 431, "network offering"),
            ]
            for (params, code, text) in cases {
                let reply = await user.call("createNetwork", pairs: params.map { ($0.key, $0.value) })
                #expect(reply.status == code, "\(params): \(reply.body)")
                #expect(reply.errorText?.contains(text) == true, "\(params): \(reply.body)")
            }
            #expect(await user.call("listNetworks").items("network").isEmpty)
            #expect(try await counts(cloud, account: a.id).network == 0)
            #expect(await user.call("deleteNetwork", ["id": UUID().uuidString]).status == 431)
        }
    }
}
