import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// A tenant with a running instance on its default isolated network (implemented: VNI,
/// source NAT address, router), for tests of public addresses and rules.
struct RuleTenant {
    let account: TestAccount
    let session: Session
    let zone: String
    let template: String
    let offering: String
    let network: String
    let vm: String
    let vmIP: String
}

extension TestCloud {
    /// Makes an account, deploys (and starts) `instances` instances into its default network.
    func ruleTenant(_ admin: Session, zone: Zone, prefix: String = "ip", instances: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) async throws -> RuleTenant {
        let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
        let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
        let a = try await admin.createAccount(unique(prefix), domainID: nil)
        let user = try await login(a.username, password: a.password)
        var first: [String: Any] = [:]
        for i in 0..<instances {
            let job = try await user.runJob("deployVirtualMachine", pairs: [("zoneid", zone.uuid.uuidString.lowercased()), ("templateid", template),
                                                                          ("serviceofferingid", offering), ("name", "vm\(i)")], sourceLocation: sourceLocation)
            try #require(job["jobstatus"] as? Int == 1, "\(job)", sourceLocation: sourceLocation)
            if i == 0 { first = (job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any] ?? [:] }
        }
        let nic = try #require((first["nic"] as? [[String: Any]])?.first, sourceLocation: sourceLocation)
        return RuleTenant(account: a, session: user, zone: zone.uuid.uuidString.lowercased(), template: template, offering: offering,
                          network: try #require(nic["networkid"] as? String, sourceLocation: sourceLocation),
                          vm: try #require(first["id"] as? String, sourceLocation: sourceLocation),
                          vmIP: try #require(nic["ipaddress"] as? String, sourceLocation: sourceLocation))
    }

    /// The account's `public_ip` count.
    func publicIPCount(account: String) async throws -> Int64 {
        try await engine.db.read { sql in
            guard let uuid = UUID(uuidString: account), let a = try await AccountRepository.find(sql, uuid: uuid) else { return -1 }
            let owner = ResourceLimitRepository.Owner(.account, a.id)
            return try await ResourceLimitRepository.counts(sql, owners: [owner])[owner]?[.publicIP] ?? 0
        }
    }

    /// The router document generation of a network's routers (the highest).
    func documentGeneration(network: String) async throws -> Int64 {
        try await engine.db.read { sql in
            guard let uuid = UUID(uuidString: network), let n = try await NetworkRepository.find(sql, uuid: uuid) else { return -1 }
            return try await RouterRepository.of(sql, networkID: n.id).map(\.documentGeneration).max() ?? 0
        }
    }
}

/// The outcome of an async command: the job's result object, or its error.
struct JobOutcome: Sendable {
    /// The job as JSON text (kept as text so outcomes can cross tasks).
    let json: String
    init(job: [String: Any]) {
        json = (try? JSONSerialization.data(withJSONObject: job)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
    var job: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:] }
    var succeeded: Bool { job["jobstatus"] as? Int == 1 }
    var result: [String: Any] { job["jobresult"] as? [String: Any] ?? [:] }
    var errorCode: Int? { result["errorcode"] as? Int }
    var errorText: String { result["errortext"] as? String ?? "" }
    func object(_ name: String) -> [String: Any] { result[name] as? [String: Any] ?? [:] }
}

extension Session {
    /// Runs an async command; a refusal before the job (a sync error) is reported the same way.
    func job(_ command: String, _ pairs: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws -> JobOutcome {
        let reply = await call(command, pairs: pairs)
        guard reply.status == 200 else {
            return JobOutcome(job: ["jobstatus": 2, "jobresult": ["errorcode": reply.errorCode ?? reply.status, "errortext": reply.errorText ?? reply.body]])
        }
        let jobID = try #require(reply.object["jobid"] as? String, "\(command): \(reply.body)", sourceLocation: sourceLocation)
        return JobOutcome(job: try await cloud.waitForJob(jobID, session: self, sourceLocation: sourceLocation))
    }

    /// Associates a new address with `network` and returns it.
    func associate(network: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let out = try await job("associateIpAddress", [("networkid", network)], sourceLocation: sourceLocation)
        try #require(out.succeeded, "\(out.job)", sourceLocation: sourceLocation)
        return out.object("ipaddress")
    }
}

extension Session {
    /// Creates a /24 network (gateway given) with an offering; answers its id.
    func createIsolatedNetwork(zone: String, offering: String, name: String, gateway: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let reply = await call("createNetwork", ["name": name, "zoneid": zone, "networkofferingid": offering, "gateway": gateway, "netmask": "255.255.255.0"])
        return try #require((reply.object["network"] as? [String: Any])?["id"] as? String, "\(reply.body)", sourceLocation: sourceLocation)
    }

    /// The instance's NICs as `listNics` shows them.
    func nics(vm: String) async -> [[String: Any]] {
        await call("listNics", ["virtualmachineid": vm]).items("nic")
    }
}
