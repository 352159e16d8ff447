import CirrusModel
import Foundation
import Testing

@Suite("Offering rules")
struct OfferingRulesTests {
    @Test("a fixed compute offering needs cpunumber and memory, positive, without bounds")
    func fixedCompute() throws {
        let shape = try OfferingRules.computeShape(cpuNumber: 2, cpuSpeed: 1000, memory: 2048, customized: nil, minCPU: nil, maxCPU: nil, minMemory: nil, maxMemory: nil)
        #expect(shape == ComputeShape(cpuNumber: 2, cpuSpeed: 1000, memory: 2048))
        #expect(throws: CloudError.self) { try OfferingRules.computeShape(cpuNumber: 0, cpuSpeed: 1000, memory: 512, customized: nil, minCPU: nil, maxCPU: nil, minMemory: nil, maxMemory: nil) }
        #expect(throws: CloudError.self) { try OfferingRules.computeShape(cpuNumber: 1, cpuSpeed: -5, memory: 512, customized: nil, minCPU: nil, maxCPU: nil, minMemory: nil, maxMemory: nil) }
        #expect(throws: CloudError.self) { try OfferingRules.computeShape(cpuNumber: 1, cpuSpeed: 500, memory: 16, customized: nil, minCPU: nil, maxCPU: nil, minMemory: nil, maxMemory: nil) }
        // customized=false with only cpunumber: memory is missing.
        #expect(throws: CloudError.self) { try OfferingRules.computeShape(cpuNumber: 1, cpuSpeed: 500, memory: nil, customized: false, minCPU: nil, maxCPU: nil, minMemory: nil, maxMemory: nil) }
        // Bounds belong to custom offerings only.
        #expect(throws: CloudError.self) { try OfferingRules.computeShape(cpuNumber: 1, cpuSpeed: 500, memory: 512, customized: false, minCPU: 1, maxCPU: 2, minMemory: 512, maxMemory: 1024) }
    }

    @Test("a custom compute offering takes all four bounds or none, with min ≤ max")
    func customCompute() throws {
        let open = try OfferingRules.computeShape(cpuNumber: nil, cpuSpeed: nil, memory: nil, customized: nil, minCPU: nil, maxCPU: nil, minMemory: nil, maxMemory: nil)
        #expect(open.isCustomized && open.cpuNumber == nil && open.minCPUNumber == nil)
        let bounded = try OfferingRules.computeShape(cpuNumber: nil, cpuSpeed: 1000, memory: nil, customized: true, minCPU: 1, maxCPU: 4, minMemory: 512, maxMemory: 4096)
        #expect(bounded == ComputeShape(cpuSpeed: 1000, isCustomized: true, minCPUNumber: 1, maxCPUNumber: 4, minMemory: 512, maxMemory: 4096))
        #expect(throws: CloudError.self) { try OfferingRules.computeShape(cpuNumber: nil, cpuSpeed: nil, memory: nil, customized: true, minCPU: 4, maxCPU: 2, minMemory: 512, maxMemory: 1024) }
        #expect(throws: CloudError.self) { try OfferingRules.computeShape(cpuNumber: nil, cpuSpeed: nil, memory: nil, customized: true, minCPU: 1, maxCPU: 2, minMemory: 2048, maxMemory: 1024) }
        #expect(throws: CloudError.self) { try OfferingRules.computeShape(cpuNumber: nil, cpuSpeed: nil, memory: nil, customized: true, minCPU: 1, maxCPU: 2, minMemory: nil, maxMemory: nil) }
        #expect(throws: CloudError.self) { try OfferingRules.computeShape(cpuNumber: 2, cpuSpeed: nil, memory: 1024, customized: true, minCPU: nil, maxCPU: nil, minMemory: nil, maxMemory: nil) }
    }

    @Test("IOPS, disk size and rates are checked")
    func diskRules() throws {
        try OfferingRules.iops(min: 100, max: 200, customized: false)
        #expect(throws: CloudError.self) { try OfferingRules.iops(min: 300, max: 200, customized: false) }
        #expect(throws: CloudError.self) { try OfferingRules.iops(min: 100, max: nil, customized: true) }
        #expect(try OfferingRules.diskSize(20, customized: false, bounds: 1...1024) == 20)
        #expect(try OfferingRules.diskSize(nil, customized: true, bounds: 1...1024) == 0)
        #expect(throws: CloudError.self) { try OfferingRules.diskSize(nil, customized: false, bounds: 1...1024) }
        #expect(throws: CloudError.self) { try OfferingRules.diskSize(0, customized: false, bounds: 1...1024) }
        #expect(throws: CloudError.self) { try OfferingRules.diskSize(2048, customized: false, bounds: 1...1024) }
        var rates = DiskRates()
        rates["iopsreadrate"] = -1
        #expect(throws: CloudError.self) { try OfferingRules.rates(rates) }
        rates["iopsreadrate"] = 500
        try OfferingRules.rates(rates)
        #expect(rates.iopsReadRate == 500)
        #expect(OfferingRules.tags(" ssd , ,fast ") == "ssd,fast")
        #expect(OfferingRules.tags(" , ") == nil)
        #expect(try OfferingRules.parse("SPARSE", as: ProvisioningType.self, parameter: "provisioningtype") == .sparse)
        #expect(throws: CloudError.self) { try OfferingRules.parse("thick", as: ProvisioningType.self, parameter: "provisioningtype") }
        #expect(throws: CloudError.self) { try OfferingRules.parse("BestFit", as: DeploymentPlannerName.self, parameter: "deploymentplanner") }
    }

