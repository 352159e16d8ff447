import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Bad input to the infrastructure commands: each gives CloudStack's error and changes nothing.
@Suite("Infrastructure: bad input")
struct InfrastructureBadInputTests {
    /// Calls `command`, expects `code` with `text` in the error, and that `listCommand`'s count is unchanged.
    func refused(_ admin: Session, _ command: String, _ pairs: [(String, String)], code: Int, text: String,
                 unchanged listCommand: String, _ listPairs: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let before = try await admin.count(listCommand, listPairs, sourceLocation: sourceLocation)
        let reply = await admin.call(command, pairs: pairs)
        #expect(reply.errorCode == code, "\(command): \(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.errorText?.contains(text) == true, "\(command): expected “\(text)” in \(reply.body)", sourceLocation: sourceLocation)
        #expect(try await admin.count(listCommand, listPairs, sourceLocation: sourceLocation) == before, "\(command) must not create anything", sourceLocation: sourceLocation)
    }

    @Test("public IP ranges: overlap, gateway outside the CIDR, start after end, bad addresses, clash with a pod range")
    func publicRanges() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let z = try await admin.buildZone("zone-ip")  // 203.0.113.10-19 exists
            let base: [(String, String)] = [("zoneid", z.zoneID), ("vlan", "untagged"), ("netmask", "255.255.255.0"), ("forvirtualnetwork", "true")]
            let list: [(String, String)] = [("zoneid", z.zoneID)]
            try await refused(admin, "createVlanIpRange", base + [("gateway", "203.0.113.1"), ("startip", "203.0.113.15"), ("endip", "203.0.113.30")],
                              code: 431, text: "The IP range already has IPs that overlap with the new range", unchanged: "listVlanIpRanges", list)
            try await refused(admin, "createVlanIpRange", base + [("gateway", "198.51.100.1"), ("startip", "203.0.113.40"), ("endip", "203.0.113.50")],
                              code: 431, text: "Please ensure that your start IP is in the same subnet as your IP range's gateway", unchanged: "listVlanIpRanges", list)
            try await refused(admin, "createVlanIpRange", base + [("gateway", "203.0.113.1"), ("startip", "203.0.113.60"), ("endip", "203.0.113.50")],
                              code: 431, text: "Please specify a valid IP range.", unchanged: "listVlanIpRanges", list)
            try await refused(admin, "createVlanIpRange", base + [("gateway", "203.0.113.1"), ("startip", "203.0.113.300")],
                              code: 431, text: "Please specify a valid start IP", unchanged: "listVlanIpRanges", list)
            try await refused(admin, "createVlanIpRange", base + [("gateway", "203.0.113.1"), ("startip", "203.0.113.1"), ("endip", "203.0.113.5")],
                              code: 431, text: "The gateway ip should not be the part of the ip range being added.", unchanged: "listVlanIpRanges", list)
            try await refused(admin, "createVlanIpRange", [("zoneid", z.zoneID), ("vlan", "200"), ("gateway", "203.0.113.1"), ("netmask", "255.255.255.0"),
                                                           ("startip", "203.0.113.100"), ("endip", "203.0.113.110")],
                              code: 431, text: "has overlapped with the subnet", unchanged: "listVlanIpRanges", list)
            try await refused(admin, "createVlanIpRange", base + [("gateway", "192.168.56.1"), ("startip", "192.168.56.15"), ("endip", "192.168.56.30")],
                              code: 431, text: "overlap with private IP", unchanged: "listVlanIpRanges", list)
            // The address rows did not grow either.
            let addresses = try await cloud.db.read { sql in
                let zone = try #require(try await ZoneRepository.find(sql, uuid: UUID(uuidString: z.zoneID)!))
                var n = 0
                for r in try await VlanIPRangeRepository.list(sql, zoneID: zone.id) { n += try await VlanIPRangeRepository.addressCount(sql, vlanID: r.id) }
                return n
            }
            #expect(addresses == 10)
            // A second, separate range in the same subnet and VLAN is fine.
            _ = try await admin.object("createVlanIpRange", "vlan", base + [("gateway", "203.0.113.1"), ("startip", "203.0.113.40"), ("endip", "203.0.113.41")])
            #expect(try await admin.count("listVlanIpRanges", list) == 2)
        }
    }

    @Test("pods: start IP outside the CIDR, reversed range, clash with another pod, clash with the guest CIDR, duplicate name")
    func pods() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let z = try await admin.buildZone("zone-pod")  // pod 192.168.56.0/24, guest 10.1.1.0/24
            let list: [(String, String)] = [("zoneid", z.zoneID)]
            func pod(_ name: String, _ gateway: String, _ start: String, _ end: String) -> [(String, String)] {
                [("zoneid", z.zoneID), ("name", name), ("gateway", gateway), ("netmask", "255.255.255.0"), ("startip", start), ("endip", end)]
            }
            try await refused(admin, "createPod", pod("p2", "192.168.60.1", "192.168.61.10", "192.168.61.20"),
                              code: 431, text: "The start address of the IP range is not in the CIDR subnet.", unchanged: "listPods", list)
            try await refused(admin, "createPod", pod("p2", "192.168.60.1", "192.168.60.30", "192.168.60.20"),
                              code: 431, text: "The start IP address must have a lower value than the end IP address.", unchanged: "listPods", list)
            try await refused(admin, "createPod", pod("p2", "192.168.56.129", "192.168.56.140", "192.168.56.150"),
                              code: 431, text: "conflicts with the subnet of pod zone-pod-pod in zone zone-pod", unchanged: "listPods", list)
            try await refused(admin, "createPod", pod("p2", "10.1.1.1", "10.1.1.10", "10.1.1.20"),
                              code: 431, text: "conflicts with the subnet of the Guest IP Network", unchanged: "listPods", list)
            try await refused(admin, "createPod", pod("zone-pod-pod", "192.168.70.1", "192.168.70.10", "192.168.70.20"),
                              code: 431, text: "A pod with name: zone-pod-pod already exists", unchanged: "listPods", list)
            try await refused(admin, "createPod", pod("p2", "192.168.70.1", "192.168.70.1", "192.168.70.20"),
                              code: 431, text: "The gateway shouldn't overlap start/end ip addresses", unchanged: "listPods", list)
            try await refused(admin, "createPod", pod("p2", "192.168.70.1", "192.168.70.10", "192.168.70.20") + [("allocationstate", "Sideways")],
                              code: 431, text: "Unable to resolve Allocation State 'Sideways'", unchanged: "listPods", list)
            // A pod range overlapping the public range is refused too.
            try await refused(admin, "createPod", pod("p3", "203.0.113.1", "203.0.113.12", "203.0.113.14"),
                              code: 431, text: "overlap with Public IP", unchanged: "listPods", list)
            _ = try await admin.object("createPod", "pod", pod("p2", "192.168.70.1", "192.168.70.10", "192.168.70.20"))
            #expect(try await admin.count("listPods", list) == 2)
        }
    }

    @Test("clusters: unknown hypervisor, unknown cluster type, pod of another zone")
    func clusters() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let z = try await admin.buildZone("zone-c")
            let other = try await admin.buildZone("zone-d", podGateway: "192.168.90.1", publicGateway: "198.51.100.1")
            let base: [(String, String)] = [("zoneid", z.zoneID), ("podid", z.podID), ("clustername", "c1"), ("clustertype", "CloudManaged")]
            try await refused(admin, "addCluster", base + [("hypervisor", "XenServer")], code: 431, text: "Unable to resolve XenServer to a supported hypervisor type",
                              unchanged: "listClusters")
            try await refused(admin, "addCluster", base + [("hypervisor", "Banana")], code: 431, text: "Unable to resolve Banana", unchanged: "listClusters")
            try await refused(admin, "addCluster", [("zoneid", z.zoneID), ("podid", z.podID), ("clustername", "c1"), ("clustertype", "Whatever"), ("hypervisor", "KVM")],
                              code: 431, text: "Unable to resolve Whatever to a supported type", unchanged: "listClusters")
            try await refused(admin, "addCluster", [("zoneid", z.zoneID), ("podid", other.podID), ("clustername", "c1"), ("clustertype", "CloudManaged"), ("hypervisor", "KVM")],
                              code: 431, text: "doesn't belong to the zone", unchanged: "listClusters")
            let kvm = await admin.call("addCluster", pairs: base + [("hypervisor", "kvm")])
            #expect(kvm.items("cluster").first?["hypervisortype"] as? String == "KVM")
            try await refused(admin, "addCluster", base + [("hypervisor", "KVM")], code: 431, text: "duplicate cluster name", unchanged: "listClusters")
        }
    }

    @Test("deleting a zone, pod or cluster that still holds resources is refused and changes nothing")
    func deletesWithResources() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let z = try await admin.buildZone("zone-del")
            let cluster = try #require(await admin.call("addCluster", pairs: [("zoneid", z.zoneID), ("podid", z.podID), ("clustername", "c1"),
                                                                               ("hypervisor", "Simulator"), ("clustertype", "CloudManaged")]).items("cluster").first?["id"] as? String)
            let pool = try await admin.object("createStoragePool", "storagepool", [("zoneid", z.zoneID), ("podid", z.podID), ("clusterid", cluster),
                                                                                   ("name", "p1"), ("url", "nfs://10.0.0.5/export/p1")])
            let poolID = try #require(pool["id"] as? String)

            try await refused(admin, "deleteZone", [("id", z.zoneID)], code: 536, text: "The zone cannot be deleted because there are pods in this zone.",
                              unchanged: "listZones")
            try await refused(admin, "deletePod", [("id", z.podID)], code: 536, text: "The pod cannot be deleted because there are clusters in this pod.",
                              unchanged: "listPods", [("zoneid", z.zoneID)])
            try await refused(admin, "deleteCluster", [("id", cluster)], code: 536, text: "cannot be deleted. Cluster has storage pools",
                              unchanged: "listClusters")

            // A host in the cluster blocks the cluster and the pod too.
            let hostUUID = UUID()
            try await cloud.db.transaction { sql in
                let zone = try #require(try await ZoneRepository.find(sql, uuid: UUID(uuidString: z.zoneID)!))
                let pod = try #require(try await PodRepository.find(sql, uuid: UUID(uuidString: z.podID)!))
                let c = try #require(try await ClusterRepository.find(sql, uuid: UUID(uuidString: cluster)!))
                try await sql.raw("""
                    INSERT INTO hosts (uuid, name, guid, host_type, status, resource_state, zone_id, pod_id, cluster_id, hypervisor_type, cpu_sockets, cpus,
                    cpu_speed, total_memory, dom0_memory, arch, details, created) VALUES (\(bind: hostUUID.uuidString.lowercased()), 'h1', 'guid-h1', 'Routing', 'Up',
                    'Enabled', \(bind: zone.id), \(bind: pod.id), \(bind: c.id), 'Simulator', 1, 4, 2000, 8589934592, 0, 'x86_64', '{}', 0)
                    """).run()
            }
            _ = await admin.call("deleteStoragePool", pairs: [("id", poolID)])
            try await refused(admin, "deleteCluster", [("id", cluster)], code: 536, text: "cannot be deleted. Cluster has hosts", unchanged: "listClusters")
            try await refused(admin, "deletePod", [("id", z.podID)], code: 536, text: "there are servers in this pod.", unchanged: "listPods", [("zoneid", z.zoneID)])
            try await refused(admin, "deleteZone", [("id", z.zoneID)], code: 536, text: "there are servers in this zone.", unchanged: "listZones")

            // A public range with an allocated address cannot be deleted.
            let rangeID = try #require(await admin.call("listVlanIpRanges", pairs: [("zoneid", z.zoneID)]).items("vlaniprange").first?["id"] as? String)
            try await cloud.db.transaction { sql in
                try await sql.raw("UPDATE public_ip_addresses SET state = 'Allocated' WHERE address = '203.0.113.10'").run()
            }
            try await refused(admin, "deleteVlanIpRange", [("id", rangeID)], code: 536, text: "has allocated public IP addresses", unchanged: "listVlanIpRanges",
                              [("zoneid", z.zoneID)])
        }
    }

    @Test("zones, storage and image stores: duplicate names, bad DNS, bad URLs, zone-wide pools without hypervisor")
    func zonesAndStorage() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let zone: [(String, String)] = [("networktype", "Advanced"), ("dns1", "8.8.8.8"), ("internaldns1", "10.0.0.2")]
            _ = try await admin.object("createZone", "zone", zone + [("name", "z1")])
            try await refused(admin, "createZone", zone + [("name", "z1")], code: 431, text: "A zone with that name already exists", unchanged: "listZones")
            try await refused(admin, "createZone", [("name", "z2"), ("networktype", "Advanced"), ("dns1", "8.8.8"), ("internaldns1", "10.0.0.2")],
                              code: 431, text: "Please enter a valid IP address for DNS1", unchanged: "listZones")
            try await refused(admin, "createZone", zone + [("name", "z2"), ("guestcidraddress", "8.8.8.0/24")], code: 431, text: "Please enter a valid guest cidr",
                              unchanged: "listZones")
            try await refused(admin, "createZone", [("name", "z2"), ("networktype", "Fancy"), ("dns1", "8.8.8.8"), ("internaldns1", "10.0.0.2")],
                              code: 431, text: "Unable to resolve network type 'Fancy'", unchanged: "listZones")

            let z = try await admin.buildZone("zone-s")
            let pools: [(String, String)] = [("zoneid", z.zoneID), ("name", "p")]
            try await refused(admin, "createStoragePool", pools + [("scope", "zone"), ("url", "nfs://10.0.0.5/x")], code: 431,
                              text: "hypervisor type must be specified for zone wide primary storage", unchanged: "listStoragePools")
            try await refused(admin, "createStoragePool", pools + [("scope", "zone"), ("hypervisor", "Simulator"), ("url", "iscsi://10.0.0.5/x")], code: 431,
                              text: "iscsi is not a supported uri scheme", unchanged: "listStoragePools")
            try await refused(admin, "createStoragePool", pools + [("scope", "zone"), ("hypervisor", "Simulator"), ("url", "SharedMountPoint://./data/primary")], code: 431,
                              text: "the path must be absolute", unchanged: "listStoragePools")
            try await refused(admin, "createStoragePool", pools + [("scope", "zone"), ("hypervisor", "Simulator"), ("url", "nfs://10.0.0.5")], code: 431,
                              text: "host or path is null", unchanged: "listStoragePools")
            let zoneWide = try await admin.object("createStoragePool", "storagepool", pools + [("scope", "zone"), ("hypervisor", "Simulator"), ("url", "nfs://10.0.0.5:/x")])
            #expect(zoneWide["ipaddress"] as? String == "10.0.0.5", "Marvin's nfs://host:/path form")
            #expect(zoneWide["path"] as? String == "/x")
            #expect(zoneWide["scope"] as? String == "ZONE")
            try await refused(admin, "createStoragePool", pools + [("scope", "zone"), ("hypervisor", "Simulator"), ("url", "nfs://10.0.0.5/x")], code: 431,
                              text: "already in use", unchanged: "listStoragePools")

            try await refused(admin, "addImageStore", [("zoneid", z.zoneID), ("provider", "S3"), ("url", "nfs://10.0.0.6/sec")], code: 431,
                              text: "can't find image store provider: S3", unchanged: "listImageStores")
            try await refused(admin, "addImageStore", [("zoneid", z.zoneID), ("provider", "NFS"), ("url", "ftp://10.0.0.6/sec")], code: 431,
                              text: "Unsupported scheme", unchanged: "listImageStores")
            let nfs = try await admin.object("addImageStore", "imagestore", [("zoneid", z.zoneID), ("provider", "NFS"), ("url", "nfs://10.0.0.6/sec")])
            #expect(nfs["protocol"] as? String == "nfs")
            #expect(nfs["name"] as? String == "nfs://10.0.0.6/sec")
            try await refused(admin, "addImageStore", [("zoneid", z.zoneID), ("provider", "NFS"), ("url", "nfs://10.0.0.6/sec")], code: 431,
                              text: "already exists", unchanged: "listImageStores")
            // The image store keeps the zone from being deleted once everything else is gone? The pod comes first.
            try await refused(admin, "deleteZone", [("id", z.zoneID)], code: 536, text: "there are pods in this zone.", unchanged: "listZones")
        }
    }
}
