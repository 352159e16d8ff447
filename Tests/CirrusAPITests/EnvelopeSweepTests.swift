import CirrusAPI
import CirrusModel
import Foundation
import Testing

/// Calls every declared command with odd values in each parameter and checks that every
/// answer is a well-formed CloudStack envelope and never an internal error (530).
@Suite("Envelope sweep")
struct EnvelopeSweepTests {
    /// A plausible value for a parameter of `type`.
    static func plausible(_ type: ParameterType) -> String? {
        switch type {
        case .string: "sweep"
        case .uuid: UUID().uuidString.lowercased()
        case .boolean: "true"
        case .integer, .long, .short: "1"
        case .float, .double: "1.5"
        case .date: "2024-01-01"
        case .tzdate: "2024-01-01T00:00:00+0000"
        case .map: nil
        case .list(let element): plausible(element)
        }
    }

    static let oddValues = [
        "not-a-uuid", String(repeating: "z", count: 300), "-1", "2147483648", "a,,b'; DROP TABLE users; --\u{00e9}\u{1F600}",
        "00000000-0000-0000-0000-000000000000",
    ]

    @Test("no command answers 530 or a malformed envelope, whatever its parameters")
    func everyCommandAnswersAnEnvelope() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            // Something to act on: a domain with an account, so lookups by name can succeed.
            let domain = try await admin.createDomain("sweep")
            _ = try await admin.createAccount("sweep", domainID: domain, username: "sweep")
            let user = try await admin.createAccount("sweeper", domainID: domain)

            var jobs: [String] = []
            var calls = 0
            for spec in cloud.dispatcher.registry.commands where spec.name != "login" && spec.name != "logout" {
                let required = spec.parameters.filter(\.required)
                var base: [(String, String)] = []
                for p in required { if let v = Self.plausible(p.type) { base.append((p.name, v)) } }
                var variants: [[(String, String)]] = [base, []]
                for p in spec.parameters where p.type != .map {
                    for odd in Self.oddValues {
                        variants.append(base.filter { $0.0 != p.name } + [(p.name, odd)])
                    }
                }
                for (index, pairs) in variants.enumerated() {
                    // The normal user gets the plain variants only: most commands refuse them anyway.
                    for caller in index < 2 ? ["admin", "user"] : ["admin"] {
                        let reply = caller == "admin" ? await admin.call(spec.name, pairs: pairs) : await cloud.signed(spec.name, pairs, keys: user.keys)
                        calls += 1
                        let what = "\(caller) \(spec.name) \(pairs.map { "\($0.0)=\($0.1.prefix(40))" })"
                        #expect(reply.status != 530, "\(what): \(reply.body)")
                        #expect(reply.key != nil, "\(what): not a JSON envelope: \(reply.body)")
                        if reply.status != 200 {
                            #expect(reply.errorCode == reply.status, "\(what): \(reply.body)")
                            #expect(reply.errorText != nil, "\(what): \(reply.body)")
                            let expectedKey = reply.status == 432 ? "errorresponse" : spec.responseName
                            #expect(reply.key == expectedKey, "\(what): \(reply.body)")
                        } else if let job = reply.object["jobid"] as? String {
                            jobs.append(job)
                        }
                    }
                }
            }
            #expect(calls > 500)
            for job in jobs {
                let done = try await cloud.waitForJob(job, session: admin)
                #expect(done["jobresultcode"] as? Int != 530, "job \(done["cmd"] ?? "?"): \(done)")
            }
            // The admin can still work afterwards.
            #expect(await admin.call("listUsers").status == 200)
        }
    }
}
