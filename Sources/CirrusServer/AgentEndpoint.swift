import CirrusEngine
import CirrusModel
import CirrusProtocol
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// The WebSocket endpoint `cirrus agent` processes dial (`ws://<server>:8250/agent`): a
/// listener of its own, separate from the API port. Each link's first request must be
/// `startup` with the right agent key; then pings and command answers flow, and commands
/// go out through ``WebSocketAgentLink``.
public enum AgentEndpoint {
    /// The agent listener as an application (run it, or add it as a service of another).
    public static func application(agents: AgentManager, host: String, port: Int, logger: Logger,
                                   onListening: @escaping @Sendable (Int?) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws(RouterPath(stringLiteral: AgentProtocol.path)) { inbound, outbound, context in
            await serve(inbound: inbound, outbound: outbound, agents: agents, logger: logger)
        }
        return Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(ws: .init(maxFrameSize: 1 << 22))),
                           // A large accept backlog: after a management server restart every agent of the zone
                           // reconnects at once (the default 256 overflowed with 1,000 agents).
                           configuration: .init(address: .hostname(host, port: port), serverName: "Cirrus agent endpoint", backlog: 4096),
                           onServerRunning: { channel in await onListening(channel.localAddress?.port) }, logger: logger)
    }

    /// Serves one agent link until it closes.
    static func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, agents: AgentManager, logger: Logger) async {
        let link = WebSocketAgentLink(outbound: outbound)
        var registered: (hostID: Int64, generation: UInt64)?
        do {
            for try await message in inbound.messages(maxSize: 1 << 24) {
                guard case .text(let text) = message else { continue }
                let envelope: Envelope
                do { envelope = try AgentProtocol.decode(text) } catch {
                    logger.warning("Undecodable agent message", metadata: ["error": "\(error)"])
                    continue
                }
                guard envelope.version == AgentProtocol.version else {
                    try await link.write(envelope.answer(.error("Protocol version \(envelope.version) is not supported; this server speaks \(AgentProtocol.version)")))
                    await link.close(reason: "unsupported protocol version")
                    break
                }
                switch (envelope.kind, envelope.body) {
                case (.request, .startup(let info)):
                    let (answer, generation) = await agents.connectLink(info, link: link)
                    try await link.write(envelope.answer(.startupAnswer(answer)))
                    guard answer.accepted, let hostID = answer.hostID, let generation else {
                        await link.close(reason: answer.details ?? "refused")
                        return
                    }
                    if let old = registered, old.hostID != hostID || old.generation != generation {
                        await agents.linkClosed(hostID: old.hostID, generation: old.generation, reason: "re-registered")
                    }
                    registered = (hostID, generation)
                case (.request, .ping(let report)):
                    guard let registered else {
                        try await link.write(envelope.answer(.pingAnswer(PingAnswer(sendStartup: true))))
                        continue
                    }
                    let answer = await agents.ping(hostID: registered.hostID, generation: registered.generation, report: report)
                    try await link.write(envelope.answer(.pingAnswer(answer)))
                case (.answer, .answer(let answer)):
                    link.resolve(id: envelope.id, with: .success(answer))
                case (.answer, .error(let message)):
                    link.resolve(id: envelope.id, with: .failure(CloudError(.internalError, "The agent could not run the command: \(message)", csCode: .agentUnavailable)))
                case (.request, .shutdown(let reason)):
                    logger.info("Agent is shutting down", metadata: ["reason": "\(reason)"])
                    await link.close(reason: "shutdown")
                case (.request, let other):
                    try await link.write(envelope.answer(.error("Unsupported request \(other.typeName)")))
                default:
                    break
                }
            }
        } catch {
            logger.debug("Agent link ended", metadata: ["error": "\(error)"])
        }
        link.failAll()
        if let registered {
            await agents.linkClosed(hostID: registered.hostID, generation: registered.generation, reason: "agent link closed")
        }
    }
}

/// The server's side of one WebSocket agent link: requests out, answers matched by id.
final class WebSocketAgentLink: AgentLink {
    let outbound: WebSocketOutboundWriter
    private let pending = Mutex<(next: Int64, waiting: [Int64: CheckedContinuation<Answer, any Error>], closed: Bool)>((0, [:], false))

    init(outbound: WebSocketOutboundWriter) {
        self.outbound = outbound
    }

    func write(_ envelope: Envelope) async throws {
        try await outbound.write(.text(try AgentProtocol.encode(envelope)))
    }

    func send(_ command: AgentCommand, deadline: Date) async throws -> Answer {
        let id = pending.withLock { s -> Int64 in s.next += 1; return s.next }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Answer, any Error>) in
                let closed = pending.withLock { s -> Bool in
                    if s.closed { return true }
                    s.waiting[id] = c
                    return false
                }
                if closed {
                    c.resume(throwing: CloudError(.resourceUnavailable, "The agent link closed; \(command.name) was not sent", csCode: .agentUnavailable))
                    return
                }
                Task {
                    do {
                        try await self.write(Envelope(id: id, kind: .request, deadline: deadline.protocolMillis, body: .command(command)))
                    } catch {
                        self.resolve(id: id, with: .failure(CloudError(.resourceUnavailable, "Cannot send \(command.name) to the agent: \(error)", csCode: .agentUnavailable)))
                    }
                }
            }
        } onCancel: {
            resolve(id: id, with: .failure(CancellationError()))
        }
    }

    func resolve(id: Int64, with result: Result<Answer, any Error>) {
        let c = pending.withLock { $0.waiting.removeValue(forKey: id) }
        c?.resume(with: result)
    }

    /// Fails every outstanding command; the link is gone.
    func failAll() {
        let all = pending.withLock { s -> [CheckedContinuation<Answer, any Error>] in
            s.closed = true
            let all = Array(s.waiting.values)
            s.waiting = [:]
            return all
        }
        for c in all { c.resume(throwing: CloudError(.resourceUnavailable, "The agent link closed before the command was answered", csCode: .agentUnavailable)) }
    }

    func close(reason: String) async {
        try? await outbound.close(.normalClosure, reason: String(reason.prefix(120)))
    }
}
