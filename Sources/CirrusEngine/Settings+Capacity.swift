import CirrusModel

extension Settings {
    public static let cpuOverprovisioning = ConfigDefinition("cpu.overprovisioning.factor", category: "Advanced", type: .float, default: "1",
        description: "Multiplies the CPU (MHz) of a cluster's hosts for allocation", scopes: [.cluster], range: 1...1000)
    public static let memoryOverprovisioning = ConfigDefinition("mem.overprovisioning.factor", category: "Advanced", type: .float, default: "1",
        description: "Multiplies the memory of a cluster's hosts for allocation", scopes: [.cluster], range: 1...1000)
    public static let storageOverprovisioning = ConfigDefinition("storage.overprovisioning.factor", category: "Storage", type: .float, default: "2",
        description: "Multiplies the size of shared (NFS, SharedMountPoint) and local pools for allocation", scopes: [.storagePool], range: 1...1000)
    public static let capacityCheckPeriod = ConfigDefinition("capacity.check.period", category: "Alert", type: .long, default: "300000",
        description: "Milliseconds between capacity checks (and capacity alerts)", range: 1000...86_400_000)

    public static let cpuNotificationThreshold = ConfigDefinition("cluster.cpu.allocated.capacity.notificationthreshold", category: "Alert", type: .float, default: "0.75",
        description: "Fraction of a cluster's CPU allocated at which an alert is raised", scopes: [.cluster], range: 0...1)
    public static let memoryNotificationThreshold = ConfigDefinition("cluster.memory.allocated.capacity.notificationthreshold", category: "Alert", type: .float, default: "0.75",
        description: "Fraction of a cluster's memory allocated at which an alert is raised", scopes: [.cluster], range: 0...1)
    public static let storageNotificationThreshold = ConfigDefinition("cluster.storage.capacity.notificationthreshold", category: "Alert", type: .float, default: "0.75",
        description: "Fraction of a cluster's primary storage used at which an alert is raised", scopes: [.cluster], range: 0...1)
    public static let storageAllocatedNotificationThreshold = ConfigDefinition("cluster.storage.allocated.capacity.notificationthreshold", category: "Alert", type: .float, default: "0.75",
        description: "Fraction of a cluster's primary storage allocated at which an alert is raised", scopes: [.cluster], range: 0...1)
    public static let publicIPNotificationThreshold = ConfigDefinition("zone.virtualnetwork.publicip.capacity.notificationthreshold", category: "Alert", type: .float, default: "0.75",
        description: "Fraction of a zone's public IP addresses in use at which an alert is raised", scopes: [.zone], range: 0...1)
    public static let privateIPNotificationThreshold = ConfigDefinition("pod.privateip.capacity.notificationthreshold", category: "Alert", type: .float, default: "0.75",
        description: "Fraction of a pod's management addresses in use at which an alert is raised", range: 0...1)
    public static let secondaryStorageNotificationThreshold = ConfigDefinition("zone.secstorage.capacity.notificationthreshold", category: "Alert", type: .float, default: "0.75",
        description: "Fraction of a zone's secondary storage used at which an alert is raised", scopes: [.zone], range: 0...1)
    public static let vlanNotificationThreshold = ConfigDefinition("zone.vlan.capacity.notificationthreshold", category: "Alert", type: .float, default: "0.75",
        description: "Fraction of a zone's guest VLANs/VNIs in use at which an alert is raised", scopes: [.zone], range: 0...1)

    public static let cpuDisableThreshold = ConfigDefinition("cluster.cpu.allocated.capacity.disablethreshold", category: "Alert", type: .float, default: "0.85",
        description: "Fraction of a cluster's CPU allocated above which the planner skips the cluster", scopes: [.cluster], range: 0...1)
    public static let memoryDisableThreshold = ConfigDefinition("cluster.memory.allocated.capacity.disablethreshold", category: "Alert", type: .float, default: "0.85",
        description: "Fraction of a cluster's memory allocated above which the planner skips the cluster", scopes: [.cluster], range: 0...1)
    public static let poolUsedDisableThreshold = ConfigDefinition("pool.storage.capacity.disablethreshold", category: "Alert", type: .float, default: "0.85",
        description: "Fraction of a pool used above which no new volume is placed on it", scopes: [.storagePool, .zone], range: 0...1)
    public static let poolAllocatedDisableThreshold = ConfigDefinition("pool.storage.allocated.capacity.disablethreshold", category: "Alert", type: .float, default: "0.85",
        description: "Fraction of a pool allocated above which no new volume is placed on it", scopes: [.storagePool, .zone], range: 0...1)

    /// The capacity and alert settings.
    public static let capacity: [ConfigDefinition] = [
        cpuOverprovisioning, memoryOverprovisioning, storageOverprovisioning, capacityCheckPeriod,
        cpuNotificationThreshold, memoryNotificationThreshold, storageNotificationThreshold, storageAllocatedNotificationThreshold,
        publicIPNotificationThreshold, privateIPNotificationThreshold, secondaryStorageNotificationThreshold, vlanNotificationThreshold,
        cpuDisableThreshold, memoryDisableThreshold, poolUsedDisableThreshold, poolAllocatedDisableThreshold,
    ]
}
