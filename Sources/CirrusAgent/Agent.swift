import CirrusProtocol
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The host agent: keeps one WebSocket link to a management server for one
/// ``HostResource``, registering, pinging and answering commands, and reconnects with
/// exponential backoff and jitter (walking the server list) whenever the link drops.
public final class Agent: Sendable {
    public static let protocolVersion = AgentProtocol.version

    /// How an agent dials.
    public struct Options: Sendable {
        /// `ws://host:port/agent` URLs, tried in order.
        public var servers: [String]
        /// The shared agent key of the management servers.
        public var key: String?
        /// First reconnect delay; doubles up to `maximumBackoff`.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        /// How long to wait for the startup answer before giving up on a link.
        public var startupTimeout: Duration

        public init(servers: [String], key: String?, initialBackoff: Duration = .milliseconds(500), maximumBackoff: Duration = .seconds(30),
                    startupTimeout: Duration = .seconds(30)) {
            self.servers = servers
            self.key = key
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.startupTimeout = startupTimeout
        }
    }

    /// What the link currently knows, for logs and tests.
    public struct Status: Sendable, Equatable {
        public var connected = false
        public var hostID: Int64?
        public var hostUUID: String?
        public var pingInterval = 60
        public var lastRefusal: String?
        public var registrations = 0
    }

    public let resource: any HostResource
    public let options: Options
    let logger: Logger
    private let state = Mutex(Status())

    public init(resource: any HostResource, options: Options, logger: Logger) {
        self.resource = resource
        self.options = options
        self.logger = logger
    }

    public var status: Status { state.withLock { $0 } }

    /// Runs until the task is cancelled.
    public func run() async {
        var backoff = options.initialBackoff
        var index = 0
        while !Task.isCancelled {
            guard !options.servers.isEmpty else { return }
            let server = options.servers[index % options.servers.count]
            index += 1
            let registeredBefore = status.registrations
            do {
                try await connectOnce(server)
            } catch is CancellationError {
                break
            } catch {
                logger.debug("Agent link to \(server) ended: \(error)")
            }
            state.withLock { $0.connected = false }
            if Task.isCancelled { break }
            if status.registrations > registeredBefore { backoff = options.initialBackoff }
            // Full jitter in [backoff/2, backoff].
            let ms = Double(backoff.components.seconds) * 1000 + Double(backoff.components.attoseconds) / 1e15
            let delay = Duration.milliseconds(Int64(ms / 2 + Double.random(in: 0...(ms / 2))))
            do { try await Task.sleep(for: delay) } catch { break }
            backoff = min(backoff * 2, options.maximumBackoff)
        }
    }

    /// Dials one server and serves the link until it closes.
    func connectOnce(_ url: String) async throws {
        let resource = self.resource
        try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 22), logger: logger) { inbound, outbound, _ in
            let sequence = IDSequence()
            let writer = LinkWriter(outbound: outbound)
            let (registered, registeredCont) = AsyncStream<Int>.makeStream()
            func nextID() -> Int64 { sequence.next() }
            func sendStartup() async throws {
                var info = await resource.startup()
                info.agentKey = self.options.key ?? info.agentKey
                try await writer.send(Envelope(id: nextID(), kind: .request, body: .startup(info)))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Pings, once registered, every ping interval.
                    var iterator = registered.makeAsyncIterator()
                    guard var interval = await iterator.next() else { return }
                    while true {
                        try await Task.sleep(for: .seconds(max(1, interval)))
                        let report = await resource.ping()
                        try await writer.send(Envelope(id: nextID(), kind: .request, body: .ping(report)))
                        interval = self.status.pingInterval
                    }
                }
                group.addTask {
                    // The startup answer must come in time.
                    try await Task.sleep(for: self.options.startupTimeout)
                    if self.status.hostID == nil || !self.status.connected { throw AgentLinkError.noStartupAnswer }
                }
                try await sendStartup()
                for try await message in inbound.messages(maxSize: 1 << 24) {
                    guard case .text(let text) = message else { continue }
                    let envelope: Envelope
                    do { envelope = try AgentProtocol.decode(text) } catch {
                        self.logger.warning("Undecodable message from the management server: \(error)")
                        continue
                    }
                    switch (envelope.kind, envelope.body) {
                    case (.answer, .startupAnswer(let answer)):
                        guard answer.accepted else {
                            self.state.withLock { $0.lastRefusal = answer.details }
                            self.logger.error("Management server refused the agent: \(answer.details ?? "no reason given")")
                            throw AgentLinkError.refused(answer.details ?? "")
                        }
                        let first = self.state.withLock { s -> Bool in
                            let first = !s.connected
                            s.connected = true; s.hostID = answer.hostID; s.hostUUID = answer.hostUUID
                            s.pingInterval = answer.pingInterval; s.registrations += 1; s.lastRefusal = nil
                            return first
                        }
                        self.logger.info("Registered as host \(answer.hostName ?? "?") (\(answer.hostUUID ?? "?"))")
                        if first { registeredCont.yield(answer.pingInterval) }
                    case (.answer, .pingAnswer(let answer)):
                        if let interval = answer.pingInterval { self.state.withLock { $0.pingInterval = interval } }
                        if answer.sendStartup { try await sendStartup() }
                    case (.request, .command(let command)):
                        group.addTask {
                            let answer = await Self.execute(command, on: resource, deadline: envelope.deadline)
                            try await writer.send(envelope.answer(.answer(answer)))
                        }
                    case (_, .error(let message)):
                        self.logger.error("Management server error: \(message)")
                        self.state.withLock { $0.lastRefusal = message }
                    case (.request, let other):
                        try await writer.send(envelope.answer(.error("Unsupported request \(other.typeName)")))
                    default:
                        break
                    }
                }
                registeredCont.finish()
                group.cancelAll()
            }
        }
    }

    /// Runs a command, answering a failure if its deadline passes first.
    static func execute(_ command: AgentCommand, on resource: any HostResource, deadline: Int64?) async -> Answer {
        guard let deadline else { return await resource.execute(command) }
        let remaining = Date(protocolMillis: deadline).timeIntervalSinceNow
        guard remaining > 0 else { return .failure("\(command.name) arrived after its deadline") }
        return await withTaskGroup(of: Answer?.self) { group in
            group.addTask { await resource.execute(command) }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int64(remaining * 1000)))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure("\(command.name) timed out on the agent")
        }
    }
}

/// Why a link ended.
public enum AgentLinkError: Error, Sendable, Equatable {
    case refused(String)
    case noStartupAnswer
}

/// Request ids of one link.
final class IDSequence: Sendable {
    private let value = Atomic<Int64>(0)
    func next() -> Int64 { value.add(1, ordering: .relaxed).newValue }
}

/// Writes envelopes on one link.
struct LinkWriter: Sendable {
    let outbound: WebSocketOutboundWriter

    func send(_ envelope: Envelope) async throws {
        try await outbound.write(.text(try AgentProtocol.encode(envelope)))
    }
}
