import Foundation

/// A command the management server sends to a host's agent. Later work adds cases (start
/// and stop instances, storage, networking); an agent that does not know a command
/// answers ``Answer/unsupported(_:)``.
///
/// Encoded as `{"name": "<CloudStack class name>", "args": {...}}`.
public enum AgentCommand: Sendable, Equatable {
    /// Is the agent healthy?
    case checkHealth
    /// CPU, memory and network figures of the host.
    case getHostStats
    /// The host enters maintenance.
    case maintain
    /// The management server accepted the host (sent after the startup answer).
    case ready(ReadyCommand)
    /// Attach (or refresh) a primary storage pool on the host.
    case modifyStoragePool(ModifyStoragePoolCommand)
    /// Ask this host whether another host is alive (HA investigation).
    case checkOnHost(CheckOnHostCommand)
    /// Create the instance's missing disks, then power it on.
    case startInstance(InstanceTO)
    /// Power an instance off (`StopCommand`).
    case stopInstance(StopInstanceCommand)
    case rebootInstance(name: String)
    /// Sent to a migration's destination before `migrateInstance` goes to its source.
    case prepareForMigration(InstanceTO)
    case migrateInstance(MigrateInstanceCommand)
    case createVolume(VolumeTO)
    case deleteVolume(VolumeTO)
    case resizeVolume(VolumeTO)
    /// Take a volume snapshot and back it up to secondary storage (`ManageSnapshotCommand`).
    case snapshotVolume(SnapshotTO)
    case deleteSnapshot(SnapshotTO)
    /// Put a volume back to a snapshot's content.
    case revertSnapshot(SnapshotTO)
    case createVMSnapshot(VMSnapshotTO)
    case deleteVMSnapshot(VMSnapshotTO)
    case revertToVMSnapshot(VMSnapshotTO)
    /// Change the CPU and memory of a running instance in place.
    case scaleInstance(ScaleInstanceCommand)
    /// Hot-plug a data disk into a running instance, or unplug it.
    case attachVolume(AttachVolumeCommand)
    case detachVolume(AttachVolumeCommand)
    /// Copy a snapshot backup into a volume, or a snapshot or volume into a template.
    case copy(CopyCommand)
    /// Applies a virtual router's whole desired state.
    case applyRouterDocument(RouterDocument)
    /// Applies the security group rules of one instance NIC (CloudStack's SecurityGroupRulesCmd).
    case applySecurityGroupRules(SecurityGroupRuleSet)
    /// A command this build does not know (decoded from a newer peer).
    case unsupported(name: String)

    /// CloudStack's simple class name of the command, as `configureSimulator` names it.
    public var name: String {
        switch self {
        case .checkHealth: "CheckHealthCommand"
        case .getHostStats: "GetHostStatsCommand"
        case .maintain: "MaintainCommand"
        case .ready: "ReadyCommand"
        case .modifyStoragePool: "ModifyStoragePoolCommand"
        case .checkOnHost: "CheckOnHostCommand"
        case .startInstance: "StartCommand"
        case .stopInstance: "StopCommand"
        case .rebootInstance: "RebootCommand"
        case .prepareForMigration: "PrepareForMigrationCommand"
        case .migrateInstance: "MigrateCommand"
        case .createVolume: "CreateObjectCommand"
        case .deleteVolume: "DeleteCommand"
        case .resizeVolume: "ResizeVolumeCommand"
        case .snapshotVolume: "ManageSnapshotCommand"
        case .deleteSnapshot: "DeleteSnapshotBackupCommand"
        case .revertSnapshot: "RevertSnapshotCommand"
        case .createVMSnapshot: "CreateVMSnapshotCommand"
        case .deleteVMSnapshot: "DeleteVMSnapshotCommand"
        case .revertToVMSnapshot: "RevertToVMSnapshotCommand"
        case .scaleInstance: "ScaleVmCommand"
        case .attachVolume: "AttachCommand"
        case .detachVolume: "DettachCommand"
        case .copy: "CopyCommand"
        case .applyRouterDocument: "ApplyRouterDocumentCommand"
        case .applySecurityGroupRules: "SecurityGroupRulesCmd"
        case .unsupported(let name): name
        }
    }
}

/// Sent once a host is accepted.
public struct ReadyCommand: Codable, Sendable, Equatable {
    public var hostID: Int64
    public var hostUUID: String
    /// Management servers the agent may dial, preferred first.
    public var managementServers: [String]

    public init(hostID: Int64, hostUUID: String, managementServers: [String] = []) {
        self.hostID = hostID
        self.hostUUID = hostUUID
        self.managementServers = managementServers
    }
}

/// Attach a primary storage pool.
public struct ModifyStoragePoolCommand: Codable, Sendable, Equatable {
    public var poolUUID: String
    /// `NetworkFilesystem`, `SharedMountPoint` or `Filesystem`.
    public var poolType: String
    public var hostAddress: String?
    public var path: String
    public var add: Bool

