import CirrusModel

extension Settings {
    public static let pingInterval = ConfigDefinition("ping.interval", category: "Advanced", type: .integer, default: "60",
        description: "Seconds between the pings of a host agent", range: 1...86_400)
    public static let pingTimeout = ConfigDefinition("ping.timeout", category: "Advanced", type: .float, default: "2.5",
        description: "Multiplier of ping.interval after which a host whose agent stopped pinging is Disconnected", range: 1...100)
    public static let alertWait = ConfigDefinition("alert.wait", category: "Advanced", type: .integer, default: "1800",
        description: "Seconds a Disconnected host waits for its agent before it goes to Alert", range: 1...604_800)
    public static let agentCommandWait = ConfigDefinition("wait", category: "Advanced", type: .integer, default: "1800",
        description: "Seconds the management server waits for the answer to a command sent to a host agent", range: 1...604_800)
    public static let addHostWait = ConfigDefinition("host.add.wait", category: "Advanced", type: .integer, default: "30",
        description: "Seconds addHost waits for the agent of a new KVM host (or an in-process simulated host) to register", range: 1...3600)

    /// The agent link's settings.
    public static let agents: [ConfigDefinition] = [pingInterval, pingTimeout, alertWait, agentCommandWait, addHostWait]
}
