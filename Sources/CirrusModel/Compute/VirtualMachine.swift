import Foundation

/// What a `vm_instances` row stands for. Users deploy `User` instances; the others are the
/// system VMs CloudStack names (routers come with guest networking).
public enum VirtualMachineType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case user = "User"
    case domainRouter = "DomainRouter"
    case consoleProxy = "ConsoleProxy"
    case secondaryStorageVM = "SecondaryStorageVm"
}

/// The lifecycle state of an instance (see ``VirtualMachineStateMachine``).
public enum VirtualMachineState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case starting = "Starting"
    case running = "Running"
    case stopping = "Stopping"
    case stopped = "Stopped"
    case destroyed = "Destroyed"
    case expunging = "Expunging"
    case migrating = "Migrating"
    case error = "Error"
    case unknown = "Unknown"
    case shutdown = "Shutdown"

    /// States an operation is in the middle of; nothing else may act on the instance then.
    public var isTransitional: Bool {
        switch self {
        case .starting, .stopping, .expunging, .migrating: true
        default: false
        }
    }

    /// States whose instance holds CPU and memory on its host.
    public var holdsHostCapacity: Bool {
        switch self {
        case .starting, .running, .stopping, .migrating: true
        default: false
        }
    }

    /// States counted against the account's `user_vm`, `cpu` and `memory` limits.
    public var countsAgainstLimits: Bool {
        switch self {
        case .destroyed, .expunging, .error: false
        default: true
        }
    }
}

/// What the hypervisor last said about an instance (`power_state`), fed by agent pings.
public enum PowerState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case unknown = "PowerUnknown"
    case on = "PowerOn"
    case off = "PowerOff"
    case reportMissing = "PowerReportMissing"
}

/// An instance: a user VM or a system VM, as the management server knows it.
public struct VirtualMachine: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    /// The hypervisor's name for it: `i-<account>-<id>-VM` for users.
    public var instanceName: String
    /// `displayname`.
    public var displayName: String
    /// `name` on the API: the guest host name.
    public var hostName: String
    public var type: VirtualMachineType
    public var state: VirtualMachineState
    public var powerState: PowerState
    public var powerStateUpdated: Date?
    public var accountID: Int64
    public var domainID: Int64
    /// The user who deployed it.
    public var userID: Int64
    public var zoneID: Int64
    public var podID: Int64?
    public var clusterID: Int64?
    /// Where it runs (Starting, Running, Stopping, Migrating).
    public var hostID: Int64?
    /// Where it last ran; the planner tries it first.
    public var lastHostID: Int64?
    public var templateID: Int64?
    public var isoID: Int64?
    public var serviceOfferingID: Int64
    /// The disk offering of the ROOT volume (the compute offering's own, or `overridediskofferingid`).
    public var diskOfferingID: Int64?
    /// Cores.
    public var cpu: Int
    /// MHz per core.
    public var cpuSpeed: Int64
    /// MiB.
    public var memory: Int64
    public var haEnabled: Bool
    public var displayVM: Bool
    public var limitCPUUse: Bool
    public var dynamicallyScalable: Bool
    public var osTypeID: Int64
    public var hypervisorType: HypervisorType
    /// `group`.
    public var group: String?
    /// The password generated at deploy or reset, shown once.
    public var password: String?
    /// Names of the SSH key pairs given at deploy or reset.
    public var keyPairs: [String]
    /// Base64 user data, inline or from managed user data.
    public var userData: String?
    public var userDataID: Int64?
    /// `userdatadetails` as given (JSON object of strings).
    public var userDataDetails: [String: String]
    /// Free-form details (`details[0].key=value`), including `deployvm` during the first start.
    public var details: [String: String]
    /// Optimistic-lock counter bumped by every state change.
    public var updateCount: Int64
    public var created: Date
    /// When it entered Destroyed (expunge.delay counts from here).
    public var destroyed: Date?
    public var removed: Date?

    public init(id: Int64 = 0, uuid: UUID = UUID(), instanceName: String, displayName: String, hostName: String, type: VirtualMachineType = .user,
                state: VirtualMachineState = .stopped, powerState: PowerState = .off, powerStateUpdated: Date? = nil,
                accountID: Int64, domainID: Int64, userID: Int64, zoneID: Int64, podID: Int64? = nil, clusterID: Int64? = nil,
                hostID: Int64? = nil, lastHostID: Int64? = nil, templateID: Int64?, isoID: Int64? = nil, serviceOfferingID: Int64,
                diskOfferingID: Int64? = nil, cpu: Int, cpuSpeed: Int64, memory: Int64, haEnabled: Bool = false, displayVM: Bool = true,
                limitCPUUse: Bool = false, dynamicallyScalable: Bool = false, osTypeID: Int64, hypervisorType: HypervisorType,
                group: String? = nil, password: String? = nil, keyPairs: [String] = [], userData: String? = nil, userDataID: Int64? = nil,
                userDataDetails: [String: String] = [:], details: [String: String] = [:], updateCount: Int64 = 0, created: Date,
                destroyed: Date? = nil, removed: Date? = nil) {
        self.id = id; self.uuid = uuid; self.instanceName = instanceName; self.displayName = displayName; self.hostName = hostName
        self.type = type; self.state = state; self.powerState = powerState; self.powerStateUpdated = powerStateUpdated
        self.accountID = accountID; self.domainID = domainID; self.userID = userID; self.zoneID = zoneID; self.podID = podID
        self.clusterID = clusterID; self.hostID = hostID; self.lastHostID = lastHostID; self.templateID = templateID; self.isoID = isoID
        self.serviceOfferingID = serviceOfferingID; self.diskOfferingID = diskOfferingID; self.cpu = cpu; self.cpuSpeed = cpuSpeed
        self.memory = memory; self.haEnabled = haEnabled; self.displayVM = displayVM; self.limitCPUUse = limitCPUUse
        self.dynamicallyScalable = dynamicallyScalable; self.osTypeID = osTypeID; self.hypervisorType = hypervisorType; self.group = group
        self.password = password; self.keyPairs = keyPairs; self.userData = userData; self.userDataID = userDataID
        self.userDataDetails = userDataDetails; self.details = details; self.updateCount = updateCount; self.created = created
        self.destroyed = destroyed; self.removed = removed
    }

    /// CPU this instance takes on a host, in MHz (cores × speed).
    public var cpuDemand: Int64 { Int64(cpu) * cpuSpeed }
    /// Memory this instance takes on a host, in bytes.
    public var memoryDemand: Int64 { memory * 1_048_576 }

    /// CloudStack's instance name for a user VM: `i-<account id>-<vm id>-<suffix>`.
    public static func userInstanceName(accountID: Int64, vmID: Int64, suffix: String = "VM") -> String {
        "i-\(accountID)-\(vmID)-\(suffix)"
    }
}
