import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension GuestNetworkService {
    /// Versions new routers get, read before a transaction.
    func routerVersions() async throws -> (template: String, software: String) {
        (try await config.value(Settings.routerTemplateVersion), try await config.value(Settings.routerSoftwareVersion))
    }

    /// Readies an instance's networks before it starts on `hostID`: each Allocated network is
    /// implemented (VNI, source NAT address, router), and the instance's NICs are Reserved
    /// with the network's broadcast URI.
    func prepare(instanceID: Int64, hostID: Int64) async throws {
        let nics = try await db.read { try await NicRepository.of($0, instanceIDs: [instanceID])[instanceID] ?? [] }
        for networkID in Set(nics.map(\.networkID)) {
            try await implement(networkID: networkID, hostID: hostID)
            await routerPusher.withLock { $0 }?(networkID)
        }
        try await db.transaction { sql in
            for var nic in nics {
                guard let n = try await NetworkRepository.find(sql, id: nic.networkID) else { continue }
                nic.state = .reserved
                nic.broadcastURI = n.broadcastURI
                nic.isolationURI = n.broadcastURI
                try await NicRepository.update(sql, nic)
            }
        }
    }

    /// Implements an Allocated network (CloudStack's `implementNetwork`): takes a VNI, a
    /// source NAT address when the offering has SourceNat, and makes its virtual router when a
    /// VirtualRouter provides any of its services — all in one transaction, so a failure
    /// (no VNI or address left) leaves it Allocated with nothing taken. Implemented and Setup
    /// networks are left as they are; concurrent callers implement it once.
    func implement(networkID: Int64, hostID: Int64?) async throws {
        let versions = try await routerVersions()
        try await db.transaction { sql in
            guard var n = try await NetworkRepository.find(sql, id: networkID), n.state == .allocated else { return }
            guard NetworkStateMachine.next(n.state, on: .implementNetwork) != nil else { return }
            // The state check-and-set settles races between servers and jobs.
            guard try await NetworkRepository.transition(sql, id: n.id, from: .allocated, to: .implemented) else { return }
            guard let offering = try await NetworkOfferingRepository.find(sql, id: n.networkOfferingID) else { throw CloudError.internalError() }
            if n.vpcID != nil { return try await self.implementTier(sql, &n, hostID: hostID, versions: versions) }
            guard let physicalID = n.physicalNetworkID, let physical = try await PhysicalNetworkRepository.find(sql, id: physicalID) else {
                throw CloudError.internalError("Network \(n.name) has no physical network")
            }
            let (vlan, uri) = try await Self.takeVnet(sql, network: n, physical: physical, accountID: n.accountID)
            n.vlan = vlan; n.broadcastURI = uri; n.state = .implemented
            var sourceNAT: VlanIPRangeRepository.Address?
            if offering.services.contains(.sourceNat) {
                sourceNAT = try await PublicIPRepository.of(sql, networkID: n.id).first(where: \.sourceNAT)
                if sourceNAT == nil {
                    sourceNAT = try await self.acquirePublicIP(sql, PublicIPRepository.Acquisition(zoneID: n.zoneID, accountID: n.accountID, domainID: n.domainID,
                                                                                                networkID: n.id, sourceNAT: true))
                }
            }
            if offering.services.entries.contains(where: { $0.providers.contains(.virtualRouter) }) {
                let count = n.redundant ? 2 : 1
                for i in 0..<count {
                    var router = try await RouterRepository.insert(sql, Router(
                        networkID: n.id, zoneID: n.zoneID, hostID: hostID, accountID: n.accountID, domainID: n.domainID, serviceOfferingID: offering.serviceOfferingID,
                        state: .running, isRedundant: n.redundant, redundantState: n.redundant ? (i == 0 ? .primary : .backup) : .unknown,
                        priority: n.redundant ? (i == 0 ? 100 : 99) : 0, publicIP: sourceNAT?.address,
                        linkLocalIP: "169.254.\(Int.random(in: 1...254)).\(Int.random(in: 1...254))",
                        templateVersion: versions.template, softwareVersion: versions.software, documentGeneration: 1))
                    router.guestIP = try await Self.addRouterGuestNic(sql, router: router, network: n)
                    try await RouterRepository.update(sql, router)
                    try await self.events.record(sql, type: EventType.routerCreate, state: .completed, description: "Created router \(router.name) for network \(n.name)",
                                                 userID: User.systemID, accountID: n.accountID, domainID: n.domainID,
                                                 resource: EventResource(type: "DomainRouter", uuid: router.uuid.uuidString.lowercased(), name: router.name))
                }
            }
            try await NetworkRepository.update(sql, n)
        }
    }

    /// The router's NIC on its guest network: a single router holds the gateway address; each
    /// of a redundant pair gets its own address (the gateway is their VRRP address). Returns
    /// the router's guest address.
    static func addRouterGuestNic(_ sql: any SQLDatabase, router: Router, network n: Network) async throws -> String? {
        guard n.guestType != .l2 else { return nil }
        if !n.redundant, let gw = n.gateway.flatMap(IPv4Address.init) {
            guard try await NicRepository.claim(sql, networkID: n.id, address: gw, nicID: nil, purpose: .gateway, at: Date()) else {
                throw CloudError.internalError("The gateway \(gw) of network \(n.name) is already taken")
            }
            var nic = Nic(ownerType: .domainRouter, instanceID: router.id, networkID: n.id, macAddress: newMACAddress(), ipv4Address: gw.description,
                          netmask: n.cidr.flatMap { IPv4CIDR($0) }?.netmask, gateway: n.gateway, broadcastURI: n.broadcastURI, isolationURI: n.broadcastURI,
                          deviceID: 0, isDefault: false, state: .reserved)
            nic = try await NicRepository.insert(sql, nic)
            try await NicRepository.assign(sql, networkID: n.id, address: gw.description, nicID: nic.id)
            return gw.description
        }
        return try await allocateNic(sql, instanceID: router.id, network: n, requested: nil, deviceID: 0, isDefault: false, ownerType: .domainRouter).ipv4Address
    }

    /// Takes a public address for an account (source NAT, `associateIpAddress`), counting it
    /// against `public_ip` and recording NET.IPASSIGN usage. Exhaustion is CloudStack's
    /// insufficient address capacity error.
    public func acquirePublicIP(_ sql: any SQLDatabase, _ a: PublicIPRepository.Acquisition) async throws -> VlanIPRangeRepository.Address {
        guard let ip = try await PublicIPRepository.take(sql, a, at: Date()) else {
            if let wanted = a.address {
                throw CloudError(.insufficientCapacity, "Public IP address \(wanted) is not free in the zone", csCode: .insufficientCapacity)
            }
            throw CloudError(.insufficientCapacity, "Insufficient address capacity: no free public IP address in the zone", csCode: .insufficientCapacity)
        }
        try await limits.reserve(sql, accountID: a.accountID, [.publicIP: 1])
        _ = try await usage.record(sql, UsageEvent(type: UsageEventType.ipAssign, accountID: a.accountID, domainID: a.domainID, zoneID: a.zoneID,
                                                   resourceID: ip.id, resourceUUID: ip.uuid, resourceName: ip.address,
                                                   resourceType: a.sourceNAT ? "SourceNat" : "VirtualNetwork"))
        return ip
    }

    /// Gives a public address back, uncounting it and recording NET.IPRELEASE usage.
    public func releasePublicIP(_ sql: any SQLDatabase, _ ip: VlanIPRangeRepository.Address) async throws {
        try await PublicIPRepository.release(sql, id: ip.id)
        guard let account = ip.accountID, let domain = ip.domainID else { return }
        try await limits.release(sql, accountID: account, [.publicIP: 1])
        _ = try await usage.record(sql, UsageEvent(type: UsageEventType.ipRelease, accountID: account, domainID: domain, zoneID: ip.zoneID,
                                                   resourceID: ip.id, resourceUUID: ip.uuid, resourceName: ip.address))
    }

    // MARK: - Delete, restart, update

    /// Checks a `deleteNetwork` before its job: the caller administers it and (unless
    /// `forced` by an admin) no instance has a NIC on it.
    public func checkDelete(caller: Caller, id: UUID, forced: Bool) async throws -> Network {
        let n = try await administered(caller: caller, id: id)
        if forced && !caller.isRootAdmin { throw CloudError.permissionDenied("Only root admins may delete a network with forced=true") }
        let inUse = try await db.read { try await NicRepository.userNicCount($0, networkID: n.id) }
        if inUse > 0 && !forced {
            throw CloudError.resourceInUse("Can't delete network \(n.name): \(inUse) instance NIC(s) are still on it; expunge or move the instances first")
        }
        return n
    }

    /// `deleteNetwork`: releases the VNI, every public address of the network, its routers and
    /// guest addresses, its grants and its count, in one transaction.
    public func delete(caller: Caller, id: UUID, forced: Bool) async throws {
        let n = try await checkDelete(caller: caller, id: id, forced: forced)
        try await db.transaction { sql in
            guard let current = try await NetworkRepository.find(sql, id: n.id) else { return }
            if try await NicRepository.userNicCount(sql, networkID: n.id) > 0 && !forced {
                throw CloudError.resourceInUse("Can't delete network \(n.name): instances still have NICs on it")
            }
            try await PublicIPService.removeRules(sql, networkID: n.id)
            try await self.teardown(sql, current)
            for nic in try await NicRepository.on(sql, networkID: n.id) { try await NicRepository.remove(sql, nicID: nic.id, at: Date()) }
            try await NicRepository.releaseAll(sql, networkID: n.id)
            try await NetworkPermissionRepository.removeAll(sql, networkID: n.id)
            try await NetworkRepository.markRemoved(sql, id: n.id, at: Date())
            if current.aclType == .account { try await self.limits.release(sql, accountID: current.accountID, [.network: 1]) }
        }
    }

    /// Gives back what implementation took: the VNI, the public addresses, the routers and
    /// their NICs.
    func teardown(_ sql: any SQLDatabase, _ n: Network) async throws {
        if let vlan = n.vlan.flatMap({ Int64($0) }), let physical = n.physicalNetworkID {
            try await GuestVnetRepository.release(sql, physicalNetworkID: physical, vnet: vlan)
        }
        if n.vpcID != nil {
            // A tier's addresses belong to its VPC: they lose the tier, not their owner.
            try await PublicIPRepository.unbindFromTier(sql, networkID: n.id)
            try await RouterRepository.bumpGeneration(sql, networkID: n.id)
        } else {
            for ip in try await PublicIPRepository.of(sql, networkID: n.id) { try await releasePublicIP(sql, ip) }
        }
        for r in try await RouterRepository.of(sql, networkID: n.id) {
            try await Self.releaseNics(sql, instanceID: r.id, ownerType: .domainRouter)
            try await RouterRepository.markRemoved(sql, id: r.id, at: Date())
        }
    }

    /// `restartNetwork`: with `cleanup` the routers are replaced by new ones (new guest NICs,
    /// same addresses); without it their rules are re-applied (a new document generation).
    /// `livepatch` brings the routers' software to the current version first.
    public func restart(caller: Caller, id: UUID, cleanup: Bool, livePatch: Bool) async throws -> NetworkView {
        let n = try await administered(caller: caller, id: id)
        guard n.state == .implemented || n.state == .setup else {
            throw CloudError.invalidParameter("Network \(n.name) is not implemented (state \(n.state.rawValue)); there is nothing to restart")
        }
        let versions = try await routerVersions()
        try await db.transaction { sql in
            var current = n
            if n.vpcID != nil {
                // A tier's routers are its VPC's: they re-apply their document (restartVPC replaces them).
                try await RouterRepository.bumpGeneration(sql, networkID: n.id)
            } else if cleanup && n.state == .implemented {
                // Shut down and implement again, keeping the VNI and public addresses: routers are rebuilt.
                for r in try await RouterRepository.of(sql, networkID: n.id) {
                    try await Self.releaseNics(sql, instanceID: r.id, ownerType: .domainRouter)
                    try await RouterRepository.markRemoved(sql, id: r.id, at: Date())
                }
                try await self.rebuildRouters(sql, n, versions: versions)
            } else {
                for var r in try await RouterRepository.of(sql, networkID: n.id) {
                    if livePatch { r.softwareVersion = versions.software }
                    r.documentGeneration += 1
                    try await RouterRepository.update(sql, r)
                }
            }
            current.restartRequired = false
            try await NetworkRepository.update(sql, current)
        }
        await routerPusher.withLock { $0 }?(n.id)
        return try await view(caller: caller, try await db.read { try await NetworkRepository.find($0, id: n.id) } ?? n)
    }

    /// New routers for an implemented network (restart with cleanup): Allocated again for an
    /// instant, then implemented with its VNI and addresses kept.
    func rebuildRouters(_ sql: any SQLDatabase, _ n: Network, versions: (template: String, software: String)) async throws {
        guard let offering = try await NetworkOfferingRepository.find(sql, id: n.networkOfferingID),
              offering.services.entries.contains(where: { $0.providers.contains(.virtualRouter) }) else { return }
        let sourceNAT = try await PublicIPRepository.of(sql, networkID: n.id).first(where: \.sourceNAT)
        let hostID = try await RouterRepository.lastHost(sql, networkID: n.id)
        for i in 0..<(n.redundant ? 2 : 1) {
            var router = try await RouterRepository.insert(sql, Router(
                networkID: n.id, zoneID: n.zoneID, hostID: hostID, accountID: n.accountID, domainID: n.domainID, serviceOfferingID: offering.serviceOfferingID,
                state: .running, isRedundant: n.redundant, redundantState: n.redundant ? (i == 0 ? .primary : .backup) : .unknown,
                priority: n.redundant ? (i == 0 ? 100 : 99) : 0, publicIP: sourceNAT?.address,
                linkLocalIP: "169.254.\(Int.random(in: 1...254)).\(Int.random(in: 1...254))",
                templateVersion: versions.template, softwareVersion: versions.software, documentGeneration: 1))
            router.guestIP = try await Self.addRouterGuestNic(sql, router: router, network: n)
            try await RouterRepository.update(sql, router)
        }
    }

    /// `updateNetwork`: names, display, network domain, DNS, MTUs, the offering (same guest
    /// type, enabled) and the guest CIDR of an isolated network (inside the network's CIDR and
    /// holding every address in use).
    public func update(caller: Caller, id: UUID, _ u: UpdateNetworkRequest) async throws -> NetworkView {
        let n = try await administered(caller: caller, id: id)
        try await db.transaction { sql in
            guard var current = try await NetworkRepository.find(sql, id: n.id) else { throw Self.notFound(id) }
            if let name = u.name {
                guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 255 else {
                    throw CloudError.invalidParameter("A network name of 1 to 255 characters is required")
                }
                current.name = name
            }
            if let text = u.displayText { current.displayText = text.isEmpty ? current.name : text }
            if let d = u.displayNetwork {
                guard caller.isAdmin else { throw CloudError.permissionDenied("Only admins may change displaynetwork") }
                current.displayNetwork = d
            }
            if let nd = u.networkDomain {
                guard current.guestType != .l2 else { throw CloudError.invalidParameter("An L2 network has no network domain") }
                try Self.validateDomain(nd)
                current.networkDomain = nd
                current.restartRequired = current.state == .implemented
            }
            if let m = u.publicMTU { current.publicMTU = try Self.mtu(m, name: "publicmtu") }
            if let m = u.privateMTU { current.privateMTU = try Self.mtu(m, name: "privatemtu") }
            for dns in [u.dns1, u.dns2].compactMap({ $0 }) where IPv4Address(dns) == nil {
                throw CloudError.invalidParameter("Invalid DNS address \(dns): an IPv4 address is expected")
            }
            if let d = u.dns1 { current.dns1 = d }
            if let d = u.dns2 { current.dns2 = d }
            if let o = u.networkOfferingID {
                guard let offering = try await NetworkOfferingRepository.find(sql, uuid: o), !offering.systemOnly else {
                    throw CloudError.invalidParameter("Unable to find network offering by id \(o.uuidString.lowercased())")
                }
                guard offering.state == .enabled else {
                    throw CloudError.invalidParameter("Network offering \(offering.name) is not in Enabled state, can't update the network")
                }
                guard offering.guestIPType == current.guestType else {
                    throw CloudError.invalidParameter("Can't update network \(current.name) to offering \(offering.name): the guest type must stay \(current.guestType.rawValue)")
                }
                guard offering.forVPC == (current.vpcID != nil) else {
                    throw CloudError.invalidParameter(current.vpcID != nil
                        ? "Can't update tier \(current.name) to offering \(offering.name): a VPC tier needs a VPC network offering"
                        : "Can't update network \(current.name) to offering \(offering.name): it is for VPC tiers only")
                }
                if offering.id != current.networkOfferingID {
                    let old = try await NetworkOfferingRepository.find(sql, id: current.networkOfferingID)
                    if old?.services.contains(.sourceNat) == true && !offering.services.contains(.sourceNat) && current.state == .implemented {
                        for ip in try await PublicIPRepository.of(sql, networkID: current.id) where ip.sourceNAT { try await self.releasePublicIP(sql, ip) }
                    }
                    current.networkOfferingID = offering.id
                    current.isPersistent = offering.isPersistent
                    current.restartRequired = current.state == .implemented
                }
            }
            if let c = u.guestVMCIDR {
                guard current.guestType == .isolated, let whole = current.cidr.flatMap({ IPv4CIDR($0) }) else {
                    throw CloudError.invalidParameter("guestvmcidr can be changed for Isolated networks only")
                }
                guard let wanted = IPv4CIDR(c) else { throw CloudError.invalidParameter("Invalid guestvmcidr \(c)") }
                let original = current.networkCIDR.flatMap { IPv4CIDR($0) } ?? whole
                guard original.contains(wanted) else {
                    throw CloudError.invalidParameter("Invalid guest vm cidr \(wanted): it must be within the network cidr \(original)")
                }
                for nic in try await NicRepository.on(sql, networkID: current.id) {
                    if let ip = nic.ipv4Address.flatMap(IPv4Address.init), !wanted.contains(ip) {
                        throw CloudError.invalidParameter("Can't change the guest vm cidr to \(wanted): address \(ip) in use on the network is outside it")
                    }
                }
                current.networkCIDR = wanted == original ? nil : original.description
                current.cidr = wanted.description
            }
            try await NetworkRepository.update(sql, current)
            try await RouterRepository.bumpGeneration(sql, networkID: current.id)
        }
        return try await view(caller: caller, try await db.read { try await NetworkRepository.find($0, id: n.id) } ?? n)
    }
}
