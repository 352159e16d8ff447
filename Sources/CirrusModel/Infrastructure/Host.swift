import Foundation

/// What a host row stands for. Cirrus creates `Routing` hosts (hypervisors); the other
/// CloudStack types are kept so the API can name them.
public enum HostType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case routing = "Routing"
    case storage = "Storage"
    case secondaryStorage = "SecondaryStorage"
    case consoleProxy = "ConsoleProxy"
    case secondaryStorageVM = "SecondaryStorageVM"
}

/// A hypervisor host, as the management server knows it.
public struct Host: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    /// The agent's stable identity; unique among live hosts.
    public var guid: String
    public var type: HostType
    /// The agent connection (see ``HostStatusMachine``).
    public var status: HostStatus
    /// The administrative state (see ``ResourceStateMachine``).
    public var resourceState: ResourceState
    public var zoneID: Int64
    public var podID: Int64?
    public var clusterID: Int64?
    public var hypervisorType: HypervisorType
    public var hypervisorVersion: String?
    /// The URL given to `addHost`.
    public var url: String?
    public var privateIP: String?
    public var privateMAC: String?
    public var publicIP: String?
    public var storageIP: String?
    public var cpuSockets: Int
    public var cpus: Int
    /// MHz per core.
    public var cpuSpeed: Int64
    /// Bytes.
    public var totalMemory: Int64
    /// Bytes the hypervisor keeps for itself.
    public var dom0Memory: Int64
    public var arch: String
    public var capabilities: String?
    public var agentVersion: String?
    /// The management server holding the agent's connection.
    public var ownerServer: String?
    public var lastPing: Date?
    public var disconnected: Date?
    public var maintenanceReason: String?
    public var tags: [String]
    /// Free-form details (JSON object of strings) such as `simulator.url`.
    public var details: [String: String]
    public var created: Date

    public init(id: Int64, uuid: UUID, name: String, guid: String, type: HostType = .routing, status: HostStatus, resourceState: ResourceState,
                zoneID: Int64, podID: Int64?, clusterID: Int64?, hypervisorType: HypervisorType, hypervisorVersion: String? = nil, url: String? = nil,
                privateIP: String? = nil, privateMAC: String? = nil, publicIP: String? = nil, storageIP: String? = nil,
                cpuSockets: Int, cpus: Int, cpuSpeed: Int64, totalMemory: Int64, dom0Memory: Int64 = 0, arch: String = "x86_64",
                capabilities: String? = nil, agentVersion: String? = nil, ownerServer: String? = nil, lastPing: Date? = nil, disconnected: Date? = nil,
                maintenanceReason: String? = nil, tags: [String] = [], details: [String: String] = [:], created: Date) {
        self.id = id; self.uuid = uuid; self.name = name; self.guid = guid; self.type = type; self.status = status
        self.resourceState = resourceState; self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID
        self.hypervisorType = hypervisorType; self.hypervisorVersion = hypervisorVersion; self.url = url
        self.privateIP = privateIP; self.privateMAC = privateMAC; self.publicIP = publicIP; self.storageIP = storageIP
        self.cpuSockets = cpuSockets; self.cpus = cpus; self.cpuSpeed = cpuSpeed; self.totalMemory = totalMemory
        self.dom0Memory = dom0Memory; self.arch = arch; self.capabilities = capabilities; self.agentVersion = agentVersion
        self.ownerServer = ownerServer; self.lastPing = lastPing; self.disconnected = disconnected
        self.maintenanceReason = maintenanceReason; self.tags = tags; self.details = details; self.created = created
    }
}

/// The agent-connection state of a host (CloudStack's `Status`).
public enum HostStatus: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case creating = "Creating"
    case connecting = "Connecting"
    case up = "Up"
    case down = "Down"
    case disconnected = "Disconnected"
    case alert = "Alert"
    case removed = "Removed"
    case error = "Error"
    case rebalancing = "Rebalancing"
    case unknown = "Unknown"
}

/// The host status machine as a pure transition function, following CloudStack's
/// `Status` transitions.
public enum HostStatusMachine {
    /// What happened to the agent connection.
    public enum Event: String, Sendable, CaseIterable {
        case agentConnected = "AgentConnected"
        case ping = "Ping"
        case ready = "Ready"
        case pingTimeout = "PingTimeout"
        case agentDisconnected = "AgentDisconnected"
        case shutdownRequested = "ShutdownRequested"
        case managementServerDown = "ManagementServerDown"
        case hostDown = "HostDown"
        case waitedTooLong = "WaitedTooLong"
        case remove = "Remove"
        case error = "Error"
        case startAgentRebalance = "StartAgentRebalance"
        case rebalanceCompleted = "RebalanceCompleted"
        case rebalanceFailed = "RebalanceFailed"
        /// The agent's link closed, or its pings are overdue: Cirrus waits `alert.wait` in
        /// Disconnected for the agent to come back before raising Alert (WaitedTooLong).
        case linkLost = "LinkLost"
    }