    public init(poolUUID: String, poolType: String, hostAddress: String?, path: String, add: Bool = true) {
        self.poolUUID = poolUUID; self.poolType = poolType; self.hostAddress = hostAddress; self.path = path; self.add = add
    }
}

/// Is `hostGUID` (at `privateIP`) alive, as seen from the receiving host?
public struct CheckOnHostCommand: Codable, Sendable, Equatable {
    public var hostGUID: String
    public var privateIP: String?

    public init(hostGUID: String, privateIP: String?) {
        self.hostGUID = hostGUID
        self.privateIP = privateIP
    }
}

extension AgentCommand: Codable {
    private enum Keys: String, CodingKey { case name, args }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let name = try c.decode(String.self, forKey: .name)
        switch name {
        case "CheckHealthCommand": self = .checkHealth
        case "GetHostStatsCommand": self = .getHostStats
        case "MaintainCommand": self = .maintain
        case "ReadyCommand": self = .ready(try c.decode(ReadyCommand.self, forKey: .args))
        case "ModifyStoragePoolCommand": self = .modifyStoragePool(try c.decode(ModifyStoragePoolCommand.self, forKey: .args))
        case "CheckOnHostCommand": self = .checkOnHost(try c.decode(CheckOnHostCommand.self, forKey: .args))
        case "StartCommand": self = .startInstance(try c.decode(InstanceTO.self, forKey: .args))
        case "StopCommand": self = .stopInstance(try c.decode(StopInstanceCommand.self, forKey: .args))
        case "RebootCommand": self = .rebootInstance(name: try c.decode(String.self, forKey: .args))
        case "PrepareForMigrationCommand": self = .prepareForMigration(try c.decode(InstanceTO.self, forKey: .args))
        case "MigrateCommand": self = .migrateInstance(try c.decode(MigrateInstanceCommand.self, forKey: .args))
        case "CreateObjectCommand": self = .createVolume(try c.decode(VolumeTO.self, forKey: .args))
        case "DeleteCommand": self = .deleteVolume(try c.decode(VolumeTO.self, forKey: .args))
        case "ResizeVolumeCommand": self = .resizeVolume(try c.decode(VolumeTO.self, forKey: .args))
        case "ManageSnapshotCommand": self = .snapshotVolume(try c.decode(SnapshotTO.self, forKey: .args))
        case "DeleteSnapshotBackupCommand": self = .deleteSnapshot(try c.decode(SnapshotTO.self, forKey: .args))
        case "RevertSnapshotCommand": self = .revertSnapshot(try c.decode(SnapshotTO.self, forKey: .args))
        case "CreateVMSnapshotCommand": self = .createVMSnapshot(try c.decode(VMSnapshotTO.self, forKey: .args))
        case "DeleteVMSnapshotCommand": self = .deleteVMSnapshot(try c.decode(VMSnapshotTO.self, forKey: .args))
        case "RevertToVMSnapshotCommand": self = .revertToVMSnapshot(try c.decode(VMSnapshotTO.self, forKey: .args))
        case "ScaleVmCommand": self = .scaleInstance(try c.decode(ScaleInstanceCommand.self, forKey: .args))
        case "AttachCommand": self = .attachVolume(try c.decode(AttachVolumeCommand.self, forKey: .args))
        case "DettachCommand": self = .detachVolume(try c.decode(AttachVolumeCommand.self, forKey: .args))
        case "CopyCommand": self = .copy(try c.decode(CopyCommand.self, forKey: .args))
        case "ApplyRouterDocumentCommand": self = .applyRouterDocument(try c.decode(RouterDocument.self, forKey: .args))
        case "SecurityGroupRulesCmd": self = .applySecurityGroupRules(try c.decode(SecurityGroupRuleSet.self, forKey: .args))
        default: self = .unsupported(name: name)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .name)
        switch self {
        case .ready(let v): try c.encode(v, forKey: .args)
        case .modifyStoragePool(let v): try c.encode(v, forKey: .args)
        case .checkOnHost(let v): try c.encode(v, forKey: .args)
        case .startInstance(let v), .prepareForMigration(let v): try c.encode(v, forKey: .args)
        case .stopInstance(let v): try c.encode(v, forKey: .args)
        case .rebootInstance(let name): try c.encode(name, forKey: .args)
        case .migrateInstance(let v): try c.encode(v, forKey: .args)
        case .createVolume(let v), .deleteVolume(let v), .resizeVolume(let v): try c.encode(v, forKey: .args)
        case .snapshotVolume(let v), .deleteSnapshot(let v), .revertSnapshot(let v): try c.encode(v, forKey: .args)
        case .createVMSnapshot(let v), .deleteVMSnapshot(let v), .revertToVMSnapshot(let v): try c.encode(v, forKey: .args)
        case .scaleInstance(let v): try c.encode(v, forKey: .args)
        case .attachVolume(let v), .detachVolume(let v): try c.encode(v, forKey: .args)
        case .copy(let v): try c.encode(v, forKey: .args)
        case .applyRouterDocument(let v): try c.encode(v, forKey: .args)
        case .applySecurityGroupRules(let v): try c.encode(v, forKey: .args)
        case .checkHealth, .getHostStats, .maintain, .unsupported: break
        }
    }
}

