import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Helpers for building infrastructure through the API.
extension Session {
    /// Calls a sync command that must succeed and returns the object under `key`.
    func object(_ command: String, _ key: String, _ pairs: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let reply = await call(command, pairs: pairs)
        try #require(reply.status == 200, "\(command): \(reply.body)", sourceLocation: sourceLocation)
        return try #require(reply.object[key] as? [String: Any], "\(command) has no \(key): \(reply.body)", sourceLocation: sourceLocation)
    }

    /// Runs an async command that must succeed and returns the object under `key` of its job result.
    func jobObject(_ command: String, _ key: String, _ pairs: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let done = try await runJob(command, pairs: pairs, sourceLocation: sourceLocation)
        try #require(done["jobstatus"] as? Int == 1, "\(command) failed: \(done)", sourceLocation: sourceLocation)
        let result = try #require(done["jobresult"] as? [String: Any], sourceLocation: sourceLocation)
        return try #require(result[key] as? [String: Any], "\(command) job result has no \(key): \(result)", sourceLocation: sourceLocation)
    }

    /// Number of items a list command reports.
    func count(_ command: String, _ pairs: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        let reply = await call(command, pairs: pairs)
        try #require(reply.status == 200, "\(command): \(reply.body)", sourceLocation: sourceLocation)
        return reply.count
    }
}

/// The ids of a zone built through the API up to its public range.
struct BuiltZone {
    var zoneID: String
    var physicalNetworkID: String
    var podID: String
}

extension Session {
    /// createZone → createPhysicalNetwork → addTrafficType ×3 → updatePhysicalNetwork → VR
    /// element and provider → createPod → createVlanIpRange, as CloudStack's tools do.
    func buildZone(_ name: String, podGateway: String = "192.168.56.1", publicGateway: String = "203.0.113.1",
                   sourceLocation: SourceLocation = #_sourceLocation) async throws -> BuiltZone {
        let zone = try await object("createZone", "zone", [("name", name), ("networktype", "Advanced"), ("dns1", "8.8.8.8"), ("internaldns1", "10.0.0.2"),
                                                           ("guestcidraddress", "10.1.1.0/24")], sourceLocation: sourceLocation)
        let zoneID = try #require(zone["id"] as? String, sourceLocation: sourceLocation)
        let created = await call("createPhysicalNetwork", pairs: [("zoneid", zoneID), ("name", "\(name)-phy"), ("isolationmethods", "VLAN")])
        try #require(created.status == 200, "createPhysicalNetwork: \(created.body)", sourceLocation: sourceLocation)
        let networkID = try #require(created.object["id"] as? String, "createPhysicalNetwork returns the new id at once", sourceLocation: sourceLocation)
        let jobID = try #require(created.object["jobid"] as? String, sourceLocation: sourceLocation)
        let done = try await cloud.waitForJob(jobID, session: self, sourceLocation: sourceLocation)
        #expect(done["jobstatus"] as? Int == 1, "createPhysicalNetwork job: \(done)", sourceLocation: sourceLocation)
        for traffic in ["Guest", "Public", "Management"] {
            _ = try await jobObject("addTrafficType", "traffictype", [("physicalnetworkid", networkID), ("traffictype", traffic), ("kvmnetworklabel", "cloudbr0")],
                                    sourceLocation: sourceLocation)
        }
        _ = try await jobObject("updatePhysicalNetwork", "physicalnetwork", [("id", networkID), ("state", "Enabled"), ("vlan", "100-199")], sourceLocation: sourceLocation)
        let providers = await call("listNetworkServiceProviders", pairs: [("physicalnetworkid", networkID), ("name", "VirtualRouter")])
        let vr = try #require(providers.items("networkserviceprovider").first, "VirtualRouter provider seeded: \(providers.body)", sourceLocation: sourceLocation)
        let vrID = try #require(vr["id"] as? String, sourceLocation: sourceLocation)
        let elements = await call("listVirtualRouterElements", pairs: [("nspid", vrID)])
        let elementID = try #require(elements.items("virtualrouterelement").first?["id"] as? String, "VR element seeded: \(elements.body)", sourceLocation: sourceLocation)
        _ = try await jobObject("configureVirtualRouterElement", "virtualrouterelement", [("id", elementID), ("enabled", "true")], sourceLocation: sourceLocation)
        _ = try await jobObject("updateNetworkServiceProvider", "networkserviceprovider", [("id", vrID), ("state", "Enabled")], sourceLocation: sourceLocation)
        let podBase = podGateway.split(separator: ".").dropLast().joined(separator: ".")
        let pod = try await object("createPod", "pod", [("zoneid", zoneID), ("name", "\(name)-pod"), ("gateway", podGateway), ("netmask", "255.255.255.0"),
                                                        ("startip", "\(podBase).10"), ("endip", "\(podBase).20")],
                                   sourceLocation: sourceLocation)
        let podID = try #require(pod["id"] as? String, sourceLocation: sourceLocation)
        let base = publicGateway.split(separator: ".").dropLast().joined(separator: ".")
        _ = try await object("createVlanIpRange", "vlan", [("zoneid", zoneID), ("vlan", "untagged"), ("gateway", publicGateway), ("netmask", "255.255.255.0"),
                                                           ("startip", "\(base).10"), ("endip", "\(base).19"), ("forvirtualnetwork", "true")],
                             sourceLocation: sourceLocation)
        return BuiltZone(zoneID: zoneID, physicalNetworkID: networkID, podID: podID)
    }
}

