import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// The offerings CloudStack installs, under their CloudStack names.
extension OfferingService {
    /// Creates every default offering that was never created before (by its unique name),
    /// so it is safe on every start and does not bring back offerings an admin deleted.
    /// Two servers starting at once may race on PostgreSQL: the loser's unique-name
    /// violation is retried once, and then finds everything present.
    public func seedDefaults() async throws {
        do {
            try await db.transaction { sql in try await Self.seed(sql) }
        } catch {
            try await db.transaction { sql in try await Self.seed(sql) }
        }
    }

    static func seed(_ sql: any SQLDatabase) async throws {
        for (unique, offering, disk) in computeDefaults() where try await !OfferingRepository.seeded(sql, kind: .service, uniqueName: unique) {
            let d = try await DiskOfferingRepository.insert(sql, disk)
            var o = offering
            o.uniqueName = unique
            o.diskOfferingID = d.id
            _ = try await ServiceOfferingRepository.insert(sql, o)
        }
        for (unique, disk) in diskDefaults() where try await !OfferingRepository.seeded(sql, kind: .disk, uniqueName: unique) {
            _ = try await DiskOfferingRepository.insert(sql, disk, uniqueName: unique)
        }
        for offering in networkDefaults() where try await !OfferingRepository.seeded(sql, kind: .network, uniqueName: offering.name) {
            _ = try await NetworkOfferingRepository.insert(sql, offering)
        }
        for offering in vpcDefaults() where try await !OfferingRepository.seeded(sql, kind: .vpc, uniqueName: offering.name) {
            _ = try await VPCOfferingRepository.insert(sql, offering)
        }
    }

    /// Default compute offerings and the system offerings of system VMs, each with the
    /// compute-only disk offering of its ROOT volume.
    static func computeDefaults() -> [(String, ServiceOffering, DiskOffering)] {
        func make(_ unique: String, _ name: String, _ text: String, cpu: Int, speed: Int, memory: Int, system: SystemVMType? = nil,
                  offerHA: Bool = false) -> (String, ServiceOffering, DiskOffering) {
            let offering = ServiceOffering(name: name, displayText: text, cpuNumber: cpu, cpuSpeed: speed, memory: memory, offerHA: offerHA,
                                           isSystem: system != nil, systemVMType: system, defaultUse: system != nil)
            return (unique, offering, DiskOffering(name: name, displayText: text, computeOnly: true))
        }
        return [
            make("Cloud.Com-SmallInstance", "Small Instance", "Small Instance", cpu: 1, speed: 500, memory: 512),
            make("Cloud.Com-MediumInstance", "Medium Instance", "Medium Instance", cpu: 1, speed: 1000, memory: 1024),
            make("Cloud.Com-SoftwareRouter", "System Offering For Software Router", "System Offering For Software Router",
                 cpu: 1, speed: 500, memory: 512, system: .domainRouter, offerHA: true),
            make("Cloud.com-ConsoleProxy", "System Offering For Console Proxy", "System Offering For Console Proxy",
                 cpu: 1, speed: 500, memory: 1024, system: .consoleProxy, offerHA: true),
            make("Cloud.com-SecondaryStorage", "System Offering For Secondary Storage VM", "System Offering For Secondary Storage VM",
                 cpu: 1, speed: 500, memory: 512, system: .secondaryStorageVM, offerHA: true),
            make("Cloud.Com-InternalLBVm", "System Offering For Internal LB VM", "System Offering For Internal LB VM",
                 cpu: 1, speed: 256, memory: 256, system: .internalLoadBalancerVM, offerHA: true),
        ]
    }

    static func diskDefaults() -> [(String, DiskOffering)] {
        [
            ("Cloud.com-Disk-Small", DiskOffering(name: "Small", displayText: "Small Disk, 5 GB", diskSizeGB: 5)),
            ("Cloud.com-Disk-Medium", DiskOffering(name: "Medium", displayText: "Medium Disk, 20 GB", diskSizeGB: 20)),
            ("Cloud.com-Disk-Large", DiskOffering(name: "Large", displayText: "Large Disk, 100 GB", diskSizeGB: 100)),
            ("Cloud.com-Disk-Custom", DiskOffering(name: "Custom", displayText: "Custom Disk", isCustomized: true)),
        ]
    }

