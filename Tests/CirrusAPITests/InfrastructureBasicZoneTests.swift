import CirrusEngine
import CirrusModel
import Foundation
import Testing

@Suite("Infrastructure: Basic zones and VNI range text")
struct InfrastructureBasicZoneTests {
    @Test("a Basic zone has security groups, one physical network with POD broadcast range, and enables with Management traffic only")
    func basicZone() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let zone = try await admin.object("createZone", "zone", [("name", "basic"), ("networktype", "Basic"), ("dns1", "8.8.8.8"), ("internaldns1", "10.0.0.2"),
                                                                     ("guestcidraddress", "10.1.1.0/24")])
            let zoneID = try #require(zone["id"] as? String)
            #expect(zone["securitygroupsenabled"] as? Bool == true)
            #expect(zone["guestcidraddress"] == nil, "Basic zones have no guest CIDR")
            #expect(zone["dhcpprovider"] as? String == "DhcpServer")
            let network = try await admin.jobObject("createPhysicalNetwork", "physicalnetwork", [("zoneid", zoneID), ("name", "phy")])
            #expect(network["broadcastdomainrange"] as? String == "POD")
            let networkID = try #require(network["id"] as? String)
            let second = await admin.call("createPhysicalNetwork", pairs: [("zoneid", zoneID), ("name", "phy2")])
            #expect(second.errorCode == 431)
            #expect(second.errorText?.contains("there is a physical network already existing in this basic Zone") == true)
            _ = try await admin.jobObject("addTrafficType", "traffictype", [("physicalnetworkid", networkID), ("traffictype", "Management")])
            let duplicate = await admin.call("addTrafficType", pairs: [("physicalnetworkid", networkID), ("traffictype", "management")])
            #expect(duplicate.errorCode == 431)
            #expect(duplicate.errorText == "This physical network already supports the traffic type: Management")
            let unknown = await admin.call("addTrafficType", pairs: [("physicalnetworkid", networkID), ("traffictype", "Bogus")])
            #expect(unknown.errorCode == 431)
            let enabled = try await admin.object("updateZone", "zone", [("id", zoneID), ("allocationstate", "Enabled")])
            #expect(enabled["allocationstate"] as? String == "Enabled")
            // A pod without a guest CIDR to clash with.
            _ = try await admin.object("createPod", "pod", [("zoneid", zoneID), ("name", "p1"), ("gateway", "10.1.1.1"), ("netmask", "255.255.255.0"),
                                                            ("startip", "10.1.1.10")])
            let pod = try #require(await admin.call("listPods", pairs: [("zoneid", zoneID)]).items("pod").first)
            #expect(pod["endip"] as? [String] == ["10.1.1.254"], "the range runs to the end of the CIDR when endip is omitted")
        }
    }

    @Test("VNI range text parses, merges, prints and subtracts")
    func vnetText() throws {
        #expect(VnetRanges.format(try VnetRanges.parse("300-400, 100-199,500", method: .vlan)) == "100-199,300-400,500")
        #expect(VnetRanges.format(try VnetRanges.parse("100-150,140-199,200-210", method: .vlan)) == "100-210")
        #expect(throws: CloudError.self) { try VnetRanges.parse("0-10", method: .vlan) }
        #expect(throws: CloudError.self) { try VnetRanges.parse("4000-4095", method: .vlan) }
        #expect(throws: CloudError.self) { try VnetRanges.parse("a-b", method: .vlan) }
        #expect(throws: CloudError.self) { try VnetRanges.parse("1-2-3", method: .vlan) }
        #expect(throws: CloudError.self) { try VnetRanges.parse("", method: .vlan) }
        #expect(VnetRanges.format(try VnetRanges.parse("0-10", method: .vxlan)) == "0-10")
        #expect(VnetRanges.format(try VnetRanges.parse("16777200-16777214", method: .vxlan)) == "16777200-16777214")
        #expect(VnetRanges.format(VnetRanges.subtract([100...199, 300...400], [150...320])) == "100-149,321-400")
        #expect(VnetRanges.subtract([100...199], [100...199]).isEmpty)
        #expect(VnetRanges.format(VnetRanges.subtract([100...199], [50...60])) == "100-199")
    }
}
