/// The version of the agent protocol this build speaks. Envelopes carry it; a peer with
/// another major version is refused at registration.
public enum AgentProtocol {
    public static let version = 1
}
