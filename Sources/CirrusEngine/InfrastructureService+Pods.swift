import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A pod with its zone, for responses.
public struct PodView: Sendable {
    public var pod: Pod
    public var zone: Zone?
    /// Filled by `showcapacities=true`.
    public var capacities: [CapacityView] = []
}

/// A cluster with its pod and zone, for responses.
public struct ClusterView: Sendable {
    public var cluster: Cluster
    public var pod: Pod?
    public var zone: Zone?
    public var cpuOvercommit: String
    public var memoryOvercommit: String
    /// Filled by `showcapacities=true`.
    public var capacities: [CapacityView] = []
}

extension InfrastructureService {
    /// Validates a pod's network in CloudStack's order; returns the CIDR and the management range.
    func checkPodNetwork(_ sql: any SQLDatabase, zone: Zone, podID: Int64?, podName: String, gateway: String?, netmask: String?,
                         startIP: String?, endIP: String?) async throws -> (IPv4CIDR, IPv4Range?) {
        guard let gateway, !gateway.isEmpty, let netmask, !netmask.isEmpty else {
            throw CloudError.invalidParameter("Gateway and netmask are required for a pod of a core zone")
        }
        guard let gatewayIP = IPv4Address(gateway) else { throw CloudError.invalidParameter("The gateway is not a valid IP address.") }
        guard let cidr = IPv4CIDR(address: gatewayIP, netmask: netmask), cidr.prefixLength < 32 else {
            throw CloudError.invalidParameter("Please enter a valid CIDR for pod: \(podName)")
        }
        var range: IPv4Range?
        if let startIP, !startIP.isEmpty {
            guard let start = IPv4Address(startIP) else { throw CloudError.invalidParameter("The start address of the IP range is not a valid IP address.") }
            var end = cidr.hostRange.last
            if let endIP, !endIP.isEmpty {
                guard let e = IPv4Address(endIP) else { throw CloudError.invalidParameter("The end address of the IP range is not a valid IP address.") }
                end = e
            }
            guard cidr.contains(start) else { throw CloudError.invalidParameter("The start address of the IP range is not in the CIDR subnet.") }
            guard cidr.contains(end) else { throw CloudError.invalidParameter("The end address of the IP range is not in the CIDR subnet.") }
            guard let r = IPv4Range(first: start, last: end) else {
                throw CloudError.invalidParameter("The start IP address must have a lower value than the end IP address.")
            }
            range = r
            for existing in try await VlanIPRangeRepository.list(sql, zoneID: zone.id) {
                guard let s = existing.startIP, let e = existing.endIP, let theirs = IPv4Range(start: s, end: e), theirs.overlaps(r) else { continue }
                let first = max(theirs.first, r.first)
                throw CloudError.invalidParameter("The Start IP and endIP address range overlap with Public IP :\(first)")
            }
            if r.contains(gatewayIP) { throw CloudError.invalidParameter("The gateway shouldn't overlap start/end ip addresses") }
        } else if endIP.presentValue != nil {
            throw CloudError.invalidParameter("The start address of the IP range is not a valid IP address.")
        }
        if let guest = zone.guestCIDR.flatMap({ IPv4CIDR($0) }), guest.overlaps(cidr) {
            throw CloudError.invalidParameter("The subnet of the pod you are adding conflicts with the subnet of the Guest IP Network. Please specify a different CIDR.")
        }
        for other in try await PodRepository.list(sql, PodRepository.Filter(zoneID: zone.id)).items where other.id != podID {
            if let theirs = IPv4CIDR(other.cidr), theirs.overlaps(cidr) {
                throw CloudError.invalidParameter("The subnet of the pod you are adding conflicts with the subnet of pod \(other.name) in zone \(zone.name). Please specify a different CIDR.")
            }
        }
        return (cidr, range)
    }

    static func addresses(_ range: IPv4Range, excluding gateway: String) -> [(String, Int64)] {
        range.filter { $0.description != gateway }.map { ($0.description, $0.number) }
    }

