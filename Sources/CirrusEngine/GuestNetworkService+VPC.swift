import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension GuestNetworkService {
    /// Readies a VPC's routers (CloudStack's `startVpc`): the VPC's source NAT address and one
    /// router (two, primary and backup, for a redundant offering) on `hostID` or an Up host of
    /// the zone. Does nothing when the VPC has its routers already. Runs inside the caller's
    /// transaction, so a failure (no address, no host) takes nothing.
    @discardableResult
    func implementVPC(_ sql: any SQLDatabase, vpc: VPC, hostID: Int64?, versions: (template: String, software: String)) async throws -> [Router] {
        let existing = try await RouterRepository.of(sql, vpcID: vpc.id)
        if !existing.isEmpty { return existing }
        var sourceNAT = try await PublicIPRepository.of(sql, vpcID: vpc.id).first(where: \.sourceNAT)
        if sourceNAT == nil {
            sourceNAT = try await acquirePublicIP(sql, PublicIPRepository.Acquisition(zoneID: vpc.zoneID, accountID: vpc.accountID, domainID: vpc.domainID,
                                                                                    vpcID: vpc.id, sourceNAT: true))
        }
        var host = hostID
        if host == nil {
            host = try await HostRepository.list(sql, HostRepository.Filter(status: .up, type: .routing, zoneID: vpc.zoneID), offset: 0, limit: 1).items.first?.host.id
        }
        guard let host else {
            throw CloudError(.insufficientCapacity, "Unable to start the router of VPC \(vpc.name): no host is Up in its zone", csCode: .insufficientCapacity)
        }
        let offering = try await VPCOfferingRepository.find(sql, id: vpc.vpcOfferingID)
        var out: [Router] = []
        for i in 0..<(vpc.redundant ? 2 : 1) {
            let router = try await RouterRepository.insert(sql, Router(
                networkID: nil, vpcID: vpc.id, zoneID: vpc.zoneID, hostID: host, accountID: vpc.accountID, domainID: vpc.domainID,
                serviceOfferingID: offering?.serviceOfferingID, state: .running, isRedundant: vpc.redundant,
                redundantState: vpc.redundant ? (i == 0 ? .primary : .backup) : .unknown, priority: vpc.redundant ? (i == 0 ? 100 : 99) : 0,
                publicIP: sourceNAT?.address, linkLocalIP: "169.254.\(Int.random(in: 1...254)).\(Int.random(in: 1...254))",
                templateVersion: versions.template, softwareVersion: versions.software, documentGeneration: 1))
            try await events.record(sql, type: EventType.routerCreate, state: .completed, description: "Created router \(router.name) for VPC \(vpc.name)",
                                    userID: User.systemID, accountID: vpc.accountID, domainID: vpc.domainID,
                                    resource: EventResource(type: "DomainRouter", uuid: router.uuid.uuidString.lowercased(), name: router.name))
            out.append(router)
        }
        // Tiers implemented before (a restart with cleanup): the new routers join them.
        for tier in try await VPCRepository.tiers(sql, vpcID: vpc.id) where tier.state == .implemented {
            for r in out { _ = try await Self.addRouterGuestNic(sql, router: r, network: tier) }
        }
        return out
    }

    /// Implements a VPC tier: its VNI, and a NIC of each VPC router on it holding its gateway.
    /// The VPC's routers are made first when the VPC has none yet.
    func implementTier(_ sql: any SQLDatabase, _ n: inout Network, hostID: Int64?, versions: (template: String, software: String)) async throws {
        guard let vpcID = n.vpcID, let vpc = try await VPCRepository.find(sql, id: vpcID) else {
            throw CloudError.internalError("Tier \(n.name) has no VPC")
        }
        guard let physicalID = n.physicalNetworkID, let physical = try await PhysicalNetworkRepository.find(sql, id: physicalID) else {
            throw CloudError.internalError("Network \(n.name) has no physical network")
        }
        let (vlan, uri) = try await Self.takeVnet(sql, network: n, physical: physical, accountID: n.accountID)
        n.vlan = vlan; n.broadcastURI = uri; n.state = .implemented
        try await NetworkRepository.update(sql, n)
        // A VPC without routers gets them now (they join this tier, implemented above).
        let serving = try await implementVPC(sql, vpc: vpc, hostID: hostID, versions: versions)
        for r in serving {
            if try await NicRepository.of(sql, ownerType: .domainRouter, instanceIDs: [r.id])[r.id]?.contains(where: { $0.networkID == n.id }) == true { continue }
            _ = try await Self.addRouterGuestNic(sql, router: r, network: n)
        }
        try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
    }

    /// The checks of `createNetwork` with `vpcid`, under the VPC's row lock: the caller
    /// administers the VPC and the tier is its owner's; a VPC offering; gateway and netmask
    /// given, the CIDR inside the VPC's and crossing no other tier; at most one tier with the
    /// public load balancer; at most `vpc.max.networks` tiers. Answers the VPC and the tier's
    /// ACL list (the given one, of this VPC or built in, else `default_deny`).
    func checkNewTier(_ sql: any SQLDatabase, caller: Caller, owner: Account, vpcID: UUID, offering: NetworkOffering, cidr: String?,
                      aclID: UUID?) async throws -> (vpc: VPC, aclID: Int64) {
        guard let vpc = try await VPCRepository.find(sql, uuid: vpcID) else { throw VPCService.notFound(vpcID) }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vpc.accountID, domainID: vpc.domainID, resource: "VPC \(vpc.name)")
        guard owner.id == vpc.accountID else {
            throw CloudError.permissionDenied("A tier belongs to its VPC's owner: VPC \(vpc.name) is not of account \(owner.name)")
        }
        guard vpc.state == .enabled else { throw CloudError.invalidParameter("VPC \(vpc.name) is being deleted; no tier can be added") }
        guard offering.forVPC else { throw CloudError.invalidParameter("Network offering \(offering.name) can't be used for VPC networks") }
        guard let cidrText = cidr, let tierCIDR = IPv4CIDR(cidrText), let vpcCIDR = IPv4CIDR(vpc.cidr) else {
            throw CloudError.invalidParameter("gateway and netmask are required to create a tier of VPC \(vpc.name)")
        }
        try await VPCRepository.lock(sql, id: vpc.id)
        let tiers = try await VPCRepository.tiers(sql, vpcID: vpc.id)
        let limit = try await config.int(Settings.vpcMaxNetworks)
        guard tiers.count < limit else {
            throw CloudError.invalidParameter("Number of networks per VPC can't exceed \(limit); VPC \(vpc.name) has \(tiers.count)")
        }
        try VPCAddressing.checkTier(tierCIDR, vpcName: vpc.name, vpcCIDR: vpcCIDR,
                                    others: tiers.compactMap { t in t.cidr.flatMap { IPv4CIDR($0) }.map { (t.name, $0) } })
        if offering.services.entries.contains(where: { $0.service == .lb && $0.providers.contains(.vpcVirtualRouter) }) {
            for t in tiers {
                guard let o = try await NetworkOfferingRepository.find(sql, id: t.networkOfferingID) else { continue }
                if o.services.entries.contains(where: { $0.service == .lb && $0.providers.contains(.vpcVirtualRouter) }) {
                    throw CloudError.invalidParameter("Public LB service is already supported by network \(t.name) in VPC \(vpc.name); only one tier can have it")
                }
            }
        }
        let acl: NetworkACLList
        if let aclID {
            guard let found = try await NetworkACLRepository.find(sql, uuid: aclID), found.vpcID == nil || found.vpcID == vpc.id else {
                throw CloudError.invalidParameter("Unable to find network ACL list with id \(aclID.uuidString.lowercased()) in VPC \(vpc.name)")
            }
            acl = found
        } else {
            guard let deny = try await NetworkACLRepository.builtIn(sql, name: NetworkACLList.defaultDeny) else { throw CloudError.internalError() }
            acl = deny
        }
        return (vpc, acl.id)
    }
}