    static func networkDefaults() -> [NetworkOffering] {
        let vr = NetworkProvider.virtualRouter
        let vpcVR = NetworkProvider.vpcVirtualRouter
        func offering(_ name: String, _ text: String, _ type: GuestIPType?, traffic: OfferingTrafficType = .guest, services: [(NetworkService, [NetworkProvider])] = [],
                      specifyVlan: Bool = false, specifyIPRanges: Bool = false, conserveMode: Bool = true, availability: NetworkOfferingAvailability = .optional,
                      forVPC: Bool = false, systemOnly: Bool = false, capabilities: [ServiceCapability] = []) -> NetworkOffering {
            NetworkOffering(name: name, uniqueName: name, displayText: text, guestIPType: type, trafficType: traffic, specifyVlan: specifyVlan,
                            specifyIPRanges: specifyIPRanges, conserveMode: conserveMode, availability: availability, state: .enabled, forVPC: forVPC,
                            isDefault: true, systemOnly: systemOnly, services: ServiceProviderMap(services), capabilities: capabilities)
        }
        let shared: [(NetworkService, [NetworkProvider])] = [(.dhcp, [vr]), (.dns, [vr]), (.userData, [vr])]
        let isolatedSNAT: [(NetworkService, [NetworkProvider])] = [(.dhcp, [vr]), (.dns, [vr]), (.userData, [vr]), (.firewall, [vr]), (.gateway, [vr]),
                                                                    (.lb, [vr]), (.sourceNat, [vr]), (.staticNat, [vr]), (.portForwarding, [vr]), (.vpn, [vr])]
        let vpcNoLB: [(NetworkService, [NetworkProvider])] = [(.dhcp, [vpcVR]), (.dns, [vpcVR]), (.userData, [vpcVR]), (.networkACL, [vpcVR]), (.gateway, [vpcVR]),
                                                               (.sourceNat, [vpcVR]), (.staticNat, [vpcVR]), (.portForwarding, [vpcVR]), (.vpn, [vpcVR])]
        let vpcInternalLB: [(NetworkService, [NetworkProvider])] = [(.dhcp, [vpcVR]), (.dns, [vpcVR]), (.userData, [vpcVR]), (.networkACL, [vpcVR]),
                                                                     (.gateway, [vpcVR]), (.lb, [.internalLbVm]), (.sourceNat, [vpcVR])]
        return [
            offering("QuickCloudNoServices", "Offering for QuickCloud with no services", .shared, specifyVlan: true, specifyIPRanges: true),
            offering("DefaultSharedNetworkOfferingWithSGService", "Offering for Shared Security group enabled networks", .shared,
                     services: shared + [(.securityGroup, [.securityGroupProvider])], specifyVlan: true, specifyIPRanges: true),
            offering("DefaultSharedNetworkOffering", "Offering for Shared networks", .shared, services: shared, specifyVlan: true, specifyIPRanges: true),
            offering("DefaultIsolatedNetworkOfferingWithSourceNatService", "Offering for Isolated networks with Source Nat service enabled", .isolated,
                     services: isolatedSNAT, availability: .required),
            offering("DefaultIsolatedNetworkOfferingForVpcNetworks", "Offering for Isolated VPC networks with Source Nat service enabled", .isolated,
                     services: vpcNoLB + [(.lb, [vpcVR])], conserveMode: false, forVPC: true),
            offering("DefaultIsolatedNetworkOfferingForVpcNetworksNoLB", "Offering for Isolated VPC networks with Source Nat service enabled and LB service disabled",
                     .isolated, services: vpcNoLB, conserveMode: false, forVPC: true),
            offering("DefaultIsolatedNetworkOffering", "Offering for Isolated networks with no Source Nat service", .isolated, services: shared,
                     specifyVlan: true, specifyIPRanges: true),
            offering("DefaultIsolatedNetworkOfferingForVpcNetworksWithInternalLB", "Offering for Isolated VPC networks with Internal Lb support", .isolated,
                     services: vpcInternalLB, conserveMode: false, forVPC: true, capabilities: [ServiceCapability(service: .lb, name: "LbSchemes", value: "internal")]),
            offering("DefaultL2NetworkOffering", "Offering for L2 networks", .l2),
            offering("DefaultL2NetworkOfferingVlan", "Offering for L2 networks VLAN", .l2, specifyVlan: true),
            offering("DefaultL2NetworkOfferingConfigDrive", "Offering for L2 networks with config drive user data", .l2, services: [(.userData, [.configDrive])]),
            offering("DefaultL2NetworkOfferingConfigDriveVlan", "Offering for L2 networks with config drive user data VLAN", .l2,
                     services: [(.userData, [.configDrive])], specifyVlan: true),
            offering("System-Public-Network", "System Offering for System-Public-Network", nil, traffic: .publicTraffic, systemOnly: true),
            offering("System-Management-Network", "System Offering for System-Management-Network", nil, traffic: .management, systemOnly: true),
            offering("System-Control-Network", "System Offering for System-Control-Network", nil, traffic: .control, systemOnly: true),
            offering("System-Storage-Network", "System Offering for System-Storage-Network", nil, traffic: .storage, systemOnly: true),
            offering("System-Guest-Network", "System Offering for System-Guest-Network", .isolated, systemOnly: true),
            offering("System-Private-Gateway-Network-Offering", "System Offering for System-Private-Gateway-Network-Offering", .isolated,
                     specifyVlan: true, systemOnly: true),
        ]
    }

    static func vpcDefaults() -> [VPCOffering] {
        var services = ServiceProviderMap()
        for service in defaultVPCServices {
            services.add(service, .vpcVirtualRouter)
            if service == .lb { services.add(service, .internalLbVm) }
        }
        return [
            VPCOffering(name: "Default VPC offering", uniqueName: "Default VPC offering", displayText: "Default VPC offering", state: .enabled,
                        isDefault: true, services: services),
            VPCOffering(name: "Redundant VPC offering", uniqueName: "Redundant VPC offering", displayText: "Redundant VPC offering", state: .enabled,
                        isDefault: true, services: services, capabilities: [ServiceCapability(service: .sourceNat, name: "RedundantRouter", value: "true")]),
        ]
    }
}
