import Foundation

/// CPU and memory of a service offering after validation: fixed values, or a customised
/// offering with optional bounds.
public struct ComputeShape: Sendable, Equatable {
    public var cpuNumber: Int?
    public var cpuSpeed: Int?
    public var memory: Int?
    public var isCustomized: Bool
    public var minCPUNumber: Int?
    public var maxCPUNumber: Int?
    public var minMemory: Int?
    public var maxMemory: Int?

    public init(cpuNumber: Int? = nil, cpuSpeed: Int? = nil, memory: Int? = nil, isCustomized: Bool = false,
                minCPUNumber: Int? = nil, maxCPUNumber: Int? = nil, minMemory: Int? = nil, maxMemory: Int? = nil) {
        self.cpuNumber = cpuNumber
        self.cpuSpeed = cpuSpeed
        self.memory = memory
        self.isCustomized = isCustomized
        self.minCPUNumber = minCPUNumber
        self.maxCPUNumber = maxCPUNumber
        self.minMemory = minMemory
        self.maxMemory = maxMemory
    }
}

/// The validation rules of offerings, as pure functions.
public enum OfferingRules {
    /// The smallest memory (MB) an offering may give an instance.
    public static let minimumMemory = 32

    /// Validates the CPU and memory parameters of `createServiceOffering`.
    ///
    /// A fixed offering needs `cpunumber` and `memory`. A customised one (`customized=true`,
    /// or neither value given) takes no fixed values; its bounds `mincpunumber`,
    /// `maxcpunumber`, `minmemory`, `maxmemory` are all given or all left out.
    public static func computeShape(cpuNumber: Int?, cpuSpeed: Int?, memory: Int?, customized: Bool?,
                                    minCPU: Int?, maxCPU: Int?, minMemory: Int?, maxMemory: Int?) throws(CloudError) -> ComputeShape {
        if let cpuNumber, cpuNumber < 1 {
            throw .invalidParameter("Failed to create service offering: specify the cpu number value between 1 and \(Int32.max)")
        }
        if let cpuSpeed, cpuSpeed < 1 {
            throw .invalidParameter("Failed to create service offering: specify the cpu speed value between 1 and \(Int32.max)")
        }
        if let memory, memory < minimumMemory {
            throw .invalidParameter("Failed to create service offering: specify the memory value between \(minimumMemory) and \(Int32.max) MB")
        }
        let isCustomized = customized ?? (cpuNumber == nil && memory == nil)
        let bounds = [minCPU, maxCPU, minMemory, maxMemory]
        if !isCustomized {
            guard cpuNumber != nil, memory != nil else {
                throw .invalidParameter("For creating a fixed compute offering cpunumber and memory are mandatory; use customized=true for a custom offering")
            }
            if bounds.contains(where: { $0 != nil }) {
                throw .invalidParameter("mincpunumber, maxcpunumber, minmemory and maxmemory are only allowed for a custom compute offering (customized=true)")
            }
            return ComputeShape(cpuNumber: cpuNumber, cpuSpeed: cpuSpeed, memory: memory)
        }
        if cpuNumber != nil || memory != nil {
            throw .invalidParameter("For creating a custom compute offering cpunumber and memory should not be given; use mincpunumber, maxcpunumber, minmemory and maxmemory")
        }
        let given = bounds.compactMap { $0 }
        guard given.isEmpty || given.count == bounds.count else {
            throw .invalidParameter("For creating a custom compute offering min/max cpu and min/max memory should all be null or all specified")
        }
        if let minCPU, let maxCPU, let minMemory, let maxMemory {
            guard minCPU >= 1, maxCPU >= 1 else { throw .invalidParameter("mincpunumber and maxcpunumber must be at least 1") }
            guard minMemory >= minimumMemory, maxMemory >= minimumMemory else {
                throw .invalidParameter("minmemory and maxmemory must be at least \(minimumMemory) MB")
            }
            guard minCPU <= maxCPU else { throw .invalidParameter("Minimum CPU number (\(minCPU)) should be less than or equal to maximum CPU number (\(maxCPU))") }
            guard minMemory <= maxMemory else { throw .invalidParameter("Minimum memory (\(minMemory)) should be less than or equal to maximum memory (\(maxMemory))") }
        }
        return ComputeShape(cpuSpeed: cpuSpeed, isCustomized: true, minCPUNumber: minCPU, maxCPUNumber: maxCPU, minMemory: minMemory, maxMemory: maxMemory)
    }

    /// Validates IOPS bounds: with `customizediops` the user picks IOPS at creation, so fixed
    /// values are refused; otherwise min ≤ max and both non-negative.
    public static func iops(min: Int64?, max: Int64?, customized: Bool) throws(CloudError) {
        if customized {
            if min != nil || max != nil {
                throw .invalidParameter("miniops and maxiops cannot be given when customizediops is true")
            }
            return
        }
        if let min, min < 0 { throw .invalidParameter("miniops must be 0 or more") }
        if let max, max < 0 { throw .invalidParameter("maxiops must be 0 or more") }
        if let min, let max, min > max {
            throw .invalidParameter("miniops (\(min)) must be less than or equal to maxiops (\(max))")
        }
    }

    /// Validates the size of a disk offering: a fixed size within the custom size bounds,
    /// or none for a customised one.
    public static func diskSize(_ size: Int64?, customized: Bool, bounds: ClosedRange<Int64>) throws(CloudError) -> Int64 {
        if customized {
            if let size, size != 0 { throw .invalidParameter("disksize cannot be given for a customized disk offering") }
            return 0
        }
        guard let size else { throw .invalidParameter("Disk size must be specified for a non-customized disk offering") }
        guard bounds.contains(size) else {
            throw .invalidParameter("Disk size must be between \(bounds.lowerBound) and \(bounds.upperBound) GB, got \(size)")
        }
        return size
    }

    /// Every rate must be positive when given.
    public static func rates(_ rates: DiskRates) throws(CloudError) {
        for name in DiskRates.parameterNames {
            if let v = rates[name], v < 0 { throw .invalidParameter("\(name) must be 0 or more, got \(v)") }
        }
    }

    /// Normalises a tag list: trimmed, empties dropped, comma separated; `nil` when empty.
    public static func tags(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let parts = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: ",")
    }

    /// Parses one of an offering enum's values, with a precise error naming the parameter.
    public static func parse<E: OfferingValue>(_ raw: String?, as type: E.Type, parameter: String) throws(CloudError) -> E? {
        guard let raw else { return nil }
        guard let value = E(caseInsensitive: raw) else {
            throw .invalidParameter("Invalid value \(raw) for \(parameter); supported values are \(E.allowedValues)")
        }
        return value
    }
}
