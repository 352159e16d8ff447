import CirrusAPI
import CirrusModel
import Foundation
import Testing

@Suite("Offerings: disk offerings and domain/zone scoping")
struct OfferingScopeTests {
    @Test("a domain-limited offering is visible to that domain and its sub-domains, not to others")
    func domainVisibility() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let d = try await admin.createDomain(unique("d"))
            let s = try await admin.createDomain(unique("s"), parent: d)
            let e = try await admin.createDomain(unique("e"))
            let inD = try await admin.createAccount(unique("ud"), domainID: d)
            let inS = try await admin.createAccount(unique("us"), domainID: s)
            let inE = try await admin.createAccount(unique("ue"), domainID: e)
            let dAdmin = try await admin.createAccount(unique("da"), domainID: d, type: 2)

            let created = await admin.call("createServiceOffering", ["name": "D only", "cpunumber": "1", "memory": "512", "domainid": d])
            #expect(created.status == 200, "\(created.body)")
            let o = created.single("serviceoffering")
            let id = try #require(o["id"] as? String)
            #expect(o["domainid"] as? String == d)
            #expect(o["domain"] as? String != nil)

            func sees(_ account: TestAccount) async -> Bool {
                await cloud.signed("listServiceOfferings", keys: account.keys).ids("serviceoffering").contains(id)
            }
            #expect(await sees(inD))
            #expect(await sees(inS))
            #expect(!(await sees(inE)))
            #expect(await sees(dAdmin))
            // Public offerings stay visible to everyone.
            #expect(await cloud.signed("listServiceOfferings", keys: inE.keys).names("serviceoffering").contains("Small Instance"))
            // Root sees it, and domainid filters to offerings limited to that domain.
            #expect(await admin.call("listServiceOfferings").ids("serviceoffering").contains(id))
            #expect(await admin.call("listServiceOfferings", ["domainid": d]).ids("serviceoffering") == [id])
            #expect(await admin.call("listServiceOfferings", ["domainid": e]).count == 0)
            // Users cannot list system offerings or another domain's offerings.
            #expect(await cloud.signed("listServiceOfferings", [("issystem", "true")], keys: inD.keys).status == 531)
            #expect(await cloud.signed("listServiceOfferings", [("issystem", "true")], keys: dAdmin.keys).status == 531)
            #expect(await cloud.signed("listServiceOfferings", [("domainid", d)], keys: inE.keys).status == 531)

            // A domain admin creates offerings for domains they administer, never public ones.
            let sub = await cloud.signed("createServiceOffering", [("name", "S only"), ("cpunumber", "1"), ("memory", "512"), ("domainid", s)], keys: dAdmin.keys)
            #expect(sub.status == 200, "\(sub.body)")
            let subID = try #require(sub.single("serviceoffering")["id"] as? String)
            #expect(await cloud.signed("listServiceOfferings", keys: inS.keys).ids("serviceoffering").contains(subID))
            #expect(!(await cloud.signed("listServiceOfferings", keys: inD.keys).ids("serviceoffering").contains(subID)))
            let publicTry = await cloud.signed("createServiceOffering", [("name", "Public"), ("cpunumber", "1"), ("memory", "512")], keys: dAdmin.keys)
            #expect(publicTry.status == 531, "\(publicTry.body)")
            let elsewhere = await cloud.signed("createServiceOffering", [("name", "E"), ("cpunumber", "1"), ("memory", "512"), ("domainid", e)], keys: dAdmin.keys)
            #expect(elsewhere.status == 531)
            // ...and cannot change public offerings.
            let smallID = try #require(await admin.call("listServiceOfferings", ["name": "Small Instance"]).items("serviceoffering").first?["id"] as? String)
            #expect(await cloud.signed("updateServiceOffering", [("id", smallID), ("name", "x")], keys: dAdmin.keys).status == 531)
            #expect(await cloud.signed("deleteServiceOffering", [("id", smallID)], keys: dAdmin.keys).status == 531)
            // Users cannot create offerings at all.
            #expect(await cloud.signed("createServiceOffering", [("name", "u"), ("cpunumber", "1"), ("memory", "512")], keys: inD.keys).status == 401)

