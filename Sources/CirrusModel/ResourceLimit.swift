import Foundation

/// CloudStack's `Resource.ResourceType`: what a limit and a count are about. The raw value
/// is the ordinal the API's `resourcetype` parameter and field carry.
public enum ResourceType: Int, Sendable, Codable, CaseIterable, Comparable {
    case userVM = 0
    case publicIP = 1
    case volume = 2
    case snapshot = 3
    case template = 4
    case project = 5
    case network = 6
    case vpc = 7
    case cpu = 8
    /// MiB.
    case memory = 9
    /// Bytes internally, GiB on the API.
    case primaryStorage = 10
    /// Bytes internally, GiB on the API.
    case secondaryStorage = 11

    /// CloudStack's name (`resourcetypename`), such as `user_vm`.
    public var name: String {
        switch self {
        case .userVM: "user_vm"
        case .publicIP: "public_ip"
        case .volume: "volume"
        case .snapshot: "snapshot"
        case .template: "template"
        case .project: "project"
        case .network: "network"
        case .vpc: "vpc"
        case .cpu: "cpu"
        case .memory: "memory"
        case .primaryStorage: "primary_storage"
        case .secondaryStorage: "secondary_storage"
        }
    }

    /// The type named `name` (case-insensitive), as `resourcetypename` gives it.
    public init?(name: String) {
        guard let t = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = t
    }

    /// Storage types are kept in bytes and shown in GiB.
    public var isStorage: Bool { self == .primaryStorage || self == .secondaryStorage }

    public static func < (a: ResourceType, b: ResourceType) -> Bool { a.rawValue < b.rawValue }
}

/// Whose limit or count a row is: an account's, or a domain's (which covers its whole subtree).
public enum ResourceOwnerKind: String, Sendable, Codable {
    case account
    case domain
}

/// The pure arithmetic of limits: unlimited values, unit conversions, checks, the
/// effective limit of an account or a domain, and CloudStack's messages.
public enum ResourceLimits {
    /// `-1`: no limit.
    public static let unlimited: Int64 = -1
    /// Bytes in a GiB (storage limits are GiB on the API and in the settings).
    public static let bytesPerGiB: Int64 = 1_073_741_824

    /// May `count` grow by `delta` under `limit`? Negative limits are unlimited; shrinking
    /// always passes.
    public static func allows(count: Int64, delta: Int64, limit: Int64) -> Bool {
        if limit < 0 || delta <= 0 { return true }
        let (sum, overflow) = count.addingReportingOverflow(delta)
        return !overflow && sum <= limit
    }

    /// A count after adding `delta`, never below zero.
    public static func adjusted(_ count: Int64, by delta: Int64) -> Int64 {
        let (sum, overflow) = count.addingReportingOverflow(delta)
        if overflow { return delta > 0 ? Int64.max : 0 }
        return max(0, sum)
    }

    /// What is left under a limit (`nil` when unlimited), never below zero.
    public static func available(count: Int64, limit: Int64) -> Int64? {
        limit < 0 ? nil : max(0, limit - count)
    }

    /// A limit as the API shows it: GiB for storage types (rounded up, as CloudStack does),
    /// -1 for unlimited.
    public static func apiValue(_ stored: Int64, for type: ResourceType) -> Int64 {
        guard stored >= 0, type.isStorage else { return stored < 0 ? unlimited : stored }
        return stored / bytesPerGiB + (stored % bytesPerGiB == 0 ? 0 : 1)
    }

    /// A limit as stored from the API's value: bytes for storage types, -1 for unlimited.
    /// `nil` when the value is below -1 or would overflow.
    public static func storedValue(_ api: Int64, for type: ResourceType) -> Int64? {
        if api < unlimited { return nil }
        if api == unlimited { return unlimited }
        guard type.isStorage else { return api }
        let (bytes, overflow) = api.multipliedReportingOverflow(by: bytesPerGiB)
        return overflow ? nil : bytes
    }

    /// The limit a setting's value stands for (the `max.account.*`/`max.domain.*` values are
    /// GiB for storage; negative means unlimited).
    public static func fromSetting(_ value: Int64, for type: ResourceType) -> Int64 {
        value < 0 ? unlimited : (storedValue(value, for: type) ?? unlimited)
    }