    /// `createPod`: checks the network and fills the pod's management address pool.
    public func createPod(caller: Caller, zoneID: UUID, name: String, gateway: String?, netmask: String?, startIP: String?, endIP: String?,
                          allocationState: String?) async throws -> PodView {
        let name = try Self.requireName(name, "pod")
        let state = try Self.allocationState(allocationState) ?? .enabled
        return try await db.transaction { sql in
            let zone = try await Lookup.zone(sql, zoneID)
            if !(try await PodRepository.list(sql, PodRepository.Filter(zoneID: zone.id, name: name), limit: 1).items.isEmpty) {
                throw CloudError.invalidParameter("A pod with name: \(name) already exists in zone \(zone.name). Please specify a different pod name. ")
            }
            let (cidr, range) = try await checkPodNetwork(sql, zone: zone, podID: nil, podName: name, gateway: gateway, netmask: netmask, startIP: startIP, endIP: endIP)
            let pod = try await PodRepository.insert(sql, Pod(id: 0, uuid: UUID(), zoneID: zone.id, name: name, gateway: gateway!, cidr: cidr.description,
                                                              startIP: range?.first.description, endIP: range?.last.description, allocationState: state, created: Date()))
            if let range { try await PodRepository.insertAddresses(sql, zoneID: zone.id, podID: pod.id, Self.addresses(range, excluding: pod.gateway)) }
            try await record(sql, caller, EventType.podCreate, "Pod \(name) created in zone \(zone.name)", resourceType: "Pod", uuid: pod.uuid, name: name)
            return PodView(pod: pod, zone: zone)
        }
    }

    /// `updatePod`: name, network, range and allocation state. The range may change only
    /// while no address outside the new range is taken.
    public func updatePod(caller: Caller, id: UUID, name: String?, gateway: String?, netmask: String?, startIP: String?, endIP: String?,
                          allocationState: String?) async throws -> PodView {
        let state = try Self.allocationState(allocationState)
        return try await db.transaction { sql in
            var pod = try await Lookup.pod(sql, id)
            guard let zone = try await ZoneRepository.find(sql, id: pod.zoneID) else {
                throw CloudError.invalidParameter("The zone of pod \(pod.name) no longer exists")
            }
            if let raw = name {
                let newName = try Self.requireName(raw, "pod")
                if newName != pod.name, !(try await PodRepository.list(sql, PodRepository.Filter(zoneID: zone.id, name: newName), limit: 1).items.isEmpty) {
                    throw CloudError.invalidParameter("A pod with name: \(newName) already exists in zone \(zone.name). Please specify a different pod name. ")
                }
                pod.name = newName
            }
            if gateway != nil || netmask != nil || startIP != nil || endIP != nil {
                let current = IPv4CIDR(pod.cidr)
                let newGateway = gateway.presentValue ?? pod.gateway
                let newNetmask = netmask.presentValue ?? current?.netmask
                let newStart = startIP.presentValue ?? pod.startIP
                let newEnd = endIP.presentValue ?? (startIP.presentValue == nil ? pod.endIP : nil)
                let (cidr, range) = try await checkPodNetwork(sql, zone: zone, podID: pod.id, podName: pod.name, gateway: newGateway, netmask: newNetmask,
                                                              startIP: newStart, endIP: newEnd)
                let existing = try await PodRepository.addresses(sql, podID: pod.id)
                for a in existing where a.taken != nil && !(range?.numbers.contains(a.number) ?? false) {
                    throw CloudError.resourceInUse("The pod's IP range cannot be changed because address \(a.address), outside the new range, is allocated.")
                }
                try await PodRepository.deleteFreeAddresses(sql, podID: pod.id, keeping: range?.numbers)
                if let range {
                    let have = Set(existing.filter { range.numbers.contains($0.number) }.map(\.number))
                    try await PodRepository.insertAddresses(sql, zoneID: zone.id, podID: pod.id,
                                                            Self.addresses(range, excluding: newGateway).filter { !have.contains($0.1) })
                }
                pod.gateway = newGateway; pod.cidr = cidr.description
                pod.startIP = range?.first.description; pod.endIP = range?.last.description
            }
            if let state { pod.allocationState = state }
            try await PodRepository.update(sql, pod)
            try await record(sql, caller, EventType.podEdit, "Pod \(pod.name) updated", resourceType: "Pod", uuid: pod.uuid, name: pod.name)
            return PodView(pod: pod, zone: zone)
        }
    }