@Suite("Infrastructure: building a zone through the API")
struct InfrastructureZoneBuildTests {
    @Test("a full Advanced Simulator zone is built in CloudStack's order and reads back with the list commands")
    func fullZone() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let built = try await admin.buildZone("zone-a")

            // The zone starts Disabled; users do not see it yet.
            let zone = try #require(await admin.call("listZones", pairs: [("id", built.zoneID)]).items("zone").first)
            #expect(zone["allocationstate"] as? String == "Disabled")
            #expect(zone["networktype"] as? String == "Advanced")
            #expect(zone["guestcidraddress"] as? String == "10.1.1.0/24")
            #expect(zone["dns1"] as? String == "8.8.8.8")

            let cluster = await admin.call("addCluster", pairs: [("zoneid", built.zoneID), ("podid", built.podID), ("clustername", "c1"),
                                                                  ("hypervisor", "Simulator"), ("clustertype", "CloudManaged")])
            #expect(cluster.status == 200, "\(cluster.body)")
            let clusterObject = try #require(cluster.items("cluster").first)
            let clusterID = try #require(clusterObject["id"] as? String)
            #expect(clusterObject["hypervisortype"] as? String == "Simulator")
            #expect(clusterObject["podname"] as? String == "zone-a-pod")

            let pool = try await admin.object("createStoragePool", "storagepool", [("zoneid", built.zoneID), ("podid", built.podID), ("clusterid", clusterID),
                                                                                   ("name", "primary1"), ("url", "nfs://10.0.0.5/export/primary"), ("tags", "ssd,fast")])
            #expect(pool["type"] as? String == "NetworkFilesystem")
            #expect(pool["ipaddress"] as? String == "10.0.0.5")
            #expect(pool["path"] as? String == "/export/primary")
            #expect(pool["scope"] as? String == "CLUSTER")
            #expect(pool["state"] as? String == "Up")
            #expect((pool["disksizetotal"] as? Int64 ?? Int64(pool["disksizetotal"] as? Int ?? 0)) == 1 << 40, "Simulator pools default to 1 TiB")
            #expect(pool["tags"] as? String == "fast,ssd")

            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cirrus-test-store-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let store = try await admin.object("addImageStore", "imagestore", [("zoneid", built.zoneID), ("name", "sec1"), ("provider", "NFS"), ("url", "file://\(dir)")])
            #expect(store["protocol"] as? String == "file")
            #expect(FileManager.default.fileExists(atPath: dir), "the local store directory is created")
            #expect((store["disksizetotal"] as? Int ?? 0) > 0, "a local store reports its file system size")

            let enabled = try await admin.object("updateZone", "zone", [("id", built.zoneID), ("allocationstate", "Enabled")])
            #expect(enabled["allocationstate"] as? String == "Enabled")

