import Foundation

/// One message on the agent link: a request or the answer to one.
///
/// Every request carries a sequence number (`id`) unique per sender and link; its answer
/// reuses that id with `kind == .answer`. `deadline` (absolute, milliseconds since the
/// epoch) tells the receiver when the sender stops waiting.
public struct Envelope: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case request, answer }

    public var version: Int
    public var id: Int64
    public var kind: Kind
    public var deadline: Int64?
    public var body: Body

    public init(version: Int = AgentProtocol.version, id: Int64, kind: Kind, deadline: Int64? = nil, body: Body) {
        self.version = version
        self.id = id
        self.kind = kind
        self.deadline = deadline
        self.body = body
    }

    /// The answer to this request.
    public func answer(_ body: Body) -> Envelope {
        Envelope(id: id, kind: .answer, body: body)
    }
}

/// What an envelope carries. Encoded as `{"type": "<case>", "data": {...}}` so that a
/// receiver can report an unknown type instead of failing on it.
public enum Body: Sendable, Equatable {
    /// Agent → server, first request on a link: who the host is.
    case startup(StartupInfo)
    /// Server → agent, answer to `startup`.
    case startupAnswer(StartupAnswer)
    /// Agent → server: the periodic heartbeat with instance power states.
    case ping(PingReport)
    /// Server → agent, answer to `ping`.
    case pingAnswer(PingAnswer)
    /// Server → agent: a command for the host.
    case command(AgentCommand)
    /// Agent → server, answer to `command`.
    case answer(Answer)
    /// Agent → server: the agent is going away (`requested`, `update`).
    case shutdown(reason: String)
    /// Either way: the request could not be handled at all (unknown type, refused link).
    case error(String)
    /// A body type this build does not know.
    case unknown(type: String)

    public var typeName: String {
        switch self {
        case .startup: "startup"
        case .startupAnswer: "startupAnswer"
        case .ping: "ping"
        case .pingAnswer: "pingAnswer"
        case .command: "command"
        case .answer: "answer"
        case .shutdown: "shutdown"
        case .error: "error"
        case .unknown(let t): t
        }
    }
}

extension Body: Codable {
    private enum Keys: String, CodingKey { case type, data }
    private struct Reason: Codable { var reason: String }
    private struct Message: Codable { var message: String }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "startup": self = .startup(try c.decode(StartupInfo.self, forKey: .data))
        case "startupAnswer": self = .startupAnswer(try c.decode(StartupAnswer.self, forKey: .data))
        case "ping": self = .ping(try c.decode(PingReport.self, forKey: .data))
        case "pingAnswer": self = .pingAnswer(try c.decode(PingAnswer.self, forKey: .data))
        case "command": self = .command(try c.decode(AgentCommand.self, forKey: .data))
        case "answer": self = .answer(try c.decode(Answer.self, forKey: .data))
        case "shutdown": self = .shutdown(reason: try c.decode(Reason.self, forKey: .data).reason)
        case "error": self = .error(try c.decode(Message.self, forKey: .data).message)
        default: self = .unknown(type: type)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(typeName, forKey: .type)
        switch self {
        case .startup(let v): try c.encode(v, forKey: .data)
        case .startupAnswer(let v): try c.encode(v, forKey: .data)
        case .ping(let v): try c.encode(v, forKey: .data)
        case .pingAnswer(let v): try c.encode(v, forKey: .data)
        case .command(let v): try c.encode(v, forKey: .data)
        case .answer(let v): try c.encode(v, forKey: .data)
        case .shutdown(let r): try c.encode(Reason(reason: r), forKey: .data)
        case .error(let m): try c.encode(Message(message: m), forKey: .data)
        case .unknown: break
        }
    }
}

/// A host-local primary storage pool the agent reports at startup.
public struct LocalStoragePool: Codable, Sendable, Equatable {
    /// Stable identity of the pool on this host (becomes the pool's UUID).
    public var uuid: String
    public var name: String
    public var path: String
    public var capacityBytes: Int64
    public var availableBytes: Int64

    public init(uuid: String, name: String, path: String, capacityBytes: Int64, availableBytes: Int64) {
        self.uuid = uuid; self.name = name; self.path = path; self.capacityBytes = capacityBytes; self.availableBytes = availableBytes
    }
}

/// The power state of an instance as the hypervisor sees it (CloudStack's `PowerState`).
public enum PowerState: String, Codable, Sendable, CaseIterable {
    case powerOn = "PowerOn"
    case powerOff = "PowerOff"
    case powerUnknown = "PowerUnknown"
    case powerReportMissing = "PowerReportMissing"
}

/// One instance in a startup or ping report.
public struct InstanceReport: Codable, Sendable, Equatable {
    public var name: String
    public var powerState: PowerState
    /// What a running instance used since the last report (CloudStack's VmStatsEntry); absent
    /// when the host does not measure it.
    public var stats: InstanceStats?

    public init(name: String, powerState: PowerState, stats: InstanceStats? = nil) {
        self.name = name
        self.powerState = powerState
        self.stats = stats
    }
}