            // Making the offering public again.
            let opened = await admin.call("updateServiceOffering", ["id": id, "domainid": "public"])
            #expect(opened.status == 200, "\(opened.body)")
            #expect(opened.single("serviceoffering")["domainid"] == nil)
            #expect(await sees(inE))
        }
    }

    @Test("zone-limited offerings are listed for their zones only")
    func zoneScope() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let z1 = try await cloud.insertZone(unique("z1-"))
            let z2 = try await cloud.insertZone(unique("z2-"))
            let created = await admin.call("createDiskOffering", ["name": "z1 disk", "disksize": "10", "zoneid": z1])
            #expect(created.status == 200, "\(created.body)")
            let o = created.single("diskoffering")
            let id = try #require(o["id"] as? String)
            #expect(o["zoneid"] as? String == z1)
            #expect((o["zone"] as? String)?.hasPrefix("z1-") == true)
            let inZ1 = await admin.call("listDiskOfferings", ["zoneid": z1])
            #expect(inZ1.ids("diskoffering").contains(id))
            #expect(inZ1.names("diskoffering").contains("Small"), "unlimited offerings are in every zone")
            #expect(!(await admin.call("listDiskOfferings", ["zoneid": z2]).ids("diskoffering").contains(id)))
            #expect(await admin.call("listDiskOfferings", ["zoneid": UUID().uuidString]).status == 431)

            let both = await admin.call("updateDiskOffering", ["id": id, "zoneid": "\(z1),\(z2)"])
            #expect(both.status == 200, "\(both.body)")
            #expect(Set((both.single("diskoffering")["zoneid"] as? String ?? "").split(separator: ",").map(String.init)) == [z1, z2])
            #expect(await admin.call("listDiskOfferings", ["zoneid": z2]).ids("diskoffering").contains(id))
            let all = await admin.call("updateDiskOffering", ["id": id, "zoneid": "all"])
            #expect(all.single("diskoffering")["zoneid"] == nil)

            let network = await admin.call("createNetworkOffering", ["name": "z2 net", "guestiptype": "L2", "traffictype": "Guest", "zoneid": z2])
            #expect(network.status == 200, "\(network.body)")
            let netID = try #require(network.single("networkoffering")["id"] as? String)
            #expect(!(await admin.call("listNetworkOfferings", ["zoneid": z1]).ids("networkoffering").contains(netID)))
            #expect(await admin.call("listNetworkOfferings", ["zoneid": z2]).ids("networkoffering").contains(netID))
        }
    }

    @Test("disk offerings: fixed and custom sizes, IOPS, tags, visibility and updates")
    func diskOfferings() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let fixed = await admin.call("createDiskOffering", ["name": "fast", "displaytext": "Fast 50 GB", "disksize": "50", "tags": "ssd,nvme",
                                                              "provisioningtype": "sparse", "cachemode": "writethrough", "miniops": "100", "maxiops": "1000",
                                                              "iopswriterate": "400", "encrypt": "true"])
            #expect(fixed.status == 200, "\(fixed.body)")
            let f = fixed.single("diskoffering")
            let fixedID = try #require(f["id"] as? String)
            #expect(f["disksize"] as? Int == 50 && f["iscustomized"] as? Bool == false)
            #expect(f["tags"] as? String == "ssd,nvme")
            #expect(f["provisioningtype"] as? String == "sparse" && f["cacheMode"] as? String == "writethrough")
            #expect(f["miniops"] as? Int == 100 && f["maxiops"] as? Int == 1000)
            #expect(f["diskIopsWriteRate"] as? Int == 400)
            #expect(f["encrypt"] as? Bool == true && f["displayoffering"] as? Bool == true)
            #expect(await admin.call("listDiskOfferings", ["encrypt": "true"]).ids("diskoffering") == [fixedID])

            let custom = await admin.call("createDiskOffering", ["name": "any size", "customized": "true", "customizediops": "true"])
            #expect(custom.status == 200, "\(custom.body)")
            #expect(custom.single("diskoffering")["iscustomized"] as? Bool == true)
            #expect(custom.single("diskoffering")["iscustomizediops"] as? Bool == true)

            let before = await admin.call("listDiskOfferings").count
            let bad: [(KeyValuePairs<String, String>, String)] = [
                (["name": "x"], "Disk size must be specified"),
                (["name": "x", "disksize": "5000"], "between 1 and 1024"),
                (["name": "x", "customized": "true", "disksize": "10"], "customized"),
                (["name": "x", "disksize": "10", "miniops": "10", "maxiops": "5"], "miniops"),
                (["name": "x", "disksize": "10", "customizediops": "true", "miniops": "10"], "customizediops"),
                (["name": "x", "disksize": "10", "provisioningtype": "thick"], "provisioningtype"),
                (["name": "x", "disksize": "10", "cachemode": "sometimes"], "cachemode"),
                (["name": "x", "disksize": "10", "bytesreadrate": "-4"], "bytesreadrate"),
            ]
            for (params, fragment) in bad {
                let reply = await admin.call("createDiskOffering", params)
                #expect(reply.status == 431, "\(params): \(reply.body)")
                #expect(reply.errorText?.contains(fragment) == true, "\(params): \(reply.errorText ?? "")")
            }
            #expect(await admin.call("listDiskOfferings").count == before)

            // The size bounds follow the settings.
            #expect(await admin.call("updateConfiguration", ["name": "custom.diskoffering.size.max", "value": "8192"]).status == 200)
            await cloud.engine.config.invalidate()
            #expect(await admin.call("createDiskOffering", ["name": "huge", "disksize": "5000"]).status == 200)

            // Hidden offerings are not shown to users.
            let user = try await admin.createAccount(unique("u"), domainID: nil)
            #expect(await cloud.signed("listDiskOfferings", keys: user.keys).ids("diskoffering").contains(fixedID))
            let hidden = await admin.call("updateDiskOffering", ["id": fixedID, "displayoffering": "false", "tags": "hdd", "name": "slow", "iopsreadrate": "50",
                                                                 "cachemode": "none", "sortkey": "3"])
            #expect(hidden.status == 200, "\(hidden.body)")
            let h = hidden.single("diskoffering")
            #expect(h["name"] as? String == "slow" && h["tags"] as? String == "hdd" && h["displayoffering"] as? Bool == false)
            #expect(h["diskIopsReadRate"] as? Int == 50 && h["diskIopsWriteRate"] as? Int == 400, "rates not given keep their values")
            #expect(!(await cloud.signed("listDiskOfferings", keys: user.keys).ids("diskoffering").contains(fixedID)))
            #expect(await admin.call("listDiskOfferings").ids("diskoffering").contains(fixedID))
            #expect(await admin.call("updateDiskOffering", ["id": fixedID, "state": "Inactive"]).status == 200)
            #expect(!(await admin.call("listDiskOfferings").ids("diskoffering").contains(fixedID)))
            #expect(await admin.call("listDiskOfferings", ["state": "ALL"]).ids("diskoffering").contains(fixedID))

            #expect(await admin.call("deleteDiskOffering", ["id": fixedID]).status == 200)
            #expect(await admin.call("listDiskOfferings", ["id": fixedID]).status == 431)
            #expect(await admin.call("listEvents", ["type": "DISK.OFFERING.DELETE"]).count == 1)
        }
    }
}