    @Test("services get default providers; unknown names and unable providers are refused")
    func serviceProviders() throws {
        let map = try ServiceProviderMap.parse(supportedServices: ["dhcp", "Dns", "SourceNat"],
                                               providerList: [["service": "Dhcp", "provider": "virtualrouter"]], forVPC: false)
        #expect(map.services == [.dhcp, .dns, .sourceNat])
        #expect(map.providers(of: .dns) == [.virtualRouter])
        let vpc = try ServiceProviderMap.parse(supportedServices: ["Lb", "NetworkACL"], providerList: [["service": "Lb", "provider": "InternalLbVm"]], forVPC: true)
        #expect(vpc.providers(of: .lb) == [.internalLbVm])
        #expect(vpc.providers(of: .networkACL) == [.vpcVirtualRouter])
        #expect(throws: CloudError.self) { try ServiceProviderMap.parse(supportedServices: ["Teleport"], providerList: [], forVPC: false) }
        #expect(throws: CloudError.self) { try ServiceProviderMap.parse(supportedServices: ["Dhcp"], providerList: [["service": "Dhcp", "provider": "Acme"]], forVPC: false) }
        #expect(throws: CloudError.self) { try ServiceProviderMap.parse(supportedServices: ["Dhcp"], providerList: [["service": "Dhcp", "provider": "SecurityGroupProvider"]], forVPC: false) }
        #expect(throws: CloudError.self) { try ServiceProviderMap.parse(supportedServices: ["Dhcp"], providerList: [["service": "Dns", "provider": "VirtualRouter"]], forVPC: false) }
        #expect(throws: CloudError.self) { try ServiceProviderMap.parse(supportedServices: ["Dhcp"], providerList: [["service": "Dhcp", "provider": "VirtualRouter"]], forVPC: true) }
    }

    @Test("capabilities must belong to an offered service and have a valid value")
    func capabilities() throws {
        let map = try ServiceProviderMap.parse(supportedServices: ["SourceNat", "Lb"], providerList: [], forVPC: false)
        let caps = try ServiceCapabilityRules.parse([["service": "SourceNat", "capabilitytype": "SupportedSourceNatTypes", "capabilityvalue": "perzone"]], services: map)
        #expect(caps == [ServiceCapability(service: .sourceNat, name: "SupportedSourceNatTypes", value: "perzone")])
        #expect(throws: CloudError.self) { try ServiceCapabilityRules.parse([["service": "StaticNat", "capabilitytype": "ElasticIp", "capabilityvalue": "true"]], services: map) }
        #expect(throws: CloudError.self) { try ServiceCapabilityRules.parse([["service": "SourceNat", "capabilitytype": "SupportedSourceNatTypes", "capabilityvalue": "sometimes"]], services: map) }
        #expect(throws: CloudError.self) { try ServiceCapabilityRules.parse([["service": "Lb", "capabilitytype": "Teleport", "capabilityvalue": "true"]], services: map) }
    }

    @Test("guest types restrict services and flags")
    func networkOfferingCombinations() throws {
        let l2 = try ServiceProviderMap.parse(supportedServices: ["Dhcp"], providerList: [], forVPC: false)
        #expect(throws: CloudError.self) { try NetworkOffering.validate(guestIPType: .l2, services: l2, specifyVlan: false, specifyIPRanges: false, forVPC: false) }
        let snat = try ServiceProviderMap.parse(supportedServices: ["SourceNat", "Dhcp"], providerList: [], forVPC: false)
        #expect(throws: CloudError.self) { try NetworkOffering.validate(guestIPType: .shared, services: snat, specifyVlan: true, specifyIPRanges: true, forVPC: false) }
        try NetworkOffering.validate(guestIPType: .isolated, services: snat, specifyVlan: false, specifyIPRanges: false, forVPC: false)
        let shared = try ServiceProviderMap.parse(supportedServices: ["Dhcp"], providerList: [], forVPC: false)
        // Since 4.17 a Shared offering may leave the VLAN to the zone.
        try NetworkOffering.validate(guestIPType: .shared, services: shared, specifyVlan: false, specifyIPRanges: true, forVPC: false)
        let vpcTier = try ServiceProviderMap.parse(supportedServices: ["NetworkACL", "SourceNat"], providerList: [], forVPC: true)
        #expect(throws: CloudError.self) { try NetworkOffering.validate(guestIPType: .isolated, services: vpcTier, specifyVlan: false, specifyIPRanges: false, forVPC: false) }
        try VPCOffering.validate(vpcTier)
        #expect(throws: CloudError.self) { try VPCOffering.validate(try ServiceProviderMap.parse(supportedServices: ["Dhcp", "NetworkACL"], providerList: [], forVPC: true)) }
    }

    @Test("a domain-limited offering is visible to its domains and their sub-domains only")
    func visibility() {
        #expect(OfferingScope.isVisible(toDomainPath: "/a/b/", domainPaths: []))
        #expect(OfferingScope.isVisible(toDomainPath: "/a/b/", domainPaths: ["/a/"]))
        #expect(OfferingScope.isVisible(toDomainPath: "/a/", domainPaths: ["/a/"]))
        #expect(!OfferingScope.isVisible(toDomainPath: "/a/", domainPaths: ["/a/b/"]))
        #expect(!OfferingScope.isVisible(toDomainPath: "/ab/", domainPaths: ["/a/"]))
    }
}