/// One instance's use as its host measures it: CPU as a percentage of what it was given,
/// network and disk traffic in KiB and operations (counters since it started), memory in KiB.
public struct InstanceStats: Codable, Sendable, Equatable {
    public var cpuUtilization: Double
    public var networkReadKBs: Double
    public var networkWriteKBs: Double
    public var diskReadKBs: Double
    public var diskWriteKBs: Double
    public var diskReadIOs: Int64
    public var diskWriteIOs: Int64
    public var memoryKBs: Int64
    public var memoryInternalFreeKBs: Int64
    public var memoryTargetKBs: Int64

    public init(cpuUtilization: Double, networkReadKBs: Double, networkWriteKBs: Double, diskReadKBs: Double, diskWriteKBs: Double,
                diskReadIOs: Int64, diskWriteIOs: Int64, memoryKBs: Int64, memoryInternalFreeKBs: Int64, memoryTargetKBs: Int64) {
        self.cpuUtilization = cpuUtilization; self.networkReadKBs = networkReadKBs; self.networkWriteKBs = networkWriteKBs
        self.diskReadKBs = diskReadKBs; self.diskWriteKBs = diskWriteKBs; self.diskReadIOs = diskReadIOs; self.diskWriteIOs = diskWriteIOs
        self.memoryKBs = memoryKBs; self.memoryInternalFreeKBs = memoryInternalFreeKBs; self.memoryTargetKBs = memoryTargetKBs
    }
}

/// What an agent tells the management server when it connects (CloudStack's
/// StartupRoutingCommand plus StartupStorageCommand).
public struct StartupInfo: Codable, Sendable, Equatable {
    /// The host's stable identity; the management server finds the host row by it.
    public var guid: String
    public var name: String
    /// `Simulator` or `KVM`.
    public var hypervisorType: String
    public var hypervisorVersion: String?
    public var cpuSockets: Int
    public var cpus: Int
    /// MHz per core.
    public var cpuSpeed: Int64
    /// Bytes.
    public var memory: Int64
    /// Bytes the hypervisor keeps for itself.
    public var dom0Memory: Int64
    public var arch: String
    public var privateIP: String?
    public var privateMAC: String?
    /// Placement hints (UUIDs) used when the host is new.
    public var zoneUUID: String?
    public var podUUID: String?
    public var clusterUUID: String?
    /// The shared agent key the management server checks.
    public var agentKey: String?
    public var localStoragePools: [LocalStoragePool]
    public var bridges: [String]
    public var instances: [InstanceReport]
    public var agentVersion: String
    /// The URL given to addHost, for hosts the management server created itself.
    public var url: String?

    public init(guid: String, name: String, hypervisorType: String, hypervisorVersion: String? = nil, cpuSockets: Int, cpus: Int, cpuSpeed: Int64,
                memory: Int64, dom0Memory: Int64, arch: String = "x86_64", privateIP: String? = nil, privateMAC: String? = nil,
                zoneUUID: String? = nil, podUUID: String? = nil, clusterUUID: String? = nil, agentKey: String? = nil,
                localStoragePools: [LocalStoragePool] = [], bridges: [String] = [], instances: [InstanceReport] = [],
                agentVersion: String = AgentProtocol.agentVersion, url: String? = nil) {
        self.guid = guid; self.name = name; self.hypervisorType = hypervisorType; self.hypervisorVersion = hypervisorVersion
        self.cpuSockets = cpuSockets; self.cpus = cpus; self.cpuSpeed = cpuSpeed; self.memory = memory; self.dom0Memory = dom0Memory
        self.arch = arch; self.privateIP = privateIP; self.privateMAC = privateMAC; self.zoneUUID = zoneUUID; self.podUUID = podUUID
        self.clusterUUID = clusterUUID; self.agentKey = agentKey; self.localStoragePools = localStoragePools; self.bridges = bridges
        self.instances = instances; self.agentVersion = agentVersion; self.url = url
    }
}

/// The management server's answer to `startup`.
public struct StartupAnswer: Codable, Sendable, Equatable {
    public var accepted: Bool
    /// Why the link is refused, when it is.
    public var details: String?
    public var hostID: Int64?
    public var hostUUID: String?
    public var hostName: String?
    /// Seconds between pings.
    public var pingInterval: Int

    public init(accepted: Bool, details: String? = nil, hostID: Int64? = nil, hostUUID: String? = nil, hostName: String? = nil, pingInterval: Int) {
        self.accepted = accepted; self.details = details; self.hostID = hostID; self.hostUUID = hostUUID; self.hostName = hostName
        self.pingInterval = pingInterval
    }
}

/// The host's health as the agent reports it in a ping.
public enum HostHealth: String, Codable, Sendable {
    case up = "Up"
    case degraded = "Degraded"
}

/// The periodic heartbeat (CloudStack's PingRoutingCommand).
public struct PingReport: Codable, Sendable, Equatable {
    public var health: HostHealth
    public var instances: [InstanceReport]

    public init(health: HostHealth = .up, instances: [InstanceReport] = []) {
        self.health = health
        self.instances = instances
    }
}

/// The management server's answer to a ping.
public struct PingAnswer: Codable, Sendable, Equatable {
    /// The host is not Up on the server: the agent must send `startup` again.
    public var sendStartup: Bool
    /// Seconds between pings, so that changes to `ping.interval` reach running agents.
    public var pingInterval: Int?

    public init(sendStartup: Bool = false, pingInterval: Int? = nil) {
        self.sendStartup = sendStartup
        self.pingInterval = pingInterval
    }
}
