import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation

/// What a `configureSimulator` mock does to one command.
struct SimulatorMockEffect: Sendable {
    /// Latency before answering, in milliseconds.
    var wait: Int64 = 0
    /// The answer that replaces the host's own, when the mock injects one.
    var answer: Answer?
}

extension AgentManager {
    /// Looks up the narrowest live mock for `command` on this host (host, then cluster,
    /// pod, zone, then global), counts one use, and says what it does.
    func simulatorMock(for command: AgentCommand, entry: LinkEntry) async throws -> SimulatorMockEffect? {
        try await db.transaction { sql in
            let mocks = try await SimulatorMockRepository.active(sql, name: command.name)
            guard !mocks.isEmpty else { return nil }
            func rank(_ m: SimulatorMock) -> Int? {
                if let h = m.hostID { return h == entry.hostID ? 0 : nil }
                if let c = m.clusterID { return c == entry.clusterID ? 1 : nil }
                if let p = m.podID { return p == entry.podID ? 2 : nil }
                if let z = m.zoneID { return z == entry.zoneID ? 3 : nil }
                return 4
            }
            guard let mock = mocks.compactMap({ m in rank(m).map { (m, $0) } }).min(by: { $0.1 < $1.1 })?.0 else { return nil }
            if mock.remaining != nil { try await SimulatorMockRepository.consume(sql, id: mock.id) }
            return Self.effect(of: mock, hostID: entry.hostID)
        }
    }

    /// Interprets a mock's `value` (`wait:<ms>`, `result:fail`, `result:fault`, separated
    /// by `|` or `;`) and its `jsonresponse`.
    static func effect(of mock: SimulatorMock, hostID: Int64) -> SimulatorMockEffect {
        var effect = SimulatorMockEffect()
        for pair in mock.value.split(whereSeparator: { $0 == "|" || $0 == ";" }) {
            let parts = pair.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.count == 2 else { continue }
            switch (parts[0], parts[1]) {
            case ("wait", let ms): effect.wait = max(0, Int64(ms) ?? 0)
            case ("result", "fail"): effect.answer = Answer(result: false, details: "Simulated failure")
            case ("result", "fault"):
                effect.answer = Answer(result: false, details: "Exception: com.cloud.simulator.SimulatorRuntimeException: Simulated fault in \(mock.name)")
            default: break
            }
        }
        if effect.answer == nil, let json = mock.jsonResponse {
            effect.answer = answer(fromJSON: json, hostID: hostID)
        }
        return effect
    }

    /// A mocked answer from a `jsonresponse`: either a bare object or CloudStack's
    /// `{"com.cloud.agent.api.XyzAnswer":{...}}`. `result` (default true), `details` and
    /// `alive` (CheckOnHost) are read; the text travels verbatim as the payload otherwise.
    static func answer(fromJSON text: String, hostID: Int64) -> Answer {
        let rewritten = text.replacingOccurrences(of: "\"hostId\":0", with: "\"hostId\":\(hostID)")
        guard var object = (try? JSONSerialization.jsonObject(with: Data(rewritten.utf8))) as? [String: Any] else {
            return Answer(result: false, details: "The simulator mock's jsonresponse is not a JSON object")
        }
        if object.count == 1, let (key, inner) = object.first, key.hasSuffix("Answer"), let dict = inner as? [String: Any] { object = dict }
        let result = object["result"] as? Bool ?? true
        let details = object["details"] as? String ?? ""
        if let alive = object["alive"] as? Bool { return Answer(result: result, details: details, payload: .hostAlive(alive)) }
        return Answer(result: result, details: details, payload: .json(rewritten))
    }
}
