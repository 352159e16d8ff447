import Foundation

/// The kinds of capacity CloudStack tracks, with its numbering (`op_host_capacity.capacity_type`),
/// which `listCapacity` reports as `type`.
public enum CapacityType: Int, Sendable, Codable, CaseIterable {
    case memory = 0
    case cpu = 1
    case storage = 2
    case storageAllocated = 3
    case publicIP = 4
    case privateIP = 5
    case secondaryStorage = 6
    case vlan = 7
    case directAttachedPublicIP = 8
    case localStorage = 9
    case cpuCore = 90

    /// The name `listCapacity` shows, as CloudStack spells it.
    public var name: String {
        switch self {
        case .memory: "MEMORY"
        case .cpu: "CPU"
        case .storage: "STORAGE"
        case .storageAllocated: "STORAGE_ALLOCATED"
        case .publicIP: "VIRTUAL_NETWORK_PUBLIC_IP"
        case .privateIP: "PRIVATE_IP"
        case .secondaryStorage: "SECONDARY_STORAGE"
        case .vlan: "VLAN"
        case .directAttachedPublicIP: "DIRECT_ATTACHED_PUBLIC_IP"
        case .localStorage: "LOCAL_STORAGE"
        case .cpuCore: "CPU_CORE"
        }
    }
}

/// What a capacity row measures: a host, a storage pool, a pod, a zone or an image store.
public enum CapacityOwner: String, Sendable, Codable {
    case host, storagePool = "pool", pod, zone, imageStore = "imagestore"
}

/// One measured capacity: CloudStack's `op_host_capacity` row. `total` already includes any
/// overprovisioning factor; `used` is what is in use; `reserved` is held for starting work.
public struct CapacityRecord: Sendable, Equatable {
    public var type: CapacityType
    public var owner: CapacityOwner
    public var ownerID: Int64
    public var zoneID: Int64
    public var podID: Int64?
    public var clusterID: Int64?
    public var used: Int64
    public var reserved: Int64
    public var total: Int64
    /// Storage tag of a pool, for `listCapacity tag=`.
    public var tag: String?

    public init(type: CapacityType, owner: CapacityOwner, ownerID: Int64, zoneID: Int64, podID: Int64?, clusterID: Int64?, used: Int64, reserved: Int64 = 0, total: Int64, tag: String? = nil) {
        self.type = type; self.owner = owner; self.ownerID = ownerID; self.zoneID = zoneID; self.podID = podID
        self.clusterID = clusterID; self.used = used; self.reserved = reserved; self.total = total; self.tag = tag
    }

    /// used / total, or 0 when nothing is there.
    public var fractionUsed: Double { total > 0 ? Double(used + reserved) / Double(total) : 0 }
}

/// A sum of capacity records over a zone, pod or cluster: one `listCapacity` item.
public struct CapacitySummary: Sendable, Equatable {
    public var type: CapacityType
    public var zoneID: Int64
    public var podID: Int64?
    public var clusterID: Int64?
    public var used: Int64
    /// Used plus reserved: what `capacityallocated` reports.
    public var allocated: Int64
    public var total: Int64
    public var tag: String?

    public init(type: CapacityType, zoneID: Int64, podID: Int64?, clusterID: Int64?, used: Int64, allocated: Int64, total: Int64, tag: String? = nil) {
        self.type = type; self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID
        self.used = used; self.allocated = allocated; self.total = total; self.tag = tag
    }

    /// The percentage CloudStack shows, with two decimals.
    public var percentUsed: Double {
        guard total > 0 else { return 0 }
        return (Double(allocated) / Double(total) * 10_000).rounded() / 100
    }

    /// Sums `records` per (type, zone[, pod[, cluster]]) at the requested level, as
    /// `listCapacity` groups them: per zone when no pod or cluster is asked for.
    public static func summarise(_ records: [CapacityRecord], level: Level) -> [CapacitySummary] {
        struct Key: Hashable { let type: CapacityType; let zone: Int64; let pod: Int64?; let cluster: Int64?; let tag: String? }
        var sums: [Key: CapacitySummary] = [:]
        var order: [Key] = []
        for r in records {
            let key = Key(type: r.type, zone: r.zoneID,
                          pod: level == .zone ? nil : r.podID,
                          cluster: level == .cluster ? r.clusterID : nil, tag: r.tag)
            if sums[key] == nil {
                order.append(key)
                sums[key] = CapacitySummary(type: r.type, zoneID: r.zoneID, podID: key.pod, clusterID: key.cluster, used: 0, allocated: 0, total: 0, tag: r.tag)
            }
            sums[key]!.used += r.used
            sums[key]!.allocated += r.used + r.reserved
            sums[key]!.total += r.total
        }
        return order.compactMap { sums[$0] }
    }

