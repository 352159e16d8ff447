import CirrusAPI
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Helpers for offering responses.
extension Reply {
    /// The object under `name` of a single-object response.
    func single(_ name: String) -> [String: Any] { object[name] as? [String: Any] ?? [:] }
    /// The `name` fields of a list response.
    func names(_ item: String) -> [String] { items(item).compactMap { $0["name"] as? String } }
}

extension TestCloud {
    /// Inserts a zone row directly (zones have their own commands and tests).
    func insertZone(_ name: String) async throws -> String {
        let zone = try await db.transaction { sql in
            try await ZoneRepository.insert(sql, Zone(id: 0, uuid: UUID(), name: name, networkType: .advanced, internalDNS1: "10.0.0.2", allocationState: .enabled,
                                                      securityGroupEnabled: false, localStorageEnabled: false, created: Date()))
        }
        return zone.uuid.uuidString.lowercased()
    }
}

@Suite("Offerings: defaults and compute offerings")
struct OfferingTests {
    @Test("CloudStack's default offerings are seeded once, under their names, with their services")
    func seededDefaults() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let compute = await admin.call("listServiceOfferings")
            #expect(compute.status == 200, "\(compute.body)")
            let small = try #require(compute.items("serviceoffering").first { $0["name"] as? String == "Small Instance" })
            // What libcloud's list_sizes reads.
            #expect(small["cpunumber"] as? Int == 1)
            #expect(small["cpuspeed"] as? Int == 500)
            #expect(small["memory"] as? Int == 512)
            #expect(small["id"] as? String != nil)
            let medium = try #require(compute.items("serviceoffering").first { $0["name"] as? String == "Medium Instance" })
            #expect(medium["cpuspeed"] as? Int == 1000 && medium["memory"] as? Int == 1024)
            #expect(!compute.names("serviceoffering").contains("System Offering For Software Router"))

            let system = await admin.call("listServiceOfferings", ["issystem": "true", "systemvmtype": "domainrouter"])
            let router = try #require(system.items("serviceoffering").first)
            #expect(router["name"] as? String == "System Offering For Software Router")
            #expect(router["issystem"] as? Bool == true && router["defaultuse"] as? Bool == true)

            let disks = await admin.call("listDiskOfferings")
            #expect(Set(disks.names("diskoffering")) == ["Small", "Medium", "Large", "Custom"])
            let sizes = Dictionary(uniqueKeysWithValues: disks.items("diskoffering").map { ($0["name"] as! String, $0["disksize"] as? Int) })
            #expect(sizes["Small"] == 5 && sizes["Medium"] == 20 && sizes["Large"] == 100 && sizes["Custom"] == 0)
            #expect(disks.items("diskoffering").first { $0["name"] as? String == "Custom" }?["iscustomized"] as? Bool == true)

