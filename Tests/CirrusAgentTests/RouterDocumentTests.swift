import CirrusProtocol
import Foundation
import Testing

/// The router document: canonical encoding against the golden file, round trips, change
/// detection per section, and validation of what sections say about each other.
@Suite("Router document")
struct RouterDocumentTests {
    @Test("the canonical JSON of a document with every section filled is the golden one")
    func golden() throws {
        let text = String(decoding: try RouterDocumentGolden.full.canonicalJSON(pretty: true), as: UTF8.self)
        // To review a deliberate change: CIRRUS_WRITE_GOLDEN=/tmp/doc.json swift test --filter RouterDocumentTests
        if let path = ProcessInfo.processInfo.environment["CIRRUS_WRITE_GOLDEN"] { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        #expect(text == RouterDocumentGolden.json.trimmingCharacters(in: .whitespacesAndNewlines))
        // The compact form is the same document.
        #expect(try JSONDecoder().decode(RouterDocument.self, from: try RouterDocumentGolden.full.canonicalJSON())
                == JSONDecoder().decode(RouterDocument.self, from: Data(text.utf8)))
    }

    @Test("list order does not change the bytes; decode(encode(x)) is x")
    func canonicalOrder() throws {
        var shuffled = RouterDocumentGolden.full
        shuffled.dhcp.reverse(); shuffled.interfaces.reverse(); shuffled.portForwarding.reverse(); shuffled.firewall.reverse()
        shuffled.metadata.reverse(); shuffled.loadBalancers[0].members.reverse(); shuffled.egress.rules.reverse(); shuffled.staticRoutes.reverse()
        #expect(try shuffled.canonicalJSON() == RouterDocumentGolden.full.canonicalJSON())
        let decoded = try JSONDecoder().decode(RouterDocument.self, from: try RouterDocumentGolden.full.canonicalJSON())
        #expect(decoded == RouterDocumentGolden.full.canonicalized())
        #expect(decoded.changedSections(from: RouterDocumentGolden.full).isEmpty)
    }

    @Test("changedSections names exactly the sections that differ; the generation alone changes none")
    func changes() {
        let base = RouterDocumentGolden.full
        var next = base
        next.generation += 1
        #expect(next.changedSections(from: base).isEmpty)
        next.dhcp.append(.init(mac: "02:00:00:00:00:0c", ipv4: "10.1.1.30", hostname: "web3", defaultRoute: true))
        next.portForwarding.removeAll()
        next.egress.defaultAllow = true
        #expect(next.changedSections(from: base) == [.dhcp, .portForwarding, .egress])
    }

    @Test("validate refuses duplicate leases, forwarding or NAT to unknown addresses, two NATs on one address, foreign members, unknown schema")
    func validation() throws {
        try RouterDocumentGolden.full.validate()
        func refused(_ change: (inout RouterDocument) -> Void) -> Bool {
            var d = RouterDocumentGolden.full
            change(&d)
            do { try d.validate(); return false } catch { return true }
        }
        #expect(refused { $0.dhcp.append(.init(mac: "02:00:00:00:00:ff", ipv4: "10.1.1.10", hostname: "dup", defaultRoute: false)) })
        #expect(refused { $0.dhcp.append(.init(mac: "02:00:00:00:00:0A", ipv4: "10.1.1.99", hostname: "dupmac", defaultRoute: false)) })
        #expect(refused { $0.portForwarding[0].guestIP = "10.1.1.77" })
        #expect(refused { $0.staticNat.append(.init(publicIP: "192.0.2.11", guestIP: "10.1.1.20")) })
        #expect(refused { $0.staticNat[0].guestIP = "10.9.9.9" })
        #expect(refused { $0.loadBalancers[0].members.append("10.1.1.250") })
        #expect(refused { $0.schemaVersion = 2 })
    }
}