    /// The grouping level of a summary.
    public enum Level: Sendable { case zone, pod, cluster }
}

/// An alert raised for operators (CloudStack's `alert` row).
public struct Alert: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    /// CloudStack's alert type number (capacity alerts share numbers with ``CapacityType``).
    public var type: Int
    /// A short machine-readable name such as `ALERT.MEMORY`.
    public var name: String
    public var subject: String
    public var content: String?
    public var zoneID: Int64?
    public var podID: Int64?
    public var clusterID: Int64?
    public var sentCount: Int
    public var archived: Bool
    public var created: Date
    public var lastSent: Date

    public init(id: Int64, uuid: UUID, type: Int, name: String, subject: String, content: String?, zoneID: Int64?, podID: Int64?, clusterID: Int64?,
                sentCount: Int, archived: Bool, created: Date, lastSent: Date) {
        self.id = id; self.uuid = uuid; self.type = type; self.name = name; self.subject = subject; self.content = content
        self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID; self.sentCount = sentCount
        self.archived = archived; self.created = created; self.lastSent = lastSent
    }
}

/// CloudStack's alert types (`AlertService.AlertType`): number and name.
public enum AlertType {
    public static let memory = (0, "ALERT.MEMORY")
    public static let cpu = (1, "ALERT.CPU")
    public static let storage = (2, "ALERT.STORAGE")
    public static let storageAllocated = (3, "ALERT.STORAGE.ALLOCATED")
    public static let publicIP = (4, "ALERT.NETWORK.PUBLICIP")
    public static let privateIP = (5, "ALERT.NETWORK.PRIVATEIP")
    public static let secondaryStorage = (6, "ALERT.STORAGE.SECONDARY")
    public static let host = (7, "ALERT.COMPUTE.HOST")
    public static let userVM = (8, "ALERT.USERVM")
    public static let domainRouter = (9, "ALERT.SERVICE.DOMAINROUTER")
    public static let consoleProxy = (10, "ALERT.SERVICE.CONSOLEPROXY")
    public static let routing = (11, "ALERT.NETWORK.ROUTING")
    public static let storageMisc = (12, "ALERT.STORAGE.MISC")
    public static let usageServer = (13, "ALERT.USAGE")
    public static let managementNode = (14, "ALERT.MANAGEMENT")
    public static let vlan = (18, "ALERT.NETWORK.VLAN")
    public static let ssvm = (19, "ALERT.SERVICE.SSVM")
    public static let localStorage = (25, "ALERT.STORAGE.LOCAL")
    public static let resourceLimitExceeded = (26, "ALERT.RESOURCE.EXCEED")
    public static let sync = (27, "ALERT.TYPE.SYNC")
    public static let uploadFailed = (28, "ALERT.UPLOAD.FAILED")

    /// Every type `listAlertTypes` reports, in number order.
    public static let all: [(Int, String)] = [memory, cpu, storage, storageAllocated, publicIP, privateIP, secondaryStorage, host, userVM,
                                              domainRouter, consoleProxy, routing, storageMisc, usageServer, managementNode, vlan, ssvm,
                                              localStorage, resourceLimitExceeded, sync, uploadFailed]

    /// The capacity alert for a capacity type, if CloudStack raises one.
    public static func forCapacity(_ type: CapacityType) -> (Int, String)? {
        switch type {
        case .memory: memory
        case .cpu: cpu
        case .storage: storage
        case .storageAllocated: storageAllocated
        case .publicIP: publicIP
        case .privateIP: privateIP
        case .secondaryStorage: secondaryStorage
        case .vlan: vlan
        case .localStorage: localStorage
        case .directAttachedPublicIP, .cpuCore: nil
        }
    }
}