    /// The next status, or `nil` when `event` is not allowed in `status`.
    public static func next(_ status: HostStatus, on event: Event) -> HostStatus? {
        switch (status, event) {
        case (.creating, .agentConnected): .connecting
        case (.creating, .error): .error
        case (.connecting, .agentConnected), (.connecting, .ping): .connecting
        case (.connecting, .ready): .up
        case (.connecting, .pingTimeout), (.connecting, .agentDisconnected): .alert
        case (.connecting, .shutdownRequested), (.connecting, .managementServerDown): .disconnected
        case (.connecting, .hostDown): .down
        case (.up, .ping): .up
        case (.up, .pingTimeout), (.up, .agentDisconnected): .alert
        case (.up, .shutdownRequested), (.up, .managementServerDown): .disconnected
        case (.up, .hostDown): .down
        case (.up, .agentConnected): .connecting
        case (.up, .startAgentRebalance): .rebalancing
        case (.up, .remove): .removed
        case (.disconnected, .ping): .up
        case (.disconnected, .agentConnected): .connecting
        case (.disconnected, .pingTimeout), (.disconnected, .waitedTooLong): .alert
        case (.disconnected, .hostDown): .down
        case (.disconnected, .remove): .removed
        case (.disconnected, .shutdownRequested), (.disconnected, .managementServerDown), (.disconnected, .agentDisconnected): .disconnected
        case (.down, .agentConnected): .connecting
        case (.down, .remove): .removed
        case (.down, .managementServerDown), (.down, .agentDisconnected), (.down, .pingTimeout), (.down, .hostDown): .down
        case (.alert, .agentConnected): .connecting
        case (.alert, .ping): .up
        case (.alert, .remove): .removed
        case (.alert, .managementServerDown), (.alert, .agentDisconnected): .alert
        case (.alert, .shutdownRequested): .disconnected
        case (.alert, .hostDown): .down
        case (.rebalancing, .rebalanceFailed), (.rebalancing, .managementServerDown): .disconnected
        case (.rebalancing, .rebalanceCompleted), (.rebalancing, .agentConnected): .connecting
        case (.rebalancing, .agentDisconnected): .rebalancing
        case (.error, .agentConnected): .connecting
        case (.up, .linkLost), (.connecting, .linkLost), (.disconnected, .linkLost): .disconnected
        case (.alert, .linkLost): .alert
        case (.down, .linkLost): .down
        default: nil
        }
    }
}

/// The administrative state of a host (CloudStack's `ResourceState`).
public enum ResourceState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case creating = "Creating"
    case enabled = "Enabled"
    case disabled = "Disabled"
    case prepareForMaintenance = "PrepareForMaintenance"
    case errorInPrepareForMaintenance = "ErrorInPrepareForMaintenance"
    case errorInMaintenance = "ErrorInMaintenance"
    case maintenance = "Maintenance"
    case error = "Error"
    case degraded = "Degraded"

    /// True in the states where a host is being, or has been, taken out of service.
    public var isInMaintenance: Bool {
        switch self {
        case .prepareForMaintenance, .errorInPrepareForMaintenance, .errorInMaintenance, .maintenance: true
        default: false
        }
    }
}

/// The resource-state machine as a pure transition function.
public enum ResourceStateMachine {
    public enum Event: String, Sendable, CaseIterable {
        case create = "Create"
        case enable = "Enable"
        case disable = "Disable"
        case adminAskMaintenance = "AdminAskMaintenance"
        case internalEnterMaintenance = "InternalEnterMaintenance"
        case adminCancelMaintenance = "AdminCancelMaintenance"
        case unableToMigrate = "UnableToMigrate"
        case unableToMaintain = "UnableToMaintain"
        case errorsCorrected = "ErrorsCorrected"
        case deleteHost = "DeleteHost"
        case declareHostDegraded = "DeclareHostDegraded"
        case enableDegradedHost = "EnableDegradedHost"
        case internalCreated = "InternalCreated"
        case error = "Error"
    }

    /// The next resource state, or `nil` when `event` is not allowed in `state`.
    public static func next(_ state: ResourceState, on event: Event) -> ResourceState? {
        switch (state, event) {
        case (.creating, .internalCreated), (.creating, .enable): .enabled
        case (.creating, .error): .error
        case (.enabled, .enable): .enabled
        case (.enabled, .disable): .disabled
        case (.enabled, .adminAskMaintenance): .prepareForMaintenance
        case (.enabled, .internalEnterMaintenance): .maintenance
        case (.enabled, .declareHostDegraded): .degraded
        case (.enabled, .deleteHost): .disabled
        case (.disabled, .enable): .enabled
        case (.disabled, .disable): .disabled
        case (.disabled, .adminAskMaintenance): .prepareForMaintenance
        case (.disabled, .internalEnterMaintenance): .maintenance
        case (.disabled, .deleteHost): .disabled
        case (.prepareForMaintenance, .internalEnterMaintenance): .maintenance
        case (.prepareForMaintenance, .adminCancelMaintenance): .enabled
        case (.prepareForMaintenance, .unableToMigrate): .errorInPrepareForMaintenance
        case (.prepareForMaintenance, .unableToMaintain): .errorInMaintenance
        case (.maintenance, .adminCancelMaintenance): .enabled
        case (.maintenance, .deleteHost): .disabled
        case (.errorInMaintenance, .adminAskMaintenance): .prepareForMaintenance
        case (.errorInMaintenance, .adminCancelMaintenance): .enabled
        case (.errorInPrepareForMaintenance, .errorsCorrected): .prepareForMaintenance
        case (.errorInPrepareForMaintenance, .adminCancelMaintenance): .enabled
        case (.degraded, .enableDegradedHost): .enabled
        case (.error, .deleteHost): .disabled
        default: nil
        }
    }
}
