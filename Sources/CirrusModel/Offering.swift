import Foundation

/// Values of the API's offering enums are matched without regard to case, as CloudStack does.
public typealias OfferingValue = CaseInsensitiveEnum

/// How a volume's space is allocated on primary storage.
public enum ProvisioningType: String, Sendable, Codable, OfferingValue {
    case thin, sparse, fat
}

/// The hypervisor's disk cache mode for volumes of an offering.
public enum DiskCacheMode: String, Sendable, Codable, OfferingValue {
    case none, writeback, writethrough
}

/// Where an offering's volumes live: on shared primary storage or on the host's local disks.
public enum OfferingStorageType: String, Sendable, Codable, OfferingValue {
    case shared, local
}

/// Whether a service or disk offering may still be chosen for new resources (4.19).
public enum OfferingState: String, Sendable, Codable, OfferingValue {
    case active = "Active"
    case inactive = "Inactive"
}

/// The deployment planners an offering may name.
public enum DeploymentPlannerName: String, Sendable, Codable, OfferingValue {
    case firstFit = "FirstFitPlanner"
    case userDispersing = "UserDispersingPlanner"
    case userConcentratedPod = "UserConcentratedPodPlanner"
}

/// The kind of system VM a system service offering is for.
public enum SystemVMType: String, Sendable, Codable, OfferingValue {
    case domainRouter = "domainrouter"
    case consoleProxy = "consoleproxy"
    case secondaryStorageVM = "secondarystoragevm"
    case internalLoadBalancerVM = "internalloadbalancervm"
}

/// Read and write throttling of a disk offering's volumes. Every value is optional; `nil`
/// means no limit.
public struct DiskRates: Sendable, Codable, Equatable {
    public var bytesReadRate: Int64?
    public var bytesReadRateMax: Int64?
    public var bytesReadRateMaxLength: Int64?
    public var bytesWriteRate: Int64?
    public var bytesWriteRateMax: Int64?
    public var bytesWriteRateMaxLength: Int64?
    public var iopsReadRate: Int64?
    public var iopsReadRateMax: Int64?
    public var iopsReadRateMaxLength: Int64?
    public var iopsWriteRate: Int64?
    public var iopsWriteRateMax: Int64?
    public var iopsWriteRateMaxLength: Int64?

    public init() {}

    /// The API parameter names, in the order `named` and `values` use.
    public static let parameterNames = [
        "bytesreadrate", "bytesreadratemax", "bytesreadratemaxlength", "byteswriterate", "byteswriteratemax", "byteswriteratemaxlength",
        "iopsreadrate", "iopsreadratemax", "iopsreadratemaxlength", "iopswriterate", "iopswriteratemax", "iopswriteratemaxlength",
    ]

    // Computed: key paths are not Sendable, so they cannot live in a static constant.
    static var paths: [WritableKeyPath<DiskRates, Int64?>] {
        [\.bytesReadRate, \.bytesReadRateMax, \.bytesReadRateMaxLength, \.bytesWriteRate, \.bytesWriteRateMax, \.bytesWriteRateMaxLength,
         \.iopsReadRate, \.iopsReadRateMax, \.iopsReadRateMaxLength, \.iopsWriteRate, \.iopsWriteRateMax, \.iopsWriteRateMaxLength]
    }

    /// The value of the rate with API parameter name `name`.
    public subscript(name: String) -> Int64? {
        get { Self.parameterNames.firstIndex(of: name).flatMap { self[keyPath: Self.paths[$0]] } }
        set { if let i = Self.parameterNames.firstIndex(of: name) { self[keyPath: Self.paths[i]] = newValue } }
    }

    public var isEmpty: Bool { Self.paths.allSatisfy { self[keyPath: $0] == nil } }

    /// Applies the values given in `changes` (by parameter name) over these.
    public func merging(_ changes: DiskRates) -> DiskRates {
        var out = self
        for path in Self.paths where changes[keyPath: path] != nil { out[keyPath: path] = changes[keyPath: path] }
        return out
    }
}

/// Which domains and zones an offering is offered in. Empty lists mean every domain (a
/// public offering) and every zone.
public struct OfferingScope: Sendable, Equatable {
    public var domainIDs: [Int64]
    public var zoneIDs: [Int64]

    public init(domainIDs: [Int64] = [], zoneIDs: [Int64] = []) {
        self.domainIDs = domainIDs
        self.zoneIDs = zoneIDs
    }

    public static let everywhere = OfferingScope()

    /// Whether a caller in the domain with `path` may use the offering: it is public, or it is
    /// offered to that domain or one of the domains above it. `domainPaths` are the paths of
    /// this scope's domains.
    public static func isVisible(toDomainPath path: String, domainPaths: [String]) -> Bool {
        domainPaths.isEmpty || domainPaths.contains { path.hasPrefix($0) }
    }
}

