import CirrusModel
import CirrusStore
import Foundation

/// What `listPublicIpAddresses` filters on.
public struct PublicIPQuery: Sendable {
    public var id: UUID?
    public var address: String?
    public var zoneID: UUID?
    public var vlanID: UUID?
    public var physicalNetworkID: UUID?
    public var state: PublicIPState?
    public var allocatedOnly = true
    public var sourceNAT: Bool?
    public var staticNAT: Bool?
    public var display: Bool?
    public var associatedNetworkID: UUID?
    public var vpcID: UUID?
    public var keyword: String?

    public init() {}
}

extension InfrastructureService {
    /// Public addresses the caller may see: allocated ones in the caller's scope, and for root
    /// admins with `allocatedonly=false` the free ones too.
    public func listPublicIPs(caller: Caller, scope: ListScope, _ q: PublicIPQuery, page: (offset: Int, limit: Int?)) async throws -> Listing<PublicIPListItem> {
        try await db.read { sql in
            var f = PublicIPRepository.Filter()
            f.allocatedOnly = q.allocatedOnly || !caller.isRootAdmin
            // A root admin listing the pool (allocatedonly=false) sees every address.
            f.scope = f.allocatedOnly ? scope : .everything
            if let id = q.id {
                guard let found = try await PublicIPRepository.id(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = found
            }
            if let z = q.zoneID { guard let zone = try await ZoneRepository.find(sql, uuid: z) else { return Listing(items: [], total: 0) }; f.zoneID = zone.id }
            if let v = q.vlanID { guard let vlan = try await VlanIPRangeRepository.find(sql, uuid: v) else { return Listing(items: [], total: 0) }; f.vlanID = vlan.id }
            if let p = q.physicalNetworkID {
                guard let pn = try await PhysicalNetworkRepository.find(sql, uuid: p) else { return Listing(items: [], total: 0) }
                f.physicalNetworkID = pn.id
            }
            if let n = q.associatedNetworkID {
                guard let network = try await NetworkRepository.find(sql, uuid: n) else { return Listing(items: [], total: 0) }
                f.networkID = network.id
            }
            if let v = q.vpcID {
                guard let vpc = try await VPCRepository.find(sql, uuid: v) else { return Listing(items: [], total: 0) }
                f.vpcID = vpc.id
            }
            f.address = q.address; f.state = q.state; f.sourceNAT = q.sourceNAT; f.staticNAT = q.staticNAT; f.display = q.display; f.keyword = q.keyword
            return try await PublicIPRepository.list(sql, f, offset: page.offset, limit: page.limit)
        }
    }
}
