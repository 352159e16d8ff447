import CirrusAPI
import CirrusModel
import Foundation
import Testing

@Suite("Offerings: network and VPC offerings")
struct OfferingNetworkTests {
    @Test("a network offering starts Disabled, is enabled by update, and can be deleted unless it is a default")
    func networkOfferingLifecycle() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let created = await admin.call("createNetworkOffering", pairs: [
                ("name", "My isolated"), ("displaytext", "isolated with NAT"), ("guestiptype", "isolated"), ("traffictype", "GUEST"),
                ("supportedservices", "Dhcp,Dns,SourceNat,Firewall,StaticNat"),
                ("serviceproviderlist[0].service", "Dhcp"), ("serviceproviderlist[0].provider", "VirtualRouter"),
                ("serviceproviderlist[1].service", "SourceNat"), ("serviceproviderlist[1].provider", "VirtualRouter"),
                ("servicecapabilitylist[0].service", "SourceNat"), ("servicecapabilitylist[0].capabilitytype", "SupportedSourceNatTypes"),
                ("servicecapabilitylist[0].capabilityvalue", "perzone"),
                ("egressdefaultpolicy", "false"), ("ispersistent", "true"), ("networkrate", "300"), ("tags", "fast"),
            ])
            #expect(created.status == 200, "\(created.body)")
            let o = created.single("networkoffering")
            let id = try #require(o["id"] as? String)
            #expect(o["state"] as? String == "Disabled")
            #expect(o["guestiptype"] as? String == "Isolated" && o["traffictype"] as? String == "Guest")
            #expect(o["isdefault"] as? Bool == false && o["ispersistent"] as? Bool == true && o["egressdefaultpolicy"] as? Bool == false)
            #expect(o["networkrate"] as? Int == 300 && o["tags"] as? String == "fast" && o["availability"] as? String == "Optional")
            let services = o["service"] as? [[String: Any]] ?? []
            #expect(services.compactMap { $0["name"] as? String } == ["Dhcp", "Dns", "SourceNat", "Firewall", "StaticNat"])
            for service in services {
                #expect((service["provider"] as? [[String: Any]])?.first?["name"] as? String == "VirtualRouter")
            }
            let snat = try #require(services.first { $0["name"] as? String == "SourceNat" })
            #expect((snat["capability"] as? [[String: Any]])?.contains { $0["name"] as? String == "SupportedSourceNatTypes" && $0["value"] as? String == "perzone" } == true)

            #expect(await admin.call("listNetworkOfferings", ["state": "Disabled"]).ids("networkoffering") == [id])
            let xml = await admin.call("listNetworkOfferings", ["id": id], format: .xml)
            #expect(xml.status == 200)
            #expect(xml.body.contains("<service><name>SourceNat</name><provider><name>VirtualRouter</name></provider>"), "\(xml.body)")
            #expect(await admin.call("listNetworkOfferings", ["isdefault": "false"]).ids("networkoffering") == [id])
            #expect(await admin.call("listNetworkOfferings", ["istagged": "true"]).ids("networkoffering") == [id])
            #expect(await admin.call("listNetworkOfferings", ["sourcenatsupported": "true", "isdefault": "false"]).ids("networkoffering") == [id])
            let enabled = await admin.call("updateNetworkOffering", ["id": id, "state": "Enabled", "displaytext": "now on", "maxconnections": "100"])
            #expect(enabled.status == 200, "\(enabled.body)")
            #expect(enabled.single("networkoffering")["state"] as? String == "Enabled")
            #expect(enabled.single("networkoffering")["maxconnections"] as? Int == 100)
            #expect(await admin.call("listNetworkOfferings", ["id": id]).items("networkoffering").first?["displaytext"] as? String == "now on")

            // Only one offering may be Required: the default SourceNat one already is.
            let required = await admin.call("updateNetworkOffering", ["id": id, "availability": "Required"])
            #expect(required.status == 431, "\(required.body)")

            // Users list network offerings too.
            let user = try await admin.createAccount(unique("u"), domainID: nil)
            #expect(await cloud.signed("listNetworkOfferings", keys: user.keys).ids("networkoffering").contains(id))
            #expect(await cloud.signed("createNetworkOffering", [("name", "x"), ("guestiptype", "L2"), ("traffictype", "Guest")], keys: user.keys).status == 401)

