import Foundation

/// The version of the agent protocol this build speaks. Envelopes carry it; a peer with
/// another major version is refused at registration.
public enum AgentProtocol {
    public static let version = 1

    /// The WebSocket path agents dial on the management server's agent port.
    public static let path = "/agent"

    /// The default agent port (CloudStack's 8250).
    public static let defaultPort = 8250

    /// The agent's version string reported at startup.
    public static let agentVersion = "cirrus-agent-0.1"

    /// A JSON encoder for envelopes (stable key order helps logs and tests).
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }

    public static func decoder() -> JSONDecoder { JSONDecoder() }

    /// Encodes an envelope as the text of one WebSocket frame.
    public static func encode(_ envelope: Envelope) throws -> String {
        String(decoding: try encoder().encode(envelope), as: UTF8.self)
    }

    /// Decodes the text of one WebSocket frame.
    public static func decode(_ text: String) throws -> Envelope {
        try decoder().decode(Envelope.self, from: Data(text.utf8))
    }
}

/// Milliseconds since the epoch, as deadlines travel on the wire.
extension Date {
    public var protocolMillis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    public init(protocolMillis: Int64) { self.init(timeIntervalSince1970: TimeInterval(protocolMillis) / 1000) }
}