    /// An account's effective limit: none for root-admin accounts, else its own row, else
    /// the default.
    public static func accountLimit(isRootAdmin: Bool, row: Int64?, defaultValue: Int64) -> Int64 {
        if isRootAdmin { return unlimited }
        return row ?? defaultValue
    }

    /// A domain's effective limit, as CloudStack finds it: ROOT is never limited; otherwise
    /// the domain's own row, else the nearest ancestor's row below ROOT, else the default.
    /// `rows` holds the rows of the domain and its ancestors, nearest first (ROOT excluded
    /// or `nil`).
    public static func domainLimit(isRoot: Bool, rows: [Int64?], defaultValue: Int64) -> Int64 {
        if isRoot { return unlimited }
        for row in rows { if let row { return row } }
        return defaultValue
    }

    /// CloudStack's human-readable size (`NumbersUtil.toReadableSize`): bytes below 1 KiB,
    /// then KB, MB and GB with two decimals and TB with four.
    public static func readableSize(_ bytes: Int64) -> String {
        let kb: Double = 1024, mb = kb * 1024, gb = mb * 1024, tb = gb * 1024
        let b = Double(bytes)
        if bytes >= 0 && b < kb { return "\(bytes) bytes" }
        if b < mb { return String(format: "%.2f KB", b / kb) }
        if b < gb { return String(format: "%.2f MB", b / mb) }
        if b < tb { return String(format: "%.2f GB", b / gb) }
        return String(format: "%.4f TB", b / tb)
    }

    static func shown(_ value: Int64, _ type: ResourceType) -> String {
        type.isStorage ? readableSize(value) : String(value)
    }

    /// The `ResourceAllocationException` an account's limit raises.
    public static func accountExceeded(type: ResourceType, accountName: String, domainUUID: String, limit: Int64, count: Int64, requested: Int64) -> CloudError {
        .resourceAllocation("Maximum amount of resources of Type = '\(type.name)' for Account Name = \(accountName) in Domain Id = \(domainUUID) is exceeded: "
            + "Account Resource Limit = \(shown(limit, type)), Current Account Resource Amount = \(shown(count, type)), "
            + "Current Account Resource Reservation = \(shown(0, type)), Requested Resource Amount = \(shown(requested, type)).")
    }

    /// The `ResourceAllocationException` a domain's limit raises.
    public static func domainExceeded(type: ResourceType, domainUUID: String, limit: Int64, count: Int64, requested: Int64) -> CloudError {
        .resourceAllocation("Maximum domain resource limits of Type '\(type.name)' for Domain Id = \(domainUUID) is exceeded: "
            + "Domain Resource Limit = \(shown(limit, type)), Current Domain Resource Amount = \(shown(count, type)), "
            + "Current Resource Reservation = \(shown(0, type)), Requested Resource Amount = \(shown(requested, type)).")
    }
}

extension CloudError {
    /// 535 `RESOURCE_ALLOCATION_ERROR` with `ResourceAllocationException`'s code: a resource
    /// limit would be exceeded.
    public static func resourceAllocation(_ message: String) -> CloudError {
        CloudError(.resourceAllocation, message, csCode: .resourceAllocation)
    }
}

/// One limit as `listResourceLimits` shows it: a stored row, or the default when none exists.
public struct ResourceLimitEntry: Sendable, Equatable {
    /// The stored row's id; `nil` for a default.
    public var id: Int64?
    public var ownerKind: ResourceOwnerKind
    public var ownerID: Int64
    public var type: ResourceType
    /// Stored units (bytes for storage); -1 unlimited.
    public var max: Int64

    public init(id: Int64?, ownerKind: ResourceOwnerKind, ownerID: Int64, type: ResourceType, max: Int64) {
        self.id = id
        self.ownerKind = ownerKind
        self.ownerID = ownerID
        self.type = type
        self.max = max
    }
}

/// One count as `updateResourceCount` returns it.
public struct ResourceCountEntry: Sendable, Equatable {
    public var ownerKind: ResourceOwnerKind
    public var ownerID: Int64
    public var type: ResourceType
    /// Stored units (bytes for storage, MiB for memory).
    public var count: Int64

    public init(ownerKind: ResourceOwnerKind, ownerID: Int64, type: ResourceType, count: Int64) {
        self.ownerKind = ownerKind
        self.ownerID = ownerID
        self.type = type
        self.count = count
    }
}