            // Read everything back.
            #expect(try await admin.count("listPhysicalNetworks", [("zoneid", built.zoneID)]) == 1)
            let network = try #require(await admin.call("listPhysicalNetworks", pairs: [("id", built.physicalNetworkID)]).items("physicalnetwork").first)
            #expect(network["state"] as? String == "Enabled")
            #expect(network["vlan"] as? String == "100-199")
            #expect(network["isolationmethods"] as? String == "VLAN")
            let traffic = await admin.call("listTrafficTypes", pairs: [("physicalnetworkid", built.physicalNetworkID)])
            #expect(Set(traffic.items("traffictype").compactMap { $0["traffictype"] as? String }) == ["Guest", "Public", "Management"])
            let providers = await admin.call("listNetworkServiceProviders", pairs: [("physicalnetworkid", built.physicalNetworkID)])
            let states = Dictionary(uniqueKeysWithValues: providers.items("networkserviceprovider").compactMap { p in (p["name"] as? String).map { ($0, p["state"] as? String ?? "") } })
            #expect(states == ["VirtualRouter": "Enabled", "VpcVirtualRouter": "Disabled", "InternalLbVm": "Disabled", "SecurityGroupProvider": "Disabled", "ConfigDrive": "Disabled"])
            let pods = await admin.call("listPods", pairs: [("zoneid", built.zoneID)])
            let podItem = try #require(pods.items("pod").first)
            #expect(podItem["netmask"] as? String == "255.255.255.0")
            #expect(podItem["startip"] as? [String] == ["192.168.56.10"])
            #expect(podItem["endip"] as? [String] == ["192.168.56.20"])
            let ranges = await admin.call("listVlanIpRanges", pairs: [("zoneid", built.zoneID)])
            let range = try #require(ranges.items("vlaniprange").first)
            #expect(range["startip"] as? String == "203.0.113.10")
            #expect(range["endip"] as? String == "203.0.113.19")
            #expect(range["cidr"] as? String == "203.0.113.0/24")
            #expect(range["vlan"] as? String == "vlan://untagged")
            #expect(range["physicalnetworkid"] as? String == built.physicalNetworkID)
            #expect(try await admin.count("listClusters", [("zoneid", built.zoneID), ("hypervisor", "Simulator")]) == 1)
            #expect(try await admin.count("listStoragePools", [("clusterid", clusterID)]) == 1)
            #expect(try await admin.count("listImageStores", [("zoneid", built.zoneID)]) == 1)

            // Capacities on request only.
            #expect(zone["capacity"] == nil)
            let withCapacity = try #require(await admin.call("listZones", pairs: [("id", built.zoneID), ("showcapacities", "true")]).items("zone").first)
            let capacity = try #require(withCapacity["capacity"] as? [[String: Any]], "showcapacities lists the zone's capacities")
            #expect(capacity.contains { $0["name"] as? String != nil && $0["zoneid"] as? String == built.zoneID })

            // Rows behind the API: one address per public IP, one VNI per VLAN, pod management addresses.
            let (vnis, publicIPs, podIPs) = try await cloud.db.read { sql -> (Int, Int, Int) in
                let zone = try #require(try await ZoneRepository.find(sql, uuid: UUID(uuidString: built.zoneID)!))
                let network = try #require(try await PhysicalNetworkRepository.find(sql, uuid: UUID(uuidString: built.physicalNetworkID)!))
                let pod = try #require(try await PodRepository.find(sql, uuid: UUID(uuidString: built.podID)!))
                let range = try #require(try await VlanIPRangeRepository.list(sql, zoneID: zone.id).first)
                return (try await GuestVnetRepository.count(sql, physicalNetworkID: network.id),
                        try await VlanIPRangeRepository.addressCount(sql, vlanID: range.id),
                        try await PodRepository.addresses(sql, podID: pod.id).count)
            }
            #expect(vnis == 100)
            #expect(publicIPs == 10)
            #expect(podIPs == 11)

            // Users see the enabled zone, without the admin fields; libcloud reads id and name.
            let user = try await admin.createAccount("zoneuser", domainID: nil)
            let userReply = await cloud.signed("listZones", keys: user.keys)
            let userZone = try #require(userReply.items("zone").first, "\(userReply.body)")
            #expect(userZone["id"] as? String == built.zoneID)
            #expect(userZone["name"] as? String == "zone-a")
            #expect(userZone["internaldns1"] == nil)
            #expect(userZone["guestcidraddress"] == nil)
            let userPods = await cloud.signed("listPods", keys: user.keys)
            #expect(userPods.status != 200, "listPods is admin-only")

