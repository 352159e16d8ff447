import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Logging
import SQLKit
import Synchronization

/// What `deployVirtualMachine` asks for, as parsed by the API layer.
public struct DeployRequest: Sendable {
    public var zoneID: UUID
    public var serviceOfferingID: UUID
    public var templateID: UUID
    /// A data disk from this disk offering (`diskofferingid`), sized by `size` (GB) when custom.
    public var diskOfferingID: UUID?
    public var size: Int64?
    /// GB; overrides the template's size for the ROOT volume (`rootdisksize`).
    public var rootDiskSize: Int64?
    public var overrideDiskOfferingID: UUID?
    public var name: String?
    public var displayName: String?
    public var group: String?
    public var accountName: String?
    public var domainID: UUID?
    public var hostID: UUID?
    public var podID: UUID?
    public var clusterID: UUID?
    public var hypervisor: HypervisorType?
    public var keyPairs: [String] = []
    public var userData: String?
    public var userDataID: UUID?
    public var userDataDetails: [String: String] = [:]
    /// POST requests may carry more user data than GET ones.
    public var isPost = false
    public var affinityGroupIDs: [UUID] = []
    public var affinityGroupNames: [String] = []
    /// Security groups of the instance (`securitygroupids` or `securitygroupnames`), on networks with security groups.
    public var securityGroupIDs: [UUID] = []
    public var securityGroupNames: [String] = []
    /// `details[0].cpuNumber`, `cpuSpeed`, `memory` for custom offerings, and free-form details.
    public var details: [String: String] = [:]
    public var startVM = true
    public var displayVM: Bool?
    public var dynamicallyScalable: Bool?
    public var networkIDs: [UUID] = []
    /// The guest address on the default network (`ipaddress`).
    public var ipAddress: String?
    /// Networks with an optional address each (`iptonetworklist`), instead of `networkids`.
    public var ipToNetwork: [(networkID: UUID, ip: String?)] = []

    public init(zoneID: UUID, serviceOfferingID: UUID, templateID: UUID) {
        self.zoneID = zoneID
        self.serviceOfferingID = serviceOfferingID
        self.templateID = templateID
    }
}

/// Where an admin asked an instance to start.
public struct PlacementHints: Sendable, Equatable {
    public var hostID: Int64?
    public var podID: Int64?
    public var clusterID: Int64?

    public init(hostID: Int64? = nil, podID: Int64? = nil, clusterID: Int64? = nil) {
        self.hostID = hostID; self.podID = podID; self.clusterID = clusterID
    }
}

/// Instances: allocation, start and stop orchestration, destruction and expunging,
/// listing. Every state change goes through ``VirtualMachineStateMachine`` and a
/// conditional update; every failure path gives back what it took.
public final class InstanceService: Sendable {
    let db: any Database
    let config: ConfigService
    let events: EventService
    let alerts: AlertService
    let agents: AgentManager
    let placement: PlacementService
    let identity: IdentityService
    let limits: ResourceLimitService
    /// Guest networks: NICs at deploy, implementation at start, release at expunge.
    let networks: GuestNetworkService
    let usage: UsageService
    let userData: UserDataService
    /// Volume removal (restore's old ROOT volume) goes through the volume service.
    let volumes: VolumeService
    /// Hosts dedicated to other owners are kept out of every placement.
    let dedications: DedicationService
    /// The latest use each running instance's host reported (by instance name), from the pings
    /// this server receives: listVirtualMachinesMetrics and the stats fields show it.
    let latestStats = Mutex<[String: InstanceStats]>([:])
    /// Told the instance id after a start or stop, so that security group rule sets follow
    /// (set by the Engine to ``SecurityGroupService/instanceChanged(instanceID:)``).
    let securityGroupPusher = Mutex<(@Sendable (Int64) async -> Void)?>(nil)
    let logger: Logger

    public init(db: any Database, config: ConfigService, events: EventService, alerts: AlertService, agents: AgentManager, placement: PlacementService,
                identity: IdentityService, limits: ResourceLimitService, usage: UsageService, userData: UserDataService, volumes: VolumeService,
                dedications: DedicationService, networks: GuestNetworkService, logger: Logger) {
        self.dedications = dedications
        self.networks = networks
        self.userData = userData
        self.volumes = volumes
        self.limits = limits
        self.usage = usage
        self.db = db
        self.config = config
        self.events = events
        self.alerts = alerts
        self.agents = agents
        self.placement = placement
        self.identity = identity
        self.logger = logger
    }

    /// The event resource of an instance.
    static func resource(_ vm: VirtualMachine) -> EventResource {
        EventResource(type: "VirtualMachine", uuid: vm.uuid.uuidString.lowercased(), name: vm.displayName)
    }

    // MARK: lookups

    /// The live instance with `uuid` that the caller may act on.
    public func instance(caller: Caller, uuid: UUID) async throws -> VirtualMachine {
        try await db.read { sql in try await self.instance(sql, caller: caller, uuid: uuid) }
    }

    func instance(_ sql: any SQLDatabase, caller: Caller, uuid: UUID) async throws -> VirtualMachine {
        guard let vm = try await VirtualMachineRepository.find(sql, uuid: uuid), vm.type == .user else {
            throw CloudError.invalidParameter("Unable to find virtual machine by id \(uuid.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vm.accountID, domainID: vm.domainID, resource: "VM instance \(vm.instanceName)")
        return vm
    }

    /// Records a usage event for an instance.
    func recordUsage(_ sql: any SQLDatabase, _ type: String, _ vm: VirtualMachine) async throws {
        try await usage.record(sql, UsageEvent(type: type, accountID: vm.accountID, domainID: vm.domainID, zoneID: vm.zoneID, resourceID: vm.id,
                                               resourceUUID: vm.uuid, resourceName: vm.instanceName, offeringID: vm.serviceOfferingID,
                                               templateID: vm.templateID, resourceType: "VirtualMachine"))
    }

    /// Records a usage event for a volume.
    func recordUsage(_ sql: any SQLDatabase, _ type: String, _ v: Volume) async throws {
        try await usage.record(sql, UsageEvent(type: type, accountID: v.accountID, domainID: v.domainID, zoneID: v.zoneID, resourceID: v.id,
                                               resourceUUID: v.uuid, resourceName: v.name, offeringID: v.diskOfferingID, templateID: v.templateID,
                                               size: v.size, resourceType: "Volume"))
    }

    /// What an instance and its counted volumes stand for against the limits.
    static func limitDeltas(_ vm: VirtualMachine, volumes: [Volume]) -> [ResourceType: Int64] {
        var deltas = ResourceLimitService.instanceDeltas(cpu: vm.cpu, memoryMiB: vm.memory)
        for v in volumes { deltas.merge(ResourceLimitService.volumeDeltas(sizeBytes: v.size)) { $0 + $1 } }
        return deltas
    }

    /// CloudStack's host-name rule for instance names.
    static func validateHostName(_ name: String) throws {
        let valid = !name.isEmpty && name.count <= 63 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            && !name.hasPrefix("-") && !name.hasSuffix("-") && !(name.first?.isNumber ?? false)
        guard valid else {
            throw CloudError.invalidParameter("Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and can't start with digit")
        }
    }
}
