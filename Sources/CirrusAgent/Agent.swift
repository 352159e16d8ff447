import CirrusProtocol

/// The host agent (placeholder until the agent link lands).
public enum Agent {
    public static let protocolVersion = AgentProtocol.version
}