            // Events were recorded for the sync creates.
            let events = await admin.call("listEvents", pairs: [("type", "ZONE.CREATE")])
            #expect(events.count >= 1)
        }
    }

    @Test("guest VNI ranges grow, shrink and refuse to drop a taken VNI")
    func vnetRanges() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let built = try await admin.buildZone("zone-v")
            let grown = try await admin.jobObject("updatePhysicalNetwork", "physicalnetwork", [("id", built.physicalNetworkID), ("vlan", "100-199,300-309")])
            #expect(grown["vlan"] as? String == "100-199,300-309")
            let networkID = try await cloud.db.read { sql in try #require(try await PhysicalNetworkRepository.find(sql, uuid: UUID(uuidString: built.physicalNetworkID)!)).id }
            #expect(try await cloud.db.read { try await GuestVnetRepository.count($0, physicalNetworkID: networkID) } == 110)

            // Take VNI 150, then try to drop 100-199.
            let taken = try await cloud.db.transaction { sql in
                try await GuestVnetRepository.take(sql, physicalNetworkID: networkID, accountID: 1, reservationID: "test", at: Date())
            }
            #expect(taken == 100)
            let refused = try await admin.runJob("updatePhysicalNetwork", pairs: [("id", built.physicalNetworkID), ("vlan", "300-309")])
            #expect(refused["jobstatus"] as? Int == 2)
            let result = try #require(refused["jobresult"] as? [String: Any])
            #expect(result["errorcode"] as? Int == 536)
            #expect((result["errortext"] as? String)?.contains("are allocated") == true)
            #expect(try await cloud.db.read { try await GuestVnetRepository.count($0, physicalNetworkID: networkID) } == 110, "nothing was removed")

            // Out-of-limit VLANs are refused before the job is queued.
            let bad = await admin.call("updatePhysicalNetwork", pairs: [("id", built.physicalNetworkID), ("vlan", "4000-4095")])
            #expect(bad.errorCode == 431)
            #expect(bad.errorText?.contains("between 1 and 4094") == true)
            let reversed = await admin.call("updatePhysicalNetwork", pairs: [("id", built.physicalNetworkID), ("vlan", "200-100")])
            #expect(reversed.errorCode == 431)

            // Another VLAN physical network of the zone may not reuse the range; a VXLAN one may.
            let before = try await admin.count("listPhysicalNetworks", [("zoneid", built.zoneID)])
            let clash = await admin.call("createPhysicalNetwork", pairs: [("zoneid", built.zoneID), ("name", "second"), ("vlan", "150-160")])
            #expect(clash.errorCode == 431)
            #expect(clash.errorText?.contains("overlaps with the range 100-199") == true, "\(clash.body)")
            let huge = await admin.call("createPhysicalNetwork", pairs: [("zoneid", built.zoneID), ("name", "second"), ("isolationmethods", "VXLAN"), ("vlan", "1-200000")])
            #expect(huge.errorCode == 431)
            #expect(try await admin.count("listPhysicalNetworks", [("zoneid", built.zoneID)]) == before)
            let vxlan = try await admin.runJob("createPhysicalNetwork", pairs: [("zoneid", built.zoneID), ("name", "vx"), ("isolationmethods", "VXLAN"), ("vlan", "150-160")])
            #expect(vxlan["jobstatus"] as? Int == 1, "\(vxlan)")

            // Shrinking away only free VNIs works.
            let shrunk = try await admin.jobObject("updatePhysicalNetwork", "physicalnetwork", [("id", built.physicalNetworkID), ("vlan", "100-149")])
            #expect(shrunk["vlan"] as? String == "100-149")
            #expect(try await cloud.db.read { try await GuestVnetRepository.count($0, physicalNetworkID: networkID) } == 50)
        }
    }

    @Test("a zone is torn down in reverse order; a local pool left by a removed host does not keep it alive")
    func teardown() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let built = try await admin.buildZone("zone-t")
            let cluster = try #require(await admin.call("addCluster", pairs: [("zoneid", built.zoneID), ("podid", built.podID), ("clustername", "c1"),
                                                                               ("hypervisor", "KVM"), ("clustertype", "CloudManaged")]).items("cluster").first?["id"] as? String)
            let pool = try #require(try await admin.object("createStoragePool", "storagepool", [("zoneid", built.zoneID), ("podid", built.podID), ("clusterid", cluster),
                                                                                                 ("name", "p1"), ("url", "SharedMountPoint:///mnt/primary")])["id"] as? String)
            // An orphaned local pool, as if its host had been removed.
            try await cloud.db.transaction { sql in
                let zone = try #require(try await ZoneRepository.find(sql, uuid: UUID(uuidString: built.zoneID)!))
                _ = try await StoragePoolRepository.insert(sql, StoragePool(id: 0, uuid: UUID(), name: "local", zoneID: zone.id, podID: nil, clusterID: nil, hostID: nil,
                                                                            scope: .host, type: .filesystem, url: nil, hostAddress: "localhost", path: "/var/lib/local",
                                                                            hypervisorType: .kvm, capacityBytes: 100, usedBytes: 0, status: .up, created: Date()))
            }
            let zonesBefore = try await admin.count("listZones")
            let networkRowID = try await cloud.db.read { sql in try #require(try await PhysicalNetworkRepository.find(sql, uuid: UUID(uuidString: built.physicalNetworkID)!)).id }
            #expect(try await cloud.db.read { try await GuestVnetRepository.count($0, physicalNetworkID: networkRowID) } == 100)
            let range = try #require(await admin.call("listVlanIpRanges", pairs: [("zoneid", built.zoneID)]).items("vlaniprange").first?["id"] as? String)
            for (command, id) in [("deleteStoragePool", pool), ("deleteCluster", cluster), ("deleteVlanIpRange", range), ("deletePod", built.podID)] {
                let reply = await admin.call(command, pairs: [("id", id)])
                #expect(reply.object["success"] as? Bool == true, "\(command): \(reply.body)")
            }
            let network = try await admin.runJob("deletePhysicalNetwork", pairs: [("id", built.physicalNetworkID)])
            #expect(network["jobstatus"] as? Int == 1, "\(network)")
            let deleted = await admin.call("deleteZone", pairs: [("id", built.zoneID)])
            #expect(deleted.object["success"] as? Bool == true, "\(deleted.body)")
            #expect(try await admin.count("listZones") == zonesBefore - 1)
            #expect(try await admin.count("listStoragePools") == 0)
            #expect(try await cloud.db.read { try await GuestVnetRepository.count($0, physicalNetworkID: networkRowID) } == 0)
        }
    }

    @Test("the VirtualRouter provider cannot be enabled before its element is configured")
    func providerNeedsElement() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let zone = try await admin.object("createZone", "zone", [("name", "zone-p"), ("networktype", "Advanced"), ("dns1", "8.8.8.8"), ("internaldns1", "10.0.0.2")])
            let network = try await admin.runJob("createPhysicalNetwork", pairs: [("zoneid", zone["id"] as! String), ("name", "phy")])
            let networkID = try #require((network["jobresult"] as? [String: Any]).flatMap { $0["physicalnetwork"] as? [String: Any] }?["id"] as? String)
            let vr = try #require(await admin.call("listNetworkServiceProviders", pairs: [("physicalnetworkid", networkID), ("name", "VirtualRouter")])
                .items("networkserviceprovider").first?["id"] as? String)
            let refused = try await admin.runJob("updateNetworkServiceProvider", pairs: [("id", vr), ("state", "Enabled")])
            #expect(refused["jobstatus"] as? Int == 2)
            #expect(((refused["jobresult"] as? [String: Any])?["errortext"] as? String)?.contains("configure the provider first") == true)
            // Enabling the zone needs the Management and Public traffic types.
            let enable = await admin.call("updateZone", pairs: [("id", zone["id"] as! String), ("allocationstate", "Enabled")])
            #expect(enable.errorCode == 431)
            #expect(enable.errorText?.contains("traffic=Management") == true)
        }
    }
}
