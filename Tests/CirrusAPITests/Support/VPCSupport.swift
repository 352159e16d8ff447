import CirrusAgent
@testable import CirrusEngine
import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Testing

/// A VPC 10.20.0.0/16 of a rule tenant, made from the default VPC offering, and the tier
/// offering with the public load balancer.
struct TestVPC {
    let id: String
    let vpcOffering: String
    let tierOffering: String
}

extension TestCloud {
    /// Creates a VPC 10.20.0.0/16 (router and source NAT address made at once) for `t`.
    func makeVPC(_ admin: Session, for t: RuleTenant, sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestVPC {
        let vpcOffering = try await admin.firstID("listVPCOfferings", "vpcoffering", ["name": "Default VPC offering"], sourceLocation: sourceLocation)
        let tierOffering = try await admin.firstID("listNetworkOfferings", "networkoffering", ["name": "DefaultIsolatedNetworkOfferingForVpcNetworks"],
                                                   sourceLocation: sourceLocation)
        let made = try await t.session.job("createVPC", [("name", "v1"), ("cidr", "10.20.0.0/16"), ("zoneid", t.zone), ("vpcofferingid", vpcOffering)],
                                           sourceLocation: sourceLocation)
        try #require(made.succeeded, "\(made.job)", sourceLocation: sourceLocation)
        return TestVPC(id: try #require(made.object("vpc")["id"] as? String, sourceLocation: sourceLocation), vpcOffering: vpcOffering, tierOffering: tierOffering)
    }

    /// The router document the Simulator host of a VPC's (or a network's) first router last
    /// applied, after sending every pending document.
    func routerDocument(vpc: String? = nil, network: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> RouterDocument {
        let router = try await engine.db.read { sql -> Router? in
            if let vpc, let uuid = UUID(uuidString: vpc), let v = try await VPCRepository.find(sql, uuid: uuid) {
                return try await RouterRepository.of(sql, vpcID: v.id).first
            }
            if let network, let uuid = UUID(uuidString: network), let n = try await NetworkRepository.find(sql, uuid: uuid) {
                return try await RouterRepository.of(sql, networkID: n.id).first
            }
            return nil
        }
        let r = try #require(router, sourceLocation: sourceLocation)
        let host = try #require(r.hostID, sourceLocation: sourceLocation)
        let resource = try #require(engine.agents.inProcessResource(hostID: host) as? SimulatorResource, sourceLocation: sourceLocation)
        _ = try await engine.routers.pushDirty()
        return try #require(resource.routerDocument(named: r.name), sourceLocation: sourceLocation)
    }
}
