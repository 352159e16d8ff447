import CirrusModel
import Foundation
import SQLKit

/// The fields a state change or update writes on an instance. `nil` leaves a field alone;
/// for optional fields `.some(nil)` clears it.
public struct VirtualMachineChanges: Sendable {
    public var hostID: Int64??
    public var podID: Int64??
    public var clusterID: Int64??
    public var lastHostID: Int64??
    public var powerState: PowerState?
    public var powerStateUpdated: Date?
    public var destroyed: Date??
    public var displayName: String?
    public var hostName: String?
    public var group: String??
    public var haEnabled: Bool?
    public var displayVM: Bool?
    public var osTypeID: Int64?
    public var userData: String??
    public var userDataID: Int64??
    public var details: [String: String]?
    public var serviceOfferingID: Int64?
    public var diskOfferingID: Int64??
    public var cpu: Int?
    public var cpuSpeed: Int64?
    public var memory: Int64?
    public var password: String??
    public var keyPairs: [String]?
    public var accountID: Int64?
    public var domainID: Int64?
    public var userID: Int64?
    public var templateID: Int64??
    public var dynamicallyScalable: Bool?

    public init() {}

    var columns: [(String, any SQLExpression)] {
        var out: [(String, any SQLExpression)] = []
        func add<T: Encodable & Sendable>(_ name: String, _ value: T??) { if let value { out.append((name, value.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)) } }
        func set<T: Encodable & Sendable>(_ name: String, _ value: T?) { if let value { out.append((name, SQLBind(value))) } }
        add("host_id", hostID); add("pod_id", podID); add("cluster_id", clusterID); add("last_host_id", lastHostID)
        set("power_state", powerState?.rawValue); set("power_state_updated", powerStateUpdated?.storedMillis)
        add("destroyed", destroyed.map { $0?.storedMillis }); set("display_name", displayName); set("host_name", hostName)
        add("instance_group", group); set("ha_enabled", haEnabled); set("display_vm", displayVM); set("os_type_id", osTypeID)
        add("user_data", userData); add("user_data_id", userDataID); set("details", details.map(VirtualMachineRepository.encode))
        set("service_offering_id", serviceOfferingID); add("disk_offering_id", diskOfferingID); set("cpu", cpu); set("cpu_speed", cpuSpeed)
        set("memory", memory); add("password", password); set("keypairs", keyPairs.map(VirtualMachineRepository.encode)); set("account_id", accountID)
        set("domain_id", domainID); set("user_id", userID); add("template_id", templateID); set("dynamically_scalable", dynamicallyScalable)
        return out
    }
}

/// The fields a state change or update writes on a volume (`.some(nil)` clears).
public struct VolumeChanges: Sendable {
    public var poolID: Int64??
    public var lastPoolID: Int64??
    public var podID: Int64??
    public var path: String??
    public var instanceID: Int64??
    public var deviceID: Int??
    public var attached: Date??
    public var destroyed: Date??
    public var size: Int64?
    public var diskOfferingID: Int64??
    public var name: String?
    public var accountID: Int64?
    public var domainID: Int64?
    public var minIOPS: Int64??
    public var maxIOPS: Int64??
    public var displayVolume: Bool?

    public init() {}

    var columns: [(String, any SQLExpression)] {
        var out: [(String, any SQLExpression)] = []
        func add<T: Encodable & Sendable>(_ name: String, _ value: T??) { if let value { out.append((name, value.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)) } }
        func set<T: Encodable & Sendable>(_ name: String, _ value: T?) { if let value { out.append((name, SQLBind(value))) } }
        add("pool_id", poolID); add("last_pool_id", lastPoolID); add("pod_id", podID); add("path", path); add("instance_id", instanceID)
        add("device_id", deviceID); add("attached", attached.map { $0?.storedMillis }); add("destroyed", destroyed.map { $0?.storedMillis })
        set("size", size); add("disk_offering_id", diskOfferingID); set("name", name); set("account_id", accountID); set("domain_id", domainID)
        add("min_iops", minIOPS); add("max_iops", maxIOPS); set("display_volume", displayVolume)
        return out
    }
}