    /// `deletePod`: refused while addresses are taken, or hosts or clusters remain.
    public func deletePod(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let pod = try await Lookup.pod(sql, id)
            let prefix = "The pod cannot be deleted because "
            if try await PodRepository.takenAddressCount(sql, podID: pod.id) > 0 {
                throw CloudError.resourceInUse(prefix + "there are private IP addresses allocated in this pod.")
            }
            let contents = try await PodRepository.contents(sql, podID: pod.id)
            if contents.hosts > 0 { throw CloudError.resourceInUse(prefix + "there are servers in this pod.") }
            if contents.clusters > 0 { throw CloudError.resourceInUse(prefix + "there are clusters in this pod.") }
            let now = Date()
            for range in try await VlanIPRangeRepository.list(sql, VlanIPRangeRepository.Filter(podID: pod.id)).items {
                if try await VlanIPRangeRepository.allocatedCount(sql, vlanID: range.id) > 0 {
                    throw CloudError.resourceInUse(prefix + "there are public IP addresses allocated in this pod.")
                }
                try await VlanIPRangeRepository.markRemoved(sql, id: range.id, at: now)
            }
            try await PodRepository.markRemoved(sql, id: pod.id, at: now)
            try await record(sql, caller, EventType.podDelete, "Pod \(pod.name) deleted", resourceType: "Pod", uuid: pod.uuid, name: pod.name)
        }
    }

    /// `listPods`.
    public func listPods(id: UUID?, name: String?, zoneID: UUID?, allocationState: String?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> InfrastructurePage<PodView> {
        let state = try Self.allocationState(allocationState)
        return try await db.read { sql in
            var filter = PodRepository.Filter(name: name, keyword: keyword, allocationState: state)
            if let id {
                guard let p = try await PodRepository.find(sql, uuid: id) else { return InfrastructurePage(items: [], total: 0, names: InfrastructureNames()) }
                filter.id = p.id
            }
            if let zoneID { filter.zoneID = try await Lookup.zone(sql, zoneID).id }
            let listing = try await PodRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let names = try await InfrastructureNames.load(sql, zoneIDs: Set(listing.items.map(\.zoneID)))
            return InfrastructurePage(items: listing.items.map { PodView(pod: $0, zone: names.zones[$0.zoneID]) }, total: listing.total, names: names)
        }
    }

    // MARK: clusters

    func clusterView(_ sql: any SQLDatabase, _ c: Cluster) async throws -> ClusterView {
        ClusterView(cluster: c, pod: try await PodRepository.find(sql, id: c.podID), zone: try await ZoneRepository.find(sql, id: c.zoneID),
                    cpuOvercommit: "1.0", memoryOvercommit: "1.0")
    }

    static func hypervisor(_ raw: String) throws -> HypervisorType {
        guard let h = HypervisorType(caseInsensitive: raw) else {
            throw CloudError.invalidParameter("Unable to resolve \(raw) to a supported hypervisor type: Cirrus supports KVM and Simulator")
        }
        return h
    }

    static func clusterType(_ raw: String) throws -> String {
        guard let t = ["CloudManaged", "ExternalManaged"].first(where: { $0.lowercased() == raw.lowercased() }) else {
            throw CloudError.invalidParameter("Unable to resolve \(raw) to a supported type")
        }
        return t
    }

    /// `addCluster`: a KVM or Simulator cluster in a pod of the zone.
    public func addCluster(caller: Caller, zoneID: UUID, podID: UUID, name: String, hypervisor: String, clusterType: String, allocationState: String?) async throws -> ClusterView {
        let name = try Self.requireName(name, "cluster")
        let hypervisorType = try Self.hypervisor(hypervisor)
        let type = try Self.clusterType(clusterType)
        let state = try Self.allocationState(allocationState) ?? .enabled
        return try await db.transaction { sql in
            guard let zone = try await ZoneRepository.find(sql, uuid: zoneID) else { throw CloudError.invalidParameter("Can't find zone by the id specified") }
            guard let pod = try await PodRepository.find(sql, uuid: podID) else { throw CloudError.invalidParameter("Can't find pod with specified podId \(podID.uuidString.lowercased())") }
            guard pod.zoneID == zone.id else {
                throw CloudError.invalidParameter("Pod with specified id doesn't belong to the zone \(zone.uuid.uuidString.lowercased())")
            }
            if !(try await ClusterRepository.list(sql, ClusterRepository.Filter(podID: pod.id, name: name), limit: 1).items.isEmpty) {
                throw CloudError.invalidParameter("Unable to create cluster \(name) due to duplicate cluster name in pod \(pod.name)")
            }
            let c = try await ClusterRepository.insert(sql, Cluster(id: 0, uuid: UUID(), zoneID: zone.id, podID: pod.id, name: name, hypervisorType: hypervisorType,
                                                                   clusterType: type, allocationState: state, created: Date()))
            return ClusterView(cluster: c, pod: pod, zone: zone, cpuOvercommit: "1.0", memoryOvercommit: "1.0")
        }
    }

    /// `updateCluster`: name, allocation and managed state (the hypervisor cannot change).
    public func updateCluster(caller: Caller, id: UUID, name: String?, hypervisor: String?, clusterType: String?, allocationState: String?, managedState: String?) async throws -> ClusterView {
        let state = try Self.allocationState(allocationState)
        return try await db.transaction { sql in
            var c = try await Lookup.cluster(sql, id)
            if let hypervisor, try Self.hypervisor(hypervisor) != c.hypervisorType {
                throw CloudError.invalidParameter("The hypervisor type of a cluster cannot be changed")
            }
            if let clusterType { c.clusterType = try Self.clusterType(clusterType) }
            if let raw = name {
                let newName = try Self.requireName(raw, "cluster")
                if newName != c.name, !(try await ClusterRepository.list(sql, ClusterRepository.Filter(podID: c.podID, name: newName), limit: 1).items.isEmpty) {
                    throw CloudError.invalidParameter("Unable to update cluster: the name \(newName) is already used in this pod")
                }
                c.name = newName
            }
            if let state { c.allocationState = state }
            if let managedState {
                guard let m = ["Managed", "Unmanaged"].first(where: { $0.lowercased() == managedState.lowercased() }) else {
                    throw CloudError.invalidParameter("Unable to resolve Managed State '\(managedState)' to a supported state")
                }
                c.managedState = m
            }
            try await ClusterRepository.update(sql, c)
            return try await clusterView(sql, c)
        }
    }

    /// `deleteCluster`: refused while hosts or cluster-wide storage pools remain.
    public func deleteCluster(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let c = try await Lookup.cluster(sql, id)
            if try await ClusterRepository.hostCount(sql, clusterID: c.id) > 0 {
                throw CloudError.resourceInUse("Cluster: \(id.uuidString.lowercased()) cannot be deleted. Cluster has hosts")
            }
            if try await ClusterRepository.storagePoolCount(sql, clusterID: c.id) > 0 {
                throw CloudError.resourceInUse("Cluster: \(id.uuidString.lowercased()) cannot be deleted. Cluster has storage pools")
            }
            try await ClusterRepository.markRemoved(sql, id: c.id, at: Date())
        }
    }

    /// `listClusters`.
    public func listClusters(id: UUID?, name: String?, podID: UUID?, zoneID: UUID?, hypervisor: String?, clusterType: String?, allocationState: String?,
                             managedState: String?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> InfrastructurePage<ClusterView> {
        let state = try Self.allocationState(allocationState)
        return try await db.read { sql in
            let empty = InfrastructurePage<ClusterView>(items: [], total: 0, names: InfrastructureNames())
            var filter = ClusterRepository.Filter(name: name, keyword: keyword, clusterType: clusterType, allocationState: state, managedState: managedState)
            if let hypervisor {
                guard let h = HypervisorType(caseInsensitive: hypervisor) else { return empty }
                filter.hypervisorType = h
            }
            if let id {
                guard let c = try await ClusterRepository.find(sql, uuid: id) else { return empty }
                filter.id = c.id
            }
            if let podID { filter.podID = try await Lookup.pod(sql, podID).id }
            if let zoneID { filter.zoneID = try await Lookup.zone(sql, zoneID).id }
            let listing = try await ClusterRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let names = try await InfrastructureNames.load(sql, zoneIDs: Set(listing.items.map(\.zoneID)), podIDs: Set(listing.items.map(\.podID)))
            return InfrastructurePage(items: listing.items.map { ClusterView(cluster: $0, pod: names.pods[$0.podID], zone: names.zones[$0.zoneID], cpuOvercommit: "1.0", memoryOvercommit: "1.0") },
                                      total: listing.total, names: names)
        }
    }
}
