import CirrusModel

extension Settings {
    public static let deploymentPlanner = ConfigDefinition("vm.deployment.planner", category: "Advanced", type: .string, default: "FirstFitPlanner",
        description: "The planner that orders clusters for new instances when the service offering names none",
        options: DeploymentPlannerName.allCases.map(\.rawValue))
    public static let allocationAlgorithm = ConfigDefinition("vm.allocation.algorithm", category: "Advanced", type: .string, default: "random",
        description: "How hosts and storage pools are ordered within a cluster: random, firstfit, userdispersing, userconcentratedpod_random, userconcentratedpod_firstfit or firstfitleastconsumed",
        options: AllocationAlgorithm.allCases.map(\.rawValue))
    public static let startRetry = ConfigDefinition("start.retry", category: "Advanced", type: .integer, default: "10",
        description: "How many hosts a start tries before it gives up", range: 1...100)
    public static let expungeDelay = ConfigDefinition("expunge.delay", category: "Advanced", type: .integer, default: "86400",
        description: "Seconds a destroyed instance is kept (and can be recovered) before it is expunged", range: 0...31_536_000)
    public static let expungeInterval = ConfigDefinition("expunge.interval", category: "Advanced", type: .integer, default: "86400",
        description: "Seconds between runs of the expunger, which removes destroyed instances and volumes", range: 1...31_536_000)
    public static let instanceNameSuffix = ConfigDefinition("instance.name", category: "Advanced", type: .string, default: "VM",
        description: "The last part of the hypervisor names of instances (i-<account>-<id>-<this>)")
    public static let allowUserExpungeRecover = ConfigDefinition("allow.user.expunge.recover.vm", category: "Advanced", type: .boolean, default: "false",
        description: "Whether users (not only admins) may expunge and recover their instances", scopes: [.account])
    public static let clusterThresholdEnabled = ConfigDefinition("cluster.threshold.enabled", category: "Advanced", type: .boolean, default: "true",
        description: "Whether clusters past their CPU or memory disable thresholds take no new instances", scopes: [.zone])
    public static let startCommandWait = ConfigDefinition("start.command.wait", category: "Advanced", type: .integer, default: "600",
        description: "Seconds the management server waits for a host to start an instance", range: 1...86_400)
    public static let enableDynamicScale = ConfigDefinition("enable.dynamic.scale.vm", category: "Advanced", type: .boolean, default: "false",
        description: "Whether running instances may be scaled in place (scaleVirtualMachine)", scopes: [.zone])

    /// The settings of instances and their placement.
    static let compute: [ConfigDefinition] = [deploymentPlanner, allocationAlgorithm, startRetry, expungeDelay, expungeInterval, instanceNameSuffix,
                                              allowUserExpungeRecover, clusterThresholdEnabled, startCommandWait, enableDynamicScale]
}
