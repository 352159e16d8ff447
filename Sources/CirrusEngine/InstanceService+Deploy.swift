import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension InstanceService {
    /// Everything a deploy resolved before it writes anything.
    struct ResolvedDeploy {
        var owner: Account
        var zone: Zone
        var offering: ServiceOffering
        var rootDiskOffering: DiskOffering
        var template: Template
        var templateSize: Int64
        var dataDiskOffering: DiskOffering?
        var dataDiskSize: Int64
        var rootSize: Int64
        var shape: InstanceShape
        var hostName: String
        var displayName: String
    }

    /// The synchronous half of `deployVirtualMachine`: validates everything, then writes the
    /// instance (Stopped), its ROOT volume and any data disk (Allocated) and the Created event
    /// in one transaction. Nothing is written when any check fails.
    public func allocate(caller: Caller, _ r: DeployRequest) async throws -> VirtualMachine {
        let suffix = try await config.value(Settings.instanceNameSuffix)
        // User data limits depend on the request method (GET or POST) and a setting.
        let inlineUserData = try await r.userData.asyncMap { try await self.userData.validate(base64: $0, method: r.isPost ? .post : .get) }
        let generated = try await generatePassword()
        let networkDefaults = try await networks.defaults()
        let securityGroupDefaultAdding = try await config.bool(Settings.securityGroupDefaultAdding)
        return try await db.transaction { sql in
            let d = try await self.resolve(sql, caller: caller, r)
            let keys = try await KeyPairService.resolve(sql, names: r.keyPairs, owner: d.owner)
            let data = try await UserDataService.resolveForDeploy(sql, owner: d.owner.id, inline: inlineUserData, userDataID: r.userDataID,
                                                                  details: r.userDataDetails, template: d.template)
            let groups = try await AffinityGroupService.resolve(sql, ids: r.affinityGroupIDs, names: r.affinityGroupNames, owner: d.owner.id)
            let now = Date()
            var vm = VirtualMachine(instanceName: "", displayName: d.displayName, hostName: d.hostName, accountID: d.owner.id, domainID: d.owner.domainID,
                                    userID: caller.user.id, zoneID: d.zone.id,
                                    templateID: d.template.id, serviceOfferingID: d.offering.id, diskOfferingID: d.rootDiskOffering.id, cpu: d.shape.cpu,
                                    cpuSpeed: d.shape.cpuSpeed, memory: d.shape.memory, haEnabled: d.offering.offerHA, displayVM: r.displayVM ?? true,
                                    limitCPUUse: d.offering.limitCPUUse,
                                    dynamicallyScalable: (r.dynamicallyScalable ?? d.template.isDynamicallyScalable) && d.offering.dynamicScalingEnabled,
                                    osTypeID: d.template.osTypeID, hypervisorType: HypervisorType(caseInsensitive: d.template.hypervisor ?? "") ?? .simulator,
                                    group: r.group, password: d.template.passwordEnabled ? generated : nil, keyPairs: keys.map(\.name), userData: data.base64, userDataID: data.userDataID,
                                    userDataDetails: r.userDataDetails,
                                    details: r.details.filter { !InstanceShape.detailKeys.contains($0.key.lowercased()) }, created: now)
            vm = try await VirtualMachineRepository.insert(sql, vm, nameSuffix: suffix)
            try await AffinityGroupService.addMembers(sql, instanceID: vm.id, groups: groups)
            // NICs: the named networks (or the account's default one), each with a guest address.
            let requestedIDs = r.ipToNetwork.isEmpty ? r.networkIDs : r.ipToNetwork.map(\.networkID)
            let ids = try await SecurityGroupService.networkIDsForDeploy(sql, zone: d.zone, owner: d.owner, requested: requestedIDs)
            let guestNetworks = try await self.networks.networksForDeploy(sql, caller: caller, owner: d.owner, zone: d.zone, ids: ids, defaults: networkDefaults)
            let securityGroups = try await SecurityGroupService.resolveForDeploy(sql, zone: d.zone, networks: guestNetworks, ids: r.securityGroupIDs,
                                                                                 names: r.securityGroupNames, owner: d.owner, defaultAdding: securityGroupDefaultAdding)
            try await SecurityGroupService.addMembers(sql, instanceID: vm.id, groups: securityGroups)
            var requested: [Int64: String] = [:]
            for (i, entry) in r.ipToNetwork.enumerated() { if let ip = entry.ip { requested[guestNetworks[i].id] = ip } }
            if let ip = r.ipAddress {
                guard let first = guestNetworks.first else { throw CloudError.invalidParameter("ipaddress needs a guest network") }
                requested[first.id] = ip
            }
            _ = try await GuestNetworkService.allocateNics(sql, instanceID: vm.id, networks: guestNetworks, requested: requested)
            var volumes: [Volume] = []
            volumes.append(try await VolumeRepository.insert(sql, Volume(name: "ROOT-\(vm.id)", type: .root, accountID: vm.accountID, domainID: vm.domainID,
                                                              zoneID: vm.zoneID, instanceID: vm.id, deviceID: 0, diskOfferingID: d.rootDiskOffering.id,
                                                              templateID: d.template.id, size: d.rootSize, provisioningType: d.rootDiskOffering.provisioningType,
                                                              format: d.template.format.rawValue, hypervisorType: vm.hypervisorType, created: now)))
            if let data = d.dataDiskOffering {
                volumes.append(try await VolumeRepository.insert(sql, Volume(name: "DATA-\(vm.id)", type: .dataDisk, accountID: vm.accountID, domainID: vm.domainID,
                                                                  zoneID: vm.zoneID, instanceID: vm.id, deviceID: 1, diskOfferingID: data.id,
                                                                  size: d.dataDiskSize, minIOPS: data.minIOPS, maxIOPS: data.maxIOPS,
                                                                  provisioningType: data.provisioningType, hypervisorType: vm.hypervisorType, created: now)))
            }
            // Limits first (account, then every domain above it): a refusal rolls everything back.
            try await self.limits.reserve(sql, accountID: vm.accountID, Self.limitDeltas(vm, volumes: volumes))
            try await self.recordUsage(sql, UsageEventType.vmCreate, vm)
            for v in volumes { try await self.recordUsage(sql, UsageEventType.volumeCreate, v) }
            try await self.events.record(sql, type: EventType.vmCreate, state: .created, description: "Successfully created VM instance \(vm.instanceName)",
                                         userID: caller.user.id, accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
            return vm
        }
    }

    /// Resolves and checks every input of a deploy, in CloudStack's order.
    func resolve(_ sql: any SQLDatabase, caller: Caller, _ r: DeployRequest) async throws -> ResolvedDeploy {
        let owner = try await IdentityService.owner(sql, caller: caller, accountName: r.accountName, domainID: r.domainID)
        guard owner.state == .enabled || caller.isRootAdmin else {
            throw CloudError.permissionDenied("The owner of the vm to deploy is disabled: account \(owner.name)")
        }
        guard let ownerDomain = try await DomainRepository.find(sql, id: owner.domainID) else { throw CloudError.internalError() }

        let zone = try await Lookup.zone(sql, r.zoneID)
        if zone.allocationState == .disabled && !caller.isRootAdmin {
            throw CloudError.permissionDenied("Cannot perform this operation, Zone is currently disabled: \(zone.uuid.uuidString.lowercased())")
        }

        guard let offering = try await ServiceOfferingRepository.find(sql, uuid: r.serviceOfferingID), !offering.isSystem else {
            throw CloudError.invalidParameter("Unable to find service offering: \(r.serviceOfferingID.uuidString.lowercased())")
        }
        guard offering.state == .active else {
            throw CloudError.invalidParameter("Service offering \(offering.name) is not active and cannot be used to deploy an instance")
        }
        try await Self.checkOfferingScope(sql, kind: .service, id: offering.id, name: "Service offering \(offering.name)", owner: owner, domain: ownerDomain, zone: zone)

        guard let template = try await TemplateRepository.find(sql, uuid: r.templateID) else {
            throw CloudError.invalidParameter("Unable to use template \(r.templateID.uuidString.lowercased())")
        }
        guard template.format != .iso else {
            throw CloudError.invalidParameter("Deploying from an ISO needs a disk offering for the ROOT volume; give a template id instead")
        }
        try await checkTemplateAccess(sql, caller: caller, template: template, owner: owner)
        let templateSize = try await readyTemplateSize(sql, template, zone: zone)

        guard let rootDiskOffering = try await DiskOfferingRepository.find(sql, id: offering.diskOfferingID) else { throw CloudError.internalError() }

        let shape = try InstanceShape.resolve(offering: offering, details: r.details)
        let rootSize = try Self.rootSize(templateSize: templateSize, offering: rootDiskOffering, requestedGB: r.rootDiskSize)

        var dataOffering: DiskOffering?
        var dataSize: Int64 = 0
        if let id = r.diskOfferingID {
            guard let d = try await DiskOfferingRepository.find(sql, uuid: id), !d.computeOnly else {
                throw CloudError.invalidParameter("Unable to find disk offering by id \(id.uuidString.lowercased())")
            }
            guard d.state == .active else { throw CloudError.invalidParameter("Disk offering \(d.name) is not active") }
            try await Self.checkOfferingScope(sql, kind: .disk, id: d.id, name: "Disk offering \(d.name)", owner: owner, domain: ownerDomain, zone: zone)
            if d.isCustomized {
                guard let gb = r.size, gb > 0 else {
                    throw CloudError.invalidParameter("This disk offering requires a custom size specified")
                }
                let minGB = try await config.int(Settings.customDiskOfferingMinSize), maxGB = try await config.int(Settings.customDiskOfferingMaxSize)
                guard gb >= Int64(minGB) && gb <= Int64(maxGB) else {
                    throw CloudError.invalidParameter("Volume size: \(gb)GB is out of allowed range. Max: \(maxGB) Min:\(minGB)")
                }
                dataSize = gb << 30
            } else {
                dataSize = d.diskSizeGB << 30
            }
            dataOffering = d
        } else if r.size != nil {
            throw CloudError.invalidParameter("The size parameter needs a disk offering (diskofferingid)")
        }

        let hostName: String
        if let name = r.name, !name.isEmpty {
            try Self.validateHostName(name)
            hostName = name
        } else {
            hostName = "VM-" + UUID().uuidString.lowercased()
        }
        let displayName = r.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? hostName
        guard displayName.count <= 255 else { throw CloudError.invalidParameter("The display name may have at most 255 characters") }
        if !r.networkIDs.isEmpty && !r.ipToNetwork.isEmpty {
            throw CloudError.invalidParameter("networkids and iptonetworklist can't be given together")
        }
        return ResolvedDeploy(owner: owner, zone: zone, offering: offering, rootDiskOffering: rootDiskOffering, template: template, templateSize: templateSize,
                              dataDiskOffering: dataOffering, dataDiskSize: dataSize, rootSize: rootSize, shape: shape,
                              hostName: hostName, displayName: displayName)
    }

    /// An offering limited to domains or zones must include the owner's domain (or one above
    /// it) and the zone.
    static func checkOfferingScope(_ sql: any SQLDatabase, kind: OfferingKind, id: Int64, name: String, owner: Account, domain: Domain, zone: Zone) async throws {
        let scope = try await OfferingRepository.scopes(sql, kind: kind, ids: [id])[id] ?? .everywhere
        if !scope.zoneIDs.isEmpty && !scope.zoneIDs.contains(zone.id) {
            throw CloudError.invalidParameter("\(name) is not available in zone \(zone.name)")
        }
        if !scope.domainIDs.isEmpty {
            let paths = try await DomainRepository.find(sql, ids: Set(scope.domainIDs)).values.map(\.path)
            guard OfferingScope.isVisible(toDomainPath: domain.path, domainPaths: paths) else {
                throw CloudError.permissionDenied("\(name) is not available to account \(owner.name)")
            }
        }
    }

    /// A template may be used by its owner, by accounts it is shared with, by everyone when
    /// public, and by admins over its owner's domain.
    /// The size of `template` as downloaded to `zone`; refused when it is not ready there.
    func readyTemplateSize(_ sql: any SQLDatabase, _ template: Template, zone: Zone) async throws -> Int64 {
        let refs = try await TemplateRepository.refs(sql, templateIDs: [template.id])[template.id] ?? []
        guard let ref = refs.first(where: { $0.state == .downloaded && ($0.zoneID == nil || $0.zoneID == zone.id) }) else {
            throw CloudError.invalidParameter("Template \(template.name) has not been completely downloaded to zone \(zone.uuid.uuidString.lowercased())")
        }
        return max(ref.size, ref.physicalSize)
    }

    /// The size of a ROOT volume: the template's, or the offering's fixed disk size when larger,
    /// or `rootdisksize` (GB), which may not be smaller than the template.
    static func rootSize(templateSize: Int64, offering: DiskOffering, requestedGB: Int64?) throws -> Int64 {
        var size = templateSize
        if offering.diskSizeGB > 0 && !offering.isCustomized { size = max(size, offering.diskSizeGB << 30) }
        if let gb = requestedGB {
            guard gb > 0 else { throw CloudError.invalidParameter("Root disk size should be a positive number") }
            guard (gb << 30) >= templateSize else {
                throw CloudError.invalidParameter("Root disk size \(gb)GB is smaller than the template size \(templateSize >> 30)GB; it cannot be shrunk")
            }
            size = gb << 30
        }
        return size
    }

    func checkTemplateAccess(_ sql: any SQLDatabase, caller: Caller, template: Template, owner: Account) async throws {
        if template.isPublic || template.accountID == owner.id || caller.isRootAdmin { return }
        if try await TemplateRepository.permittedAccounts(sql, templateID: template.id).contains(owner.id) { return }
        if caller.isDomainAdmin, let d = try await DomainRepository.find(sql, id: template.domainID), caller.administers(domainPath: d.path) { return }
        throw CloudError.permissionDenied("Account \(owner.name) does not have permission to use template \(template.uuid.uuidString.lowercased())")
    }
}
