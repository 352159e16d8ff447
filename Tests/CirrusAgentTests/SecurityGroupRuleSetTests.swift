import CirrusAgent
import CirrusProtocol
import Foundation
import Testing

/// The security group rule set on the wire and in the Simulator host: validated, the newest
/// sequence kept per instance, dropped when the instance stops.
@Suite("Security group rule sets")
struct SecurityGroupRuleSetTests {
    static let sample = SecurityGroupRuleSet(
        instanceName: "i-2-7-VM", instanceUUID: "9e3b0c2a-0000-4000-8000-000000000007", macAddress: "1e:00:10:00:00:07", ipv4Address: "10.20.0.11",
        ipv6Address: nil, sequence: 3, signature: "abc",
        ingress: [SecurityGroupRuleSet.Rule(proto: "icmp", icmpType: 8, icmpCode: 0, cidrs: ["0.0.0.0/0"]),
                  SecurityGroupRuleSet.Rule(proto: "tcp", startPort: 22, endPort: 22, cidrs: ["10.20.0.12/32", "192.0.2.0/24"])],
        egress: [], egressAllowAll: true)

    func simulator() -> SimulatorResource {
        SimulatorResource(spec: SimulatedHostSpec(guid: "g", name: "h", url: "http://sim/h", zoneUUID: "z", podUUID: "p", clusterUUID: "c",
                                                  capacity: .default, privateIP: "10.0.0.2", privateMAC: "06:00:00:00:00:02"))
    }

    @Test("the applied answer carries the sequence across the wire")
    func answerPayload() throws {
        let answer = Answer.success("ok", payload: .securityGroupRulesApplied(sequence: 9))
        let data = try JSONEncoder().encode(answer)
        #expect(try JSONDecoder().decode(Answer.self, from: data) == answer)
    }

    @Test("the Simulator keeps the newest rule set per instance, refuses invalid ones and forgets an instance's set when it stops")
    func simulatorKeepsNewest() async throws {
        let sim = simulator()
        let first = await sim.execute(.applySecurityGroupRules(Self.sample))
        #expect(first.result && first.payload == .securityGroupRulesApplied(sequence: 3))
        var older = Self.sample
        older.sequence = 2
        older.ingress = []
        #expect(await sim.execute(.applySecurityGroupRules(older)).payload == .securityGroupRulesApplied(sequence: 3), "an older set is ignored")
        #expect(sim.securityGroupRules(named: "i-2-7-VM") == Self.sample)
        var unsorted = Self.sample
        unsorted.sequence = 4
        unsorted.ingress.reverse()
        #expect(await sim.execute(.applySecurityGroupRules(unsorted)).result == false)
        var badPorts = Self.sample
        badPorts.sequence = 4
        badPorts.ingress = [SecurityGroupRuleSet.Rule(proto: "icmp", startPort: 1, endPort: 2, cidrs: ["0.0.0.0/0"])]
        #expect(await sim.execute(.applySecurityGroupRules(badPorts)).result == false)
        #expect(await sim.execute(.stopInstance(StopInstanceCommand(name: "i-2-7-VM", forced: false))).result)
        #expect(sim.securityGroupRules(named: "i-2-7-VM") == nil)
    }
}