/// A disk offering: the size, performance and placement of a volume. Service offerings
/// carry one for their ROOT volume; those are `computeOnly` and not listed as disk offerings.
public struct DiskOffering: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var displayText: String
    /// Size in GiB; 0 for customised offerings.
    public var diskSizeGB: Int64
    public var isCustomized: Bool
    public var isCustomizedIOPS: Bool
    public var minIOPS: Int64?
    public var maxIOPS: Int64?
    public var rates: DiskRates
    /// Storage tags, comma separated as on the API.
    public var tags: String?
    public var provisioningType: ProvisioningType
    public var cacheMode: DiskCacheMode
    public var storageType: OfferingStorageType
    public var displayOffering: Bool
    public var encrypt: Bool
    public var hypervisorSnapshotReserve: Int?
    public var diskSizeStrictness: Bool
    public var state: OfferingState
    public var sortKey: Int
    /// Created for a service offering's ROOT volume: hidden from `listDiskOfferings`.
    public var computeOnly: Bool
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, displayText: String, diskSizeGB: Int64 = 0, isCustomized: Bool = false,
                isCustomizedIOPS: Bool = false, minIOPS: Int64? = nil, maxIOPS: Int64? = nil, rates: DiskRates = DiskRates(), tags: String? = nil,
                provisioningType: ProvisioningType = .thin, cacheMode: DiskCacheMode = .none, storageType: OfferingStorageType = .shared,
                displayOffering: Bool = true, encrypt: Bool = false, hypervisorSnapshotReserve: Int? = nil, diskSizeStrictness: Bool = false,
                state: OfferingState = .active, sortKey: Int = 0, computeOnly: Bool = false, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.displayText = displayText
        self.diskSizeGB = diskSizeGB
        self.isCustomized = isCustomized
        self.isCustomizedIOPS = isCustomizedIOPS
        self.minIOPS = minIOPS
        self.maxIOPS = maxIOPS
        self.rates = rates
        self.tags = tags
        self.provisioningType = provisioningType
        self.cacheMode = cacheMode
        self.storageType = storageType
        self.displayOffering = displayOffering
        self.encrypt = encrypt
        self.hypervisorSnapshotReserve = hypervisorSnapshotReserve
        self.diskSizeStrictness = diskSizeStrictness
        self.state = state
        self.sortKey = sortKey
        self.computeOnly = computeOnly
        self.created = created
    }
}

/// A service (compute) offering: CPU, memory and placement of an instance, plus the disk
/// offering of its ROOT volume (4.17's flexible compute offering).
public struct ServiceOffering: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var displayText: String
    /// Fixed values; `nil` in a customised offering where the user chooses.
    public var cpuNumber: Int?
    public var cpuSpeed: Int?
    public var memory: Int?
    /// The user picks CPU and memory at deployment, within the bounds below.
    public var isCustomized: Bool
    public var minCPUNumber: Int?
    public var maxCPUNumber: Int?
    public var minMemory: Int?
    public var maxMemory: Int?
    public var offerHA: Bool
    public var limitCPUUse: Bool
    public var isVolatile: Bool
    public var hostTags: String?
    public var isSystem: Bool
    public var systemVMType: SystemVMType?
    public var defaultUse: Bool
    public var deploymentPlanner: DeploymentPlannerName?
    /// Mbps; `nil` uses the network's rate.
    public var networkRate: Int?
    public var dynamicScalingEnabled: Bool
    public var diskOfferingID: Int64
    public var diskOfferingStrictness: Bool
    public var state: OfferingState
    public var sortKey: Int
    /// A stable name for seeded offerings, so seeding runs once.
    public var uniqueName: String?
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, displayText: String, cpuNumber: Int?, cpuSpeed: Int?, memory: Int?,
                isCustomized: Bool = false, minCPUNumber: Int? = nil, maxCPUNumber: Int? = nil, minMemory: Int? = nil, maxMemory: Int? = nil,
                offerHA: Bool = false, limitCPUUse: Bool = false, isVolatile: Bool = false, hostTags: String? = nil, isSystem: Bool = false,
                systemVMType: SystemVMType? = nil, defaultUse: Bool = false, deploymentPlanner: DeploymentPlannerName? = nil, networkRate: Int? = nil,
                dynamicScalingEnabled: Bool = true, diskOfferingID: Int64 = 0, diskOfferingStrictness: Bool = false, state: OfferingState = .active,
                sortKey: Int = 0, uniqueName: String? = nil, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.displayText = displayText
        self.cpuNumber = cpuNumber
        self.cpuSpeed = cpuSpeed
        self.memory = memory
        self.isCustomized = isCustomized
        self.minCPUNumber = minCPUNumber
        self.maxCPUNumber = maxCPUNumber
        self.minMemory = minMemory
        self.maxMemory = maxMemory
        self.offerHA = offerHA
        self.limitCPUUse = limitCPUUse
        self.isVolatile = isVolatile
        self.hostTags = hostTags
        self.isSystem = isSystem
        self.systemVMType = systemVMType
        self.defaultUse = defaultUse
        self.deploymentPlanner = deploymentPlanner
        self.networkRate = networkRate
        self.dynamicScalingEnabled = dynamicScalingEnabled
        self.diskOfferingID = diskOfferingID
        self.diskOfferingStrictness = diskOfferingStrictness
        self.state = state
        self.sortKey = sortKey
        self.uniqueName = uniqueName
        self.created = created
    }

    /// `serviceofferingdetails` as CloudStack shows them: the bounds of a customised offering.
    public var details: [(String, String)] {
        var out: [(String, String)] = []
        if let minCPUNumber { out.append(("mincpunumber", String(minCPUNumber))) }
        if let maxCPUNumber { out.append(("maxcpunumber", String(maxCPUNumber))) }
        if let minMemory { out.append(("minmemory", String(minMemory))) }
        if let maxMemory { out.append(("maxmemory", String(maxMemory))) }
        return out
    }
}

/// The four kinds of offering, as the store's shared tables name them.
public enum OfferingKind: String, Sendable, Codable, CaseIterable {
    case service, disk, network, vpc
}
