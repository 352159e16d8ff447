import Foundation

/// The CPU and memory of an instance: fixed by its compute offering, or given in the
/// `details` of a deploy or offering change (`cpuNumber`, `cpuSpeed`, `memory`, keys in any
/// letter case) for the parts a custom offering leaves open, within its bounds.
public struct InstanceShape: Sendable, Equatable {
    /// Cores.
    public var cpu: Int
    /// MHz per core.
    public var cpuSpeed: Int64
    /// MiB.
    public var memory: Int64

    public init(cpu: Int, cpuSpeed: Int64, memory: Int64) {
        self.cpu = cpu
        self.cpuSpeed = cpuSpeed
        self.memory = memory
    }

    /// CloudStack's error when a custom offering's figures are missing.
    public static let customMissing = CloudError.invalidParameter("Need to specify custom parameter values cpu, cpu speed and memory when using custom offering")

    /// The detail keys that carry a custom shape (lower-cased); they are not kept as instance details.
    public static let detailKeys: Set<String> = ["cpunumber", "cpuspeed", "memory"]

    /// Resolves the shape of `offering` with `details`, refusing missing, non-positive or
    /// out-of-bounds figures with CloudStack's texts.
    public static func resolve(offering: ServiceOffering, details: [String: String]) throws(CloudError) -> InstanceShape {
        var shape = InstanceShape(cpu: offering.cpuNumber ?? 0, cpuSpeed: Int64(offering.cpuSpeed ?? 0), memory: Int64(offering.memory ?? 0))
        if offering.isCustomized {
            let lower = Dictionary(details.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            func number(_ key: String) throws(CloudError) -> Int64 {
                guard let text = lower[key.lowercased()] else { throw customMissing }
                guard let n = Int64(text), n > 0 else { throw CloudError.invalidParameter("Invalid \(key) value \(text) for the custom offering") }
                return n
            }
            if offering.cpuNumber == nil { shape.cpu = Int(try number("cpuNumber")) }
            if offering.cpuSpeed == nil { shape.cpuSpeed = try number("cpuSpeed") }
            if offering.memory == nil { shape.memory = try number("memory") }
            if let low = offering.minCPUNumber, shape.cpu < low {
                throw CloudError.invalidParameter("The number of CPUs must be between \(low) and \(offering.maxCPUNumber ?? low)")
            }
            if let high = offering.maxCPUNumber, shape.cpu > high {
                throw CloudError.invalidParameter("The number of CPUs must be between \(offering.minCPUNumber ?? 1) and \(high)")
            }
            if let low = offering.minMemory, shape.memory < Int64(low) {
                throw CloudError.invalidParameter("The memory must be between \(low) and \(offering.maxMemory ?? low) MB")
            }
            if let high = offering.maxMemory, shape.memory > Int64(high) {
                throw CloudError.invalidParameter("The memory must be between \(offering.minMemory ?? 32) and \(high) MB")
            }
        }
        guard shape.cpu > 0, shape.cpuSpeed > 0, shape.memory > 0 else { throw customMissing }
        return shape
    }
}
