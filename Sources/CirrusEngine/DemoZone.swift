import CirrusModel
import CirrusStore
import Foundation
import Logging

/// Builds the ready Advanced Simulator zone that `cirrus serve` offers on a fresh embedded
/// install: a physical network with Guest, Public and Management traffic, the VirtualRouter
/// provider enabled, a pod, a public IP range, a Simulator cluster with two hosts, primary
/// and secondary storage, and the built-in template. Every step goes through the same
/// services the API calls, as the system user, so the zone is exactly what an operator
/// would have built by hand.
public enum DemoZone {
    /// The name of the demo zone.
    public static let name = "Sandbox-simulator"

    /// Builds the zone unless a zone already exists (a fresh install only). Returns the new
    /// zone, or nil when there was nothing to do.
    @discardableResult
    public static func ensure(engine: Engine, dataDirectory: String, logger: Logger) async throws -> Zone? {
        let existing = try await engine.db.read { try await ZoneRepository.list($0, offset: 0, limit: 1) }
        if existing.total > 0 { return nil }
        guard let caller = try await engine.identity.caller(userID: User.adminID) else {
            throw CloudError.internalError("The admin user is missing; cannot build the demo zone")
        }
        let started = Date()
        let infra = engine.infrastructure
        let zone = try await infra.createZone(caller: caller, ZoneSpec(
            name: name, networkType: ZoneNetworkType.advanced.rawValue, dns1: "8.8.8.8", internalDNS1: "10.0.0.2",
            guestCIDR: "10.1.1.0/24", networkDomain: "cirrus.internal", allocationState: AllocationState.disabled.rawValue)).zone
        let physical = try await infra.createPhysicalNetwork(caller: caller, zoneID: zone.uuid, name: "Sandbox-pnet", vlan: nil, networkSpeed: nil,
                                                             domainID: nil, broadcastDomainRange: nil, tags: nil, isolationMethods: [IsolationMethod.vxlan.rawValue]).network
        for traffic in [TrafficType.guest, .public, .management] {
            _ = try await infra.addTrafficType(caller: caller, physicalNetworkID: physical.uuid, trafficType: traffic.rawValue, kvmLabel: nil, vlan: nil, isolationMethod: nil)
        }
        _ = try await infra.updatePhysicalNetwork(caller: caller, id: physical.uuid, state: PhysicalNetworkState.enabled.rawValue, vlan: "1000-1999",
                                                  networkSpeed: nil, tags: nil)
        let providers = try await infra.listProviders(physicalNetworkID: physical.uuid, name: "VirtualRouter", state: nil, page: (0, nil))
        for provider in providers.items {
            for element in try await infra.listElements(id: nil, providerID: provider.provider.uuid, enabled: nil, page: (0, nil)).items {
                _ = try await infra.configureElement(caller: caller, id: element.element.uuid, enabled: true)
            }
            _ = try await infra.updateProvider(caller: caller, id: provider.provider.uuid, state: PhysicalNetworkState.enabled.rawValue, services: nil)
        }
        let pod = try await infra.createPod(caller: caller, zoneID: zone.uuid, name: "Sandbox-pod", gateway: "172.16.0.1", netmask: "255.255.255.0",
                                            startIP: "172.16.0.10", endIP: "172.16.0.100", allocationState: nil).pod
        _ = try await infra.createVlanIPRange(caller: caller, VlanIPRangeSpec(
            zoneID: zone.uuid, podID: nil, physicalNetworkID: physical.uuid, networkID: nil, vlan: "untagged", gateway: "192.0.2.1",
            netmask: "255.255.255.0", startIP: "192.0.2.10", endIP: "192.0.2.250", forVirtualNetwork: true, forSystemVMs: nil,
            accountName: nil, domainID: nil, projectID: nil, hasIPv6: false))
        let cluster = try await infra.addCluster(caller: caller, zoneID: zone.uuid, podID: pod.uuid, name: "Sandbox-cluster",
                                                 hypervisor: HypervisorType.simulator.rawValue, clusterType: "CloudManaged", allocationState: nil).cluster
        for index in 0..<2 {
            _ = try await engine.hosts.add(caller: caller, AddHostRequest(
                zoneID: zone.uuid, podID: pod.uuid, clusterID: cluster.uuid, clusterName: nil, hypervisor: HypervisorType.simulator.rawValue,
                url: "http://sim/c0/h\(index)", allocationState: nil, hostTags: nil))
        }
        let primaryDirectory = (dataDirectory as NSString).appendingPathComponent("primary")
        _ = try await infra.createStoragePool(caller: caller, StoragePoolSpec(
            zoneID: zone.uuid, podID: pod.uuid, clusterID: cluster.uuid, name: "Sandbox-primary", url: "SharedMountPoint://" + primaryDirectory,
            tags: [], provider: nil, scope: StoragePoolScope.cluster.rawValue, managed: nil, capacityIOPS: nil,
            capacityBytes: 2 * 1024 * 1024 * 1024 * 1024, hypervisor: nil))
        let secondaryDirectory = (dataDirectory as NSString).appendingPathComponent("secondary")
        _ = try await infra.addImageStore(caller: caller, name: "Sandbox-secondary", url: "file://" + secondaryDirectory, zoneID: zone.uuid, provider: "NFS")
        _ = try await engine.templates.ensureBuiltInTemplate(zoneID: zone.id)
        let enabled = try await infra.updateZone(caller: caller, id: zone.uuid, ZoneSpec(allocationState: AllocationState.enabled.rawValue)).zone
        logger.info("Demo Simulator zone ready", metadata: ["zone": "\(name)", "id": "\(zone.uuid.uuidString.lowercased())",
                                                           "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))"])
        return enabled
    }
}