            let networks = await admin.call("listNetworkOfferings")
            let names = Set(networks.names("networkoffering"))
            for expected in ["DefaultIsolatedNetworkOfferingWithSourceNatService", "DefaultIsolatedNetworkOffering", "DefaultSharedNetworkOffering",
                             "DefaultSharedNetworkOfferingWithSGService", "DefaultIsolatedNetworkOfferingForVpcNetworks",
                             "DefaultIsolatedNetworkOfferingForVpcNetworksNoLB", "DefaultIsolatedNetworkOfferingForVpcNetworksWithInternalLB",
                             "DefaultL2NetworkOffering", "DefaultL2NetworkOfferingVlan", "DefaultL2NetworkOfferingConfigDrive", "QuickCloudNoServices"] {
                #expect(names.contains(expected), "missing \(expected)")
            }
            #expect(!names.contains { $0.hasPrefix("System-") }, "system network offerings are never listed")
            let snat = try #require(networks.items("networkoffering").first { $0["name"] as? String == "DefaultIsolatedNetworkOfferingWithSourceNatService" })
            #expect(snat["state"] as? String == "Enabled")
            #expect(snat["availability"] as? String == "Required")
            #expect(snat["guestiptype"] as? String == "Isolated")
            #expect(snat["isdefault"] as? Bool == true)
            let services = snat["service"] as? [[String: Any]] ?? []
            let providers = Dictionary(uniqueKeysWithValues: services.map { ($0["name"] as! String, ($0["provider"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }) })
            #expect(Set(providers.keys) == ["Dhcp", "Dns", "UserData", "Firewall", "Gateway", "Lb", "SourceNat", "StaticNat", "PortForwarding", "Vpn"])
            #expect(providers["SourceNat"] == ["VirtualRouter"])
            let sourceNat = try #require(services.first { $0["name"] as? String == "SourceNat" })
            #expect((sourceNat["capability"] as? [[String: Any]])?.contains { $0["name"] as? String == "SupportedSourceNatTypes" && $0["value"] as? String == "peraccount" } == true)
            let shared = try #require(networks.items("networkoffering").first { $0["name"] as? String == "DefaultSharedNetworkOffering" })
            #expect((shared["service"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Dhcp", "Dns", "UserData"])
            #expect(shared["specifyvlan"] as? Bool == true)
            let configDrive = try #require(networks.items("networkoffering").first { $0["name"] as? String == "DefaultL2NetworkOfferingConfigDrive" })
            #expect(((configDrive["service"] as? [[String: Any]])?.first?["provider"] as? [[String: Any]])?.first?["name"] as? String == "ConfigDrive")
            let vpcTier = await admin.call("listNetworkOfferings", ["forvpc": "true", "supportedservices": "Lb"])
            #expect(Set(vpcTier.names("networkoffering")) == ["DefaultIsolatedNetworkOfferingForVpcNetworks", "DefaultIsolatedNetworkOfferingForVpcNetworksWithInternalLB"])

            let vpcs = await admin.call("listVPCOfferings")
            #expect(Set(vpcs.names("vpcoffering")) == ["Default VPC offering", "Redundant VPC offering"])
            let vpc = try #require(vpcs.items("vpcoffering").first { $0["name"] as? String == "Default VPC offering" })
            #expect(vpc["state"] as? String == "Enabled")
            let vpcServices = vpc["service"] as? [[String: Any]] ?? []
            let lb = try #require(vpcServices.first { $0["name"] as? String == "Lb" })
            #expect(Set((lb["provider"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }) == ["VpcVirtualRouter", "InternalLbVm"])
            #expect(vpcServices.contains { $0["name"] as? String == "NetworkACL" })

            // Seeding again (every start) adds nothing, and does not bring back a deleted default.
            let mediumID = try #require(medium["id"] as? String)
            #expect(await admin.call("deleteServiceOffering", ["id": mediumID]).status == 200)
            try await cloud.engine.offerings.seedDefaults()
            try await cloud.engine.offerings.seedDefaults()
            let again = await admin.call("listServiceOfferings")
            #expect(again.names("serviceoffering").sorted() == ["Small Instance"])
            #expect(await admin.call("listDiskOfferings").count == 4)
            #expect(await admin.call("listNetworkOfferings").count == networks.count)
        }
    }

    @Test("a fixed service offering is created, listed, updated and deleted")
    func serviceOfferingLifecycle() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let created = await admin.call("createServiceOffering", ["name": "Large Instance", "displaytext": "4 CPUs, 8 GB", "cpunumber": "4", "cpuspeed": "2000",
                                                                   "memory": "8192", "offerha": "true", "limitcpuuse": "true", "hosttags": "fast, ssd",
                                                                   "deploymentplanner": "UserDispersingPlanner", "networkrate": "100"])
            #expect(created.status == 200, "\(created.body)")
            let o = created.single("serviceoffering")
            let id = try #require(o["id"] as? String)
            #expect(o["cpunumber"] as? Int == 4 && o["cpuspeed"] as? Int == 2000 && o["memory"] as? Int == 8192)
            #expect(o["offerha"] as? Bool == true && o["limitcpuuse"] as? Bool == true)
            #expect(o["hosttags"] as? String == "fast,ssd")
            #expect(o["deploymentplanner"] as? String == "UserDispersingPlanner")
            #expect(o["iscustomized"] as? Bool == false)
            #expect(o["storagetype"] as? String == "shared")
            #expect(o["provisioningtype"] as? String == "thin")
            #expect(o["state"] as? String == "Active")
            #expect(o["created"] as? String != nil)
            #expect(o["domainid"] == nil && o["zoneid"] == nil)

            let listed = await admin.call("listServiceOfferings", ["id": id])
            #expect(listed.count == 1 && listed.names("serviceoffering") == ["Large Instance"])
            #expect(await admin.call("listServiceOfferings", ["keyword": "large"]).names("serviceoffering") == ["Large Instance"])
            #expect(await admin.call("listServiceOfferings", ["cpunumber": "3"]).names("serviceoffering") == ["Large Instance"])

            let updated = await admin.call("updateServiceOffering", ["id": id, "name": "XL", "displaytext": "bigger", "sortkey": "5", "hosttags": "gpu",
                                                                    "storagetags": "nvme", "state": "Inactive"])
            #expect(updated.status == 200, "\(updated.body)")
            let u = updated.single("serviceoffering")
            #expect(u["name"] as? String == "XL" && u["displaytext"] as? String == "bigger")
            #expect(u["hosttags"] as? String == "gpu" && u["storagetags"] as? String == "nvme")
            #expect(u["state"] as? String == "Inactive")
            #expect(await admin.call("listServiceOfferings", ["state": "Inactive"]).names("serviceoffering") == ["XL"])
            // Lists show Active offerings unless asked for all (4.19); by id the offering is still found.
            #expect(!(await admin.call("listServiceOfferings").names("serviceoffering").contains("XL")))
            #expect(await admin.call("listServiceOfferings", ["state": "all"]).names("serviceoffering").contains("XL"))
            #expect(await admin.call("listServiceOfferings", ["id": id]).count == 1)

            let events = await admin.call("listEvents", ["type": "SERVICE.OFFERING.EDIT"])
            #expect(events.count == 1)

            #expect(await admin.call("deleteServiceOffering", ["id": id]).status == 200)
            let gone = await admin.call("listServiceOfferings", ["id": id])
            #expect(gone.status == 431)
            #expect(await admin.call("deleteServiceOffering", ["id": id]).status == 431)
        }
    }

    @Test("a custom offering shows its bounds; a system offering needs issystem")
    func customAndSystem() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let custom = await admin.call("createServiceOffering", ["name": "Flexible", "customized": "true", "cpuspeed": "1000", "mincpunumber": "1",
                                                                  "maxcpunumber": "8", "minmemory": "512", "maxmemory": "16384"])
            #expect(custom.status == 200, "\(custom.body)")
            let o = custom.single("serviceoffering")
            #expect(o["iscustomized"] as? Bool == true)
            #expect(o["cpunumber"] == nil && o["memory"] == nil)
            let details = try #require(o["serviceofferingdetails"] as? [String: Any])
            #expect(details["mincpunumber"] as? String == "1" && details["maxcpunumber"] as? String == "8")
            #expect(details["minmemory"] as? String == "512" && details["maxmemory"] as? String == "16384")
            // A custom offering whose bounds allow 4 CPUs matches cpunumber=4.
            #expect(await admin.call("listServiceOfferings", ["cpunumber": "4"]).names("serviceoffering").contains("Flexible"))
            #expect(!(await admin.call("listServiceOfferings", ["cpunumber": "16"]).names("serviceoffering").contains("Flexible")))

            // The bounds may also come as serviceofferingdetails, in either map form.
            let viaDetails = await admin.call("createServiceOffering", pairs: [
                ("name", "Via details"), ("customized", "true"), ("serviceofferingdetails[0].mincpunumber", "2"), ("serviceofferingdetails[0].maxcpunumber", "4"),
                ("serviceofferingdetails[1].key", "minmemory"), ("serviceofferingdetails[1].value", "1024"),
                ("serviceofferingdetails[2].key", "maxmemory"), ("serviceofferingdetails[2].value", "2048"),
            ])
            #expect(viaDetails.status == 200, "\(viaDetails.body)")
            let viaDetailsBounds = viaDetails.single("serviceoffering")["serviceofferingdetails"] as? [String: Any]
            #expect(viaDetailsBounds?["mincpunumber"] as? String == "2" && viaDetailsBounds?["maxmemory"] as? String == "2048")
            let badDetail = await admin.call("createServiceOffering", pairs: [("name", "x"), ("customized", "true"), ("serviceofferingdetails[0].mincpunumber", "many")])
            #expect(badDetail.status == 431)

            let unconstrained = await admin.call("createServiceOffering", ["name": "Anything"])
            #expect(unconstrained.status == 200)
            #expect(unconstrained.single("serviceoffering")["iscustomized"] as? Bool == true)

            let router = await admin.call("createServiceOffering", ["name": "Big router", "issystem": "true", "systemvmtype": "domainrouter", "cpunumber": "2",
                                                                  "cpuspeed": "1000", "memory": "1024"])
            #expect(router.status == 200, "\(router.body)")
            #expect(router.single("serviceoffering")["systemvmtype"] as? String == "domainrouter")
            #expect(!(await admin.call("listServiceOfferings").names("serviceoffering").contains("Big router")))
            #expect(await admin.call("listServiceOfferings", ["issystem": "true"]).names("serviceoffering").contains("Big router"))
        }
    }

    @Test("without diskofferingid a compute offering gets its own ROOT disk offering; with one it links it")
    func flexibleComputeOffering() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let own = await admin.call("createServiceOffering", ["name": "With root disk", "cpunumber": "1", "cpuspeed": "500", "memory": "512", "rootdisksize": "20",
                                                               "tags": "ssd", "provisioningtype": "fat", "cachemode": "writeback", "miniops": "100", "maxiops": "500",
                                                               "bytesreadrate": "1048576"])
            #expect(own.status == 200, "\(own.body)")
            let o = own.single("serviceoffering")
            let ownDisk = try #require(o["diskofferingid"] as? String)
            #expect(o["rootdisksize"] as? Int == 20)
            #expect(o["storagetags"] as? String == "ssd")
            #expect(o["provisioningtype"] as? String == "fat")
            #expect(o["cacheMode"] as? String == "writeback")
            #expect(o["miniops"] as? Int == 100 && o["maxiops"] as? Int == 500)
            #expect(o["diskBytesReadRate"] as? Int == 1_048_576)
            #expect(o["diskofferingname"] as? String == "With root disk")
            #expect(o["diskofferingstrictness"] as? Bool == false)
            // The compute-only disk offering is not a disk offering users can pick.
            #expect(!(await admin.call("listDiskOfferings").ids("diskoffering").contains(ownDisk)))
            #expect(await admin.call("listDiskOfferings", ["id": ownDisk]).status == 431)

            let gold = await admin.call("createDiskOffering", ["name": "gold", "disksize": "50", "tags": "gold"])
            #expect(gold.status == 200, "\(gold.body)")
            let goldID = try #require(gold.single("diskoffering")["id"] as? String)
            let linked = await admin.call("createServiceOffering", ["name": "Gold compute", "cpunumber": "2", "cpuspeed": "1000", "memory": "2048",
                                                                  "diskofferingid": goldID, "diskofferingstrictness": "true"])
            #expect(linked.status == 200, "\(linked.body)")
            let l = linked.single("serviceoffering")
            #expect(l["diskofferingid"] as? String == goldID)
            #expect(l["diskofferingname"] as? String == "gold")
            #expect(l["diskofferingstrictness"] as? Bool == true)
            #expect(l["rootdisksize"] as? Int == 50 && l["storagetags"] as? String == "gold")

            let before = await admin.call("listServiceOfferings").count
            let both = await admin.call("createServiceOffering", ["name": "Both", "cpunumber": "1", "memory": "512", "diskofferingid": goldID, "rootdisksize": "10"])
            #expect(both.status == 431, "\(both.body)")
            let unknown = await admin.call("createServiceOffering", ["name": "Unknown disk", "cpunumber": "1", "memory": "512", "diskofferingid": UUID().uuidString])
            #expect(unknown.status == 431)
            #expect(unknown.errorText?.contains("disk offering") == true)
            let computeOnly = await admin.call("createServiceOffering", ["name": "Borrowed", "cpunumber": "1", "memory": "512", "diskofferingid": ownDisk])
            #expect(computeOnly.status == 431)
            #expect(await admin.call("listServiceOfferings").count == before)

            // Deleting the compute offering removes its own disk offering too, not a linked one.
            #expect(await admin.call("deleteServiceOffering", ["id": try #require(l["id"] as? String)]).status == 200)
            #expect(await admin.call("listDiskOfferings", ["id": goldID]).count == 1)
        }
    }

    @Test("bad compute offering input gets a precise 431 and creates nothing")
    func badComputeInput() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let before = await admin.call("listServiceOfferings", ["listall": "true"]).count
            let systemBefore = await admin.call("listServiceOfferings", ["issystem": "true"]).count
            let cases: [(KeyValuePairs<String, String>, String)] = [
                (["name": "a", "cpunumber": "0", "cpuspeed": "500", "memory": "512"], "cpu number"),
                (["name": "a", "cpunumber": "1", "cpuspeed": "500", "memory": "-1"], "memory"),
                (["name": "a", "cpunumber": "1", "cpuspeed": "-1", "memory": "512"], "cpu speed"),
                (["name": "a", "customized": "true", "mincpunumber": "4", "maxcpunumber": "2", "minmemory": "512", "maxmemory": "1024"], "Minimum CPU"),
                (["name": "a", "customized": "true", "mincpunumber": "1", "maxcpunumber": "2", "minmemory": "4096", "maxmemory": "1024"], "Minimum memory"),
                (["name": "a", "customized": "true", "mincpunumber": "1"], "all be null or all specified"),
                (["name": "a", "cpunumber": "1", "memory": "512", "deploymentplanner": "BestPlanner"], "deploymentplanner"),
                (["name": "a", "cpunumber": "1", "memory": "512", "provisioningtype": "thick"], "provisioningtype"),
                (["name": "a", "cpunumber": "1", "memory": "512", "cachemode": "always"], "cachemode"),
                (["name": "a", "cpunumber": "1", "memory": "512", "storagetype": "cloud"], "storagetype"),
                (["name": "a", "cpunumber": "1", "memory": "512", "systemvmtype": "domainrouter"], "issystem"),
                (["name": "a", "cpunumber": "1", "memory": "512", "issystem": "true", "systemvmtype": "toaster"], "systemvmtype"),
                (["name": "a", "cpunumber": "1", "memory": "512", "miniops": "500", "maxiops": "100"], "miniops"),
                (["name": "a", "cpunumber": "1", "memory": "512", "rootdisksize": "0"], "rootdisksize"),
                (["name": "a", "cpunumber": "1", "memory": "512", "domainid": UUID().uuidString], "domain"),
                (["name": "a", "cpunumber": "1", "memory": "512", "zoneid": UUID().uuidString], "zone"),
                (["name": " ", "cpunumber": "1", "memory": "512"], "name"),
            ]
            for (params, fragment) in cases {
                let reply = await admin.call("createServiceOffering", params)
                #expect(reply.status == 431, "\(params): \(reply.body)")
                #expect(reply.errorText?.lowercased().contains(fragment.lowercased()) == true, "\(params): \(reply.errorText ?? "")")
            }
            #expect(await admin.call("listServiceOfferings", ["listall": "true"]).count == before)
            #expect(await admin.call("listServiceOfferings", ["issystem": "true"]).count == systemBefore)
            #expect(await admin.call("listDiskOfferings").count == 4, "no compute-only disk offering leaked either")
            // Names need not be unique, as in CloudStack.
            #expect(await admin.call("createServiceOffering", ["name": "Small Instance", "cpunumber": "1", "memory": "512"]).status == 200)
        }
    }
}
