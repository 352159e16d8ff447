import Foundation

/// What drives one host: the Simulator, later KVM. The agent's link loop (WebSocket or
/// in-process) calls it; it never talks to the management server itself.
public protocol HostResource: Sendable {
    /// The host's facts, sent as the first request of every link.
    func startup() async -> StartupInfo
    /// The periodic heartbeat.
    func ping() async -> PingReport
    /// Runs one command. Unknown commands answer ``Answer/unsupported(_:)``.
    func execute(_ command: AgentCommand) async -> Answer
}

/// What the management server knows when it creates an in-process simulated host for
/// `addHost` (or re-attaches one at start): the resource is built from it.
public struct SimulatedHostSpec: Sendable, Equatable {
    public var guid: String
    public var name: String
    /// The `addHost` URL, e.g. `http://sim/c0/h0/cpucore=8&memory=17179869184`.
    public var url: String
    public var zoneUUID: String
    public var podUUID: String
    public var clusterUUID: String
    public var capacity: SimulatorCapacity
    public var privateIP: String
    public var privateMAC: String

    public init(guid: String, name: String, url: String, zoneUUID: String, podUUID: String, clusterUUID: String, capacity: SimulatorCapacity,
                privateIP: String, privateMAC: String) {
        self.guid = guid; self.name = name; self.url = url; self.zoneUUID = zoneUUID; self.podUUID = podUUID
        self.clusterUUID = clusterUUID; self.capacity = capacity; self.privateIP = privateIP; self.privateMAC = privateMAC
    }
}

/// The capacity of a simulated host. Defaults as CloudStack's simulator: 4 cores at
/// 8000 MHz, 8 GiB memory, 1 TiB local storage.
public struct SimulatorCapacity: Sendable, Equatable, Codable {
    public var cpuCores: Int
    /// MHz per core.
    public var cpuSpeed: Int64
    /// Bytes.
    public var memory: Int64
    /// Bytes of local storage.
    public var localStorage: Int64

    public static let `default` = SimulatorCapacity(cpuCores: 4, cpuSpeed: 8000, memory: 8 * 1024 * 1024 * 1024, localStorage: 1024 * 1024 * 1024 * 1024)

    public init(cpuCores: Int, cpuSpeed: Int64, memory: Int64, localStorage: Int64) {
        self.cpuCores = cpuCores; self.cpuSpeed = cpuSpeed; self.memory = memory; self.localStorage = localStorage
    }

    /// Reads `cpuspeed=..&cpucore=..&memory=..&localstorage=..` from the URL's last path
    /// segment; absent keys keep their defaults. Returns nil with a reason on a bad value.
    public static func parse(url: String) -> Result<SimulatorCapacity, CapacityError> {
        var capacity = SimulatorCapacity.default
        let path = url.split(separator: "?", maxSplits: 1)[0]
        guard let last = path.split(separator: "/").last, last.contains("=") else { return .success(capacity) }
        for pair in last.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let key = parts[0].lowercased()
            guard ["cpuspeed", "cpucore", "memory", "localstorage"].contains(key) else { continue }
            guard let value = Int64(parts[1]), value > 0 else { return .failure(CapacityError(message: "Invalid simulator capacity \(parts[0])=\(parts[1]): a positive integer is required")) }
            switch key {
            case "cpuspeed": capacity.cpuSpeed = value
            case "cpucore": capacity.cpuCores = Int(value)
            case "memory": capacity.memory = value
            default: capacity.localStorage = value
            }
        }
        return .success(capacity)
    }

    public struct CapacityError: Error, Sendable, Equatable {
        public var message: String
    }
}