/// Figures a GetHostStatsCommand returns.
public struct HostStats: Codable, Sendable, Equatable {
    /// Percent of CPU in use.
    public var cpuUtilization: Double
    public var totalMemory: Int64
    public var freeMemory: Int64
    public var networkReadKBs: Double
    public var networkWriteKBs: Double
    public var loadAverage: Double

    public init(cpuUtilization: Double, totalMemory: Int64, freeMemory: Int64, networkReadKBs: Double = 0, networkWriteKBs: Double = 0, loadAverage: Double = 0) {
        self.cpuUtilization = cpuUtilization; self.totalMemory = totalMemory; self.freeMemory = freeMemory
        self.networkReadKBs = networkReadKBs; self.networkWriteKBs = networkWriteKBs; self.loadAverage = loadAverage
    }
}

/// Typed extra content of an answer.
public enum AnswerPayload: Sendable, Equatable {
    case hostStats(HostStats)
    /// CheckOnHost: whether the asked-about host is alive (`nil`: cannot tell).
    case hostAlive(Bool?)
    /// ModifyStoragePool: the pool's capacity and free bytes.
    case storagePool(capacityBytes: Int64, availableBytes: Int64)
    /// A verbatim JSON answer (the Simulator's `jsonresponse` mocks).
    case json(String)
    /// ApplyRouterDocument: the generation the router now runs.
    case routerDocumentApplied(generation: Int64)
    /// SecurityGroupRulesCmd: the sequence number of the rule set the host now enforces for the instance.
    case securityGroupRulesApplied(sequence: Int64)
}

extension AnswerPayload: Codable {
    private enum Keys: String, CodingKey { case type, hostStats, alive, capacityBytes, availableBytes, json, generation, sequence }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "hostStats": self = .hostStats(try c.decode(HostStats.self, forKey: .hostStats))
        case "hostAlive": self = .hostAlive(try c.decodeIfPresent(Bool.self, forKey: .alive))
        case "storagePool": self = .storagePool(capacityBytes: try c.decode(Int64.self, forKey: .capacityBytes), availableBytes: try c.decode(Int64.self, forKey: .availableBytes))
        case "json": self = .json(try c.decode(String.self, forKey: .json))
        case "routerDocumentApplied": self = .routerDocumentApplied(generation: try c.decode(Int64.self, forKey: .generation))
        case "securityGroupRulesApplied": self = .securityGroupRulesApplied(sequence: try c.decode(Int64.self, forKey: .sequence))
        case let other: throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "Unknown answer payload \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .hostStats(let s): try c.encode("hostStats", forKey: .type); try c.encode(s, forKey: .hostStats)
        case .hostAlive(let a): try c.encode("hostAlive", forKey: .type); try c.encodeIfPresent(a, forKey: .alive)
        case .storagePool(let cap, let avail):
            try c.encode("storagePool", forKey: .type); try c.encode(cap, forKey: .capacityBytes); try c.encode(avail, forKey: .availableBytes)
        case .json(let j): try c.encode("json", forKey: .type); try c.encode(j, forKey: .json)
        case .routerDocumentApplied(let g): try c.encode("routerDocumentApplied", forKey: .type); try c.encode(g, forKey: .generation)
        case .securityGroupRulesApplied(let n): try c.encode("securityGroupRulesApplied", forKey: .type); try c.encode(n, forKey: .sequence)
        }
    }
}

/// The answer to an ``AgentCommand`` (CloudStack's `Answer`: result and details).
public struct Answer: Codable, Sendable, Equatable {
    public var result: Bool
    public var details: String
    /// The agent does not know the command (CloudStack's UnsupportedAnswer).
    public var unsupported: Bool
    public var payload: AnswerPayload?

    public init(result: Bool, details: String = "", unsupported: Bool = false, payload: AnswerPayload? = nil) {
        self.result = result
        self.details = details
        self.unsupported = unsupported
        self.payload = payload
    }

    public static func success(_ details: String = "", payload: AnswerPayload? = nil) -> Answer {
        Answer(result: true, details: details, payload: payload)
    }

    public static func failure(_ details: String) -> Answer {
        Answer(result: false, details: details)
    }

    public static func unsupported(_ command: AgentCommand) -> Answer {
        Answer(result: false, details: "Unsupported command issued: \(command.name). Are you sure you got the right type of server?", unsupported: true)
    }
}