            let defaultID = try #require(await admin.call("listNetworkOfferings", ["name": "DefaultSharedNetworkOffering"]).items("networkoffering").first?["id"] as? String)
            #expect(await admin.call("deleteNetworkOffering", ["id": defaultID]).status == 431)
            #expect(await admin.call("deleteNetworkOffering", ["id": id]).status == 200)
            #expect(await admin.call("listNetworkOfferings", ["id": id]).status == 431)
            #expect(await admin.call("listEvents", ["type": "NETWORK.OFFERING.CREATE"]).count == 1)
        }
    }

    @Test("shared and L2 offerings, router system offering and enable on create")
    func otherTypes() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let router = try #require(await admin.call("listServiceOfferings", ["issystem": "true", "systemvmtype": "domainrouter"]).items("serviceoffering").first?["id"] as? String)
            let shared = await admin.call("createNetworkOffering", ["name": "shared", "guestiptype": "Shared", "traffictype": "Guest", "supportedservices": "Dhcp,Dns,UserData",
                                                                  "specifyvlan": "true", "specifyipranges": "true", "serviceofferingid": router, "enable": "true"])
            #expect(shared.status == 200, "\(shared.body)")
            #expect(shared.single("networkoffering")["serviceofferingid"] as? String == router)
            #expect(shared.single("networkoffering")["state"] as? String == "Enabled")
            let l2 = await admin.call("createNetworkOffering", ["name": "l2 cfg", "guestiptype": "L2", "traffictype": "Guest", "supportedservices": "UserData",
                                                              "serviceproviderlist[0].service": "UserData", "serviceproviderlist[0].provider": "ConfigDrive"])
            #expect(l2.status == 200, "\(l2.body)")
            let vpcTier = await admin.call("createNetworkOffering", ["name": "tier", "guestiptype": "Isolated", "traffictype": "Guest", "forvpc": "true",
                                                                   "supportedservices": "Dhcp,Dns,SourceNat,NetworkACL,Lb",
                                                                   "serviceproviderlist[0].service": "Lb", "serviceproviderlist[0].provider": "InternalLbVm"])
            #expect(vpcTier.status == 200, "\(vpcTier.body)")
            let tier = vpcTier.single("networkoffering")
            #expect(tier["forvpc"] as? Bool == true && tier["supportsinternallb"] as? Bool == true)
            let tierProviders = (tier["service"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "Dhcp" }?["provider"] as? [[String: Any]]
            #expect(tierProviders?.first?["name"] as? String == "VpcVirtualRouter")
        }
    }

    @Test("bad network offering input gets a precise 431 and creates nothing")
    func badNetworkInput() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let before = await admin.call("listNetworkOfferings").count
            let small = try #require(await admin.call("listServiceOfferings", ["name": "Small Instance"]).items("serviceoffering").first?["id"] as? String)
            let cases: [([(String, String)], String)] = [
                ([("guestiptype", "Isolated"), ("traffictype", "Public")], "Guest"),
                ([("guestiptype", "Bridged"), ("traffictype", "Guest")], "guest IP type"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("supportedservices", "Dhcp,Teleport")], "Teleport"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("supportedservices", "Dhcp"),
                  ("serviceproviderlist[0].service", "Dhcp"), ("serviceproviderlist[0].provider", "Acme")], "Acme"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("supportedservices", "Dhcp"),
                  ("serviceproviderlist[0].service", "Dhcp"), ("serviceproviderlist[0].provider", "InternalLbVm")], "does not support"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("supportedservices", "Dhcp"),
                  ("serviceproviderlist[0].service", "Dns"), ("serviceproviderlist[0].provider", "VirtualRouter")], "not in supportedservices"),
                ([("guestiptype", "Shared"), ("traffictype", "Guest"), ("specifyvlan", "true"), ("supportedservices", "SourceNat")], "SourceNat"),
                ([("guestiptype", "L2"), ("traffictype", "Guest"), ("supportedservices", "Dhcp")], "L2"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("supportedservices", "NetworkACL")], "NetworkACL"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("supportedservices", "SourceNat"),
                  ("servicecapabilitylist[0].service", "SourceNat"), ("servicecapabilitylist[0].capabilitytype", "SupportedSourceNatTypes"),
                  ("servicecapabilitylist[0].capabilityvalue", "always")], "SupportedSourceNatTypes"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("availability", "Sometimes")], "availability"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("supportedservices", "Dhcp"), ("availability", "Required")], "Required"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("serviceofferingid", small)], "not a system offering"),
                ([("guestiptype", "Isolated"), ("traffictype", "Guest"), ("internetprotocol", "ipv5")], "internetprotocol"),
            ]
            for (params, fragment) in cases {
                let reply = await admin.call("createNetworkOffering", pairs: [("name", "bad")] + params)
                #expect(reply.status == 431, "\(params): \(reply.body)")
                #expect(reply.errorText?.contains(fragment) == true, "\(params): \(reply.errorText ?? "")")
            }
            #expect(await admin.call("listNetworkOfferings").count == before)
            let missing = await admin.call("createNetworkOffering", ["name": "bad", "traffictype": "Guest"])
            #expect(missing.status == 431)
            #expect(missing.errorText?.contains("guestiptype") == true)
        }
    }

    @Test("VPC offerings are created, enabled, listed and deleted through async jobs")
    func vpcOfferingLifecycle() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let job = try await admin.runJob("createVPCOffering", pairs: [
                ("name", "My VPC"), ("displaytext", "small VPC"), ("supportedservices", "Dhcp,Dns,SourceNat,NetworkACL,Lb,StaticNat"),
                ("serviceproviderlist[0].service", "Lb"), ("serviceproviderlist[0].provider", "InternalLbVm"),
            ])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            let o = try #require((job["jobresult"] as? [String: Any])?["vpcoffering"] as? [String: Any])
            let id = try #require(o["id"] as? String)
            #expect(job["jobinstanceid"] as? String == id)
            #expect(o["state"] as? String == "Disabled" && o["isdefault"] as? Bool == false)
            let services = o["service"] as? [[String: Any]] ?? []
            #expect(services.compactMap { $0["name"] as? String } == ["Dhcp", "Dns", "SourceNat", "NetworkACL", "Lb", "StaticNat"])
            #expect(((services.first { $0["name"] as? String == "Lb" })?["provider"] as? [[String: Any]])?.first?["name"] as? String == "InternalLbVm")

            let enable = try await admin.runJob("updateVPCOffering", pairs: [("id", id), ("state", "Enabled"), ("name", "Our VPC")])
            #expect(enable["jobstatus"] as? Int == 1, "\(enable)")
            let listed = await admin.call("listVPCOfferings", ["id": id])
            #expect(listed.items("vpcoffering").first?["state"] as? String == "Enabled")
            #expect(listed.items("vpcoffering").first?["name"] as? String == "Our VPC")
            #expect(await admin.call("listVPCOfferings", ["isdefault": "false"]).ids("vpcoffering") == [id])
            #expect(await admin.call("listVPCOfferings", ["supportedservices": "Vpn"]).ids("vpcoffering").contains(id) == false)

            // Bad input is answered at once, before any job.
            let noACL = await admin.call("createVPCOffering", ["name": "bad", "supportedservices": "Dhcp,SourceNat"])
            #expect(noACL.status == 431, "\(noACL.body)")
            #expect(noACL.errorText?.contains("NetworkACL") == true)
            let firewall = await admin.call("createVPCOffering", ["name": "bad", "supportedservices": "SourceNat,NetworkACL,Firewall"])
            #expect(firewall.status == 431, "\(firewall.body)")
            let router = await admin.call("createVPCOffering", pairs: [("name", "bad"), ("supportedservices", "SourceNat,NetworkACL,Dhcp"),
                                                                      ("serviceproviderlist[0].service", "Dhcp"), ("serviceproviderlist[0].provider", "VirtualRouter")])
            #expect(router.status == 431, "\(router.body)")
            let unknownZone = await admin.call("createVPCOffering", ["name": "bad", "zoneid": UUID().uuidString])
            #expect(unknownZone.status == 431, "\(unknownZone.body)")
            #expect(unknownZone.object["jobid"] == nil)
            #expect(await admin.call("listVPCOfferings").count == 3)

            let defaultID = try #require(await admin.call("listVPCOfferings", ["name": "Default VPC offering"]).items("vpcoffering").first?["id"] as? String)
            #expect(await admin.call("deleteVPCOffering", ["id": defaultID]).status == 431)
            let deleted = try await admin.runJob("deleteVPCOffering", pairs: [("id", id)])
            #expect(deleted["jobstatus"] as? Int == 1, "\(deleted)")
            #expect(await admin.call("listVPCOfferings", ["id": id]).status == 431)
            #expect(await admin.call("deleteVPCOffering", ["id": id]).status == 431)
        }
    }
}
