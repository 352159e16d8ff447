import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation

extension InstanceService {
    /// A reservation lost to another server or job between planning and committing.
    struct LostRace: Error {}

    /// What a start needs besides the instance: its volumes and the rules for placing them.
    struct StartContext {
        var volumes: [Volume]
        var demands: [VolumeDemand]
        var request: PlacementRequest
        var templatePath: String?
        var poolUUIDs: [Int64: String]
    }

    func startContext(_ vm: VirtualMachine, hints: PlacementHints) async throws -> StartContext {
        let planner = try await config.value(Settings.deploymentPlanner)
        let algorithm = AllocationAlgorithm(caseInsensitive: try await config.value(Settings.allocationAlgorithm)) ?? .random
        let thresholds = try await config.bool(Settings.clusterThresholdEnabled, in: ScopeChain([(.zone, vm.zoneID)]))
        return try await db.read { sql in
            let volumes = try await VolumeRepository.of(sql, instanceID: vm.id)
            let offering = try await ServiceOfferingRepository.find(sql, id: vm.serviceOfferingID)
            let diskOfferings = try await DiskOfferingRepository.find(sql, ids: Set(volumes.compactMap(\.diskOfferingID)))
            var demands: [VolumeDemand] = []
            for v in volumes {
                let d = v.diskOfferingID.flatMap { diskOfferings[$0] }
                let tags = Set((d?.tags ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
                demands.append(VolumeDemand(size: v.size, tags: tags, local: d?.storageType == .local, existingPoolID: v.state == .ready ? v.poolID : nil))
            }
            var hostTags = Set((offering?.hostTags ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            var templatePath: String?
            if let tid = vm.templateID, let template = try await TemplateRepository.find(sql, id: tid) {
                if let tag = template.templateTag, !tag.isEmpty { hostTags.insert(tag) }
                let refs = try await TemplateRepository.refs(sql, templateIDs: [tid])[tid] ?? []
                templatePath = refs.first(where: { $0.state == .downloaded && ($0.zoneID == nil || $0.zoneID == vm.zoneID) })?.installPath
            }
            let rules = try await AffinityGroupService.placementRules(sql, instanceID: vm.id)
            if rules.conflict {
                throw CloudError(.insufficientCapacity, "The affinity rules associated to the VM conflict", csCode: .insufficientCapacity)
            }
            let plannerName = offering?.deploymentPlanner ?? DeploymentPlannerName(caseInsensitive: planner) ?? .firstFit
            var perHost: [Int64: Int] = [:], perPod: [Int64: Int] = [:]
            if plannerName != .firstFit || algorithm == .userDispersing {
                for c in try await VirtualMachineRepository.placementCounts(sql, accountID: vm.accountID) {
                    perHost[c.hostID, default: 0] += c.count
                    if let pod = c.podID { perPod[pod, default: 0] += c.count }
                }
            }
            let request = PlacementRequest(zoneID: vm.zoneID, podID: hints.podID, clusterID: hints.clusterID, hostID: hints.hostID,
                                           lastHostID: hints.hostID == nil ? vm.lastHostID : nil, hypervisor: vm.hypervisorType, cpuCores: vm.cpu,
                                           cpuSpeed: vm.cpuSpeed, memoryBytes: vm.memoryDemand, hostTags: hostTags, volumes: demands, planner: plannerName,
                                           algorithm: algorithm,
                                           affinity: AffinityConstraints(requiredHost: rules.requiredHost, avoidHosts: rules.avoidHosts,
                                                                         preferredHosts: rules.preferredHosts, discouragedHosts: rules.discouragedHosts),
                                           applyClusterThresholds: thresholds, accountInstancesPerHost: perHost,
                                           accountInstancesPerPod: perPod)
            return StartContext(volumes: volumes, demands: demands, request: request, templatePath: templatePath, poolUUIDs: [:])
        }
    }

    /// Starts a Stopped instance: plans a host and pools, reserves them, sends StartCommand,
    /// and on a failed start tries other hosts (up to `start.retry`). When every attempt fails
    /// the instance goes back to Stopped — or to Error with everything released when this
    /// start is the deploy's first.
    @discardableResult
    public func start(_ vm: VirtualMachine, caller: Caller, hints: PlacementHints = PlacementHints(), deploying: Bool = false) async throws -> VirtualMachine {
        guard let next = VirtualMachineStateMachine.next(vm.state, on: .startRequested) else {
            throw CloudError.invalidParameter("Unable to start VM instance \(vm.instanceName) because it is \(vm.state.rawValue)")
        }
        var context = try await startContext(vm, hints: hints)
        let moved = try await db.transaction { sql in
            try await VirtualMachineRepository.transition(sql, id: vm.id, from: vm.state, to: next)
        }
        guard moved else { throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation) }
        var current = vm
        current.state = next
        let retries = try await config.int(Settings.startRetry)
        let wait = try await config.int(Settings.startCommandWait)
        // Hosts dedicated to other domains or accounts are never tried.
        var avoid = AvoidSet(hosts: try await dedications.excludedHosts(accountID: vm.accountID, snapshot: try await placement.snapshot()))
        var lastFailure: String?
        var attempts = 0, races = 0
        while attempts < retries {
            guard let place = try await placement.plan(context.request, avoid: avoid) else { break }
            // Volumes without a pool get one now; Ready volumes stay where they are.
            let newSizes = context.volumes.indices.map { context.volumes[$0].poolID == nil || context.volumes[$0].state != .ready ? context.volumes[$0].size : 0 }
            let attempt = context
            do {
                try await db.transaction { sql in
                    guard try await self.placement.reserve(sql, place, request: attempt.request, volumeSizes: newSizes) else { throw LostRace() }
                    var changes = VirtualMachineChanges()
                    changes.hostID = place.hostID; changes.podID = place.podID; changes.clusterID = place.clusterID
                    try await VirtualMachineRepository.update(sql, id: vm.id, changes)
                    for (i, v) in attempt.volumes.enumerated() where newSizes[i] > 0 {
                        var changes = VolumeChanges()
                        changes.poolID = place.poolIDs[i]; changes.podID = place.podID; changes.path = v.uuid.uuidString.lowercased()
                        guard try await VolumeRepository.transition(sql, id: v.id, from: v.state, to: VolumeStateMachine.next(v.state, on: .createRequested) ?? .creating,
                                                                    changes)
                        else { throw LostRace() }
                    }
                }
            } catch is LostRace {
                // The snapshot was behind the database: refresh that host and plan again.
                races += 1
                try await placement.refreshHost(place.hostID)
                if races > 20 { avoid.hosts.insert(place.hostID) }
                continue
            }
            attempts += 1
            placement.recordHost(place.hostID, cpu: context.request.cpuDemand, memory: context.request.memoryBytes)
            for (i, size) in newSizes.enumerated() where size > 0 { placement.recordPool(place.poolIDs[i], bytes: size) }
            current.hostID = place.hostID; current.podID = place.podID; current.clusterID = place.clusterID

            // Its networks are implemented (VNI, source NAT address, router) before it boots.
            do {
                try await networks.prepare(instanceID: vm.id, hostID: place.hostID)
            } catch let error as CloudError {
                try await releaseAttempt(vm, context: context, placement: place, created: newSizes)
                placement.recordHost(place.hostID, cpu: -context.request.cpuDemand, memory: -context.request.memoryBytes)
                for (i, size) in newSizes.enumerated() where size > 0 { placement.recordPool(place.poolIDs[i], bytes: -size) }
                try await failStart(vm, caller: caller, deploying: deploying, reason: error.message)
                throw error
            }
            let answer: Answer
            do {
                answer = try await agents.send(.startInstance(try await instanceTO(current, context: context, placement: place, created: newSizes)), to: place.hostID,
                                               timeout: .seconds(wait))
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
            if answer.result {
                let started = context
                let running = current
                try await db.transaction { sql in
                    try await self.recordUsage(sql, UsageEventType.vmStart, running)
                    var changes = VirtualMachineChanges()
                    changes.powerState = .on; changes.powerStateUpdated = Date(); changes.lastHostID = place.hostID
                    // The host has the pending password now (config drive); it is not kept or sent again.
                    if running.password != nil { changes.password = .some(nil) }
                    guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .starting, to: .running, changes) else { throw LostRace() }
                    for (i, v) in started.volumes.enumerated() where newSizes[i] > 0 {
                        try await VolumeRepository.transition(sql, id: v.id, from: .creating, to: .ready)
                    }
                }
                current.state = .running
                current.powerState = .on
                current.lastHostID = place.hostID
                current.password = nil
                await securityGroupPusher.withLock { $0 }?(vm.id)
                return current
            }
            lastFailure = answer.details
            logger.notice("Start failed on a host; trying another", metadata: ["vm": "\(vm.instanceName)", "host": "\(place.hostID)", "reason": "\(answer.details)"])
            try await releaseAttempt(vm, context: context, placement: place, created: newSizes)
            placement.recordHost(place.hostID, cpu: -context.request.cpuDemand, memory: -context.request.memoryBytes)
            for (i, size) in newSizes.enumerated() where size > 0 { placement.recordPool(place.poolIDs[i], bytes: -size) }
            avoid.hosts.insert(place.hostID)
            context.volumes = try await db.read { try await VolumeRepository.of($0, instanceID: vm.id) }
        }
        try await failStart(vm, caller: caller, deploying: deploying, reason: lastFailure)
        let detail = lastFailure.map { ": \($0)" } ?? ""
        if deploying {
            throw CloudError(.insufficientCapacity, "Unable to create a deployment for VM instance \(vm.instanceName)\(detail)", csCode: .insufficientCapacity)
        }
        throw CloudError(.insufficientCapacity, "Unable to start VM instance \(vm.instanceName): no host has capacity for it or every host refused it\(detail)",
                         csCode: .insufficientCapacity)
    }

    /// The instance as the host sees it.
    func instanceTO(_ vm: VirtualMachine, context: StartContext, placement place: Placement, created: [Int64]) async throws -> InstanceTO {
        let poolIDs = Set(place.poolIDs)
        let (pools, keys, nics, mtus) = try await db.read { sql in
            var out: [Int64: String] = [:]
            for id in poolIDs { if let p = try await StoragePoolRepository.find(sql, id: id) { out[id] = p.uuid.uuidString.lowercased() } }
            let pairs = vm.keyPairs.isEmpty ? [] : try await SSHKeyPairRepository.find(sql, accountID: vm.accountID, names: vm.keyPairs)
            let nics = try await NicRepository.of(sql, instanceIDs: [vm.id])[vm.id] ?? []
            let mtus = try await NetworkRepository.find(sql, ids: Set(nics.map(\.networkID))).mapValues(\.privateMTU)
            return (out, pairs, nics, mtus)
        }
        // In the order the instance names them; a key pair deleted since is left out.
        let publicKeys = vm.keyPairs.compactMap { name in keys.first { $0.name == name }?.publicKey }
        let disks = context.volumes.enumerated().map { i, v in
            DiskTO(volumeUUID: v.uuid.uuidString.lowercased(), type: v.type.rawValue, deviceID: v.deviceID ?? i, sizeBytes: v.size, poolUUID: pools[place.poolIDs[i]] ?? "",
                   path: v.path ?? v.uuid.uuidString.lowercased(), templatePath: v.type == .root ? context.templatePath : nil, create: created[i] > 0)
        }
        return InstanceTO(name: vm.instanceName, uuid: vm.uuid.uuidString.lowercased(), cpus: vm.cpu, speed: vm.cpuSpeed, memory: vm.memoryDemand, limitCPUUse: vm.limitCPUUse,
                          disks: disks, userData: vm.userData, sshPublicKeys: publicKeys, hostName: vm.hostName, password: vm.password,
                          nics: nics.map { NicTO(uuid: $0.uuid.uuidString.lowercased(), deviceID: $0.deviceID, macAddress: $0.macAddress, ipv4Address: $0.ipv4Address,
                                                 netmask: $0.netmask, gateway: $0.gateway, ipv6Address: $0.ipv6Address, broadcastURI: $0.broadcastURI,
                                                 isDefault: $0.isDefault, mtu: mtus[$0.networkID] ?? 1500) })
    }

    /// Gives back one failed attempt's host and pools; its volumes return to Allocated.
    func releaseAttempt(_ vm: VirtualMachine, context: StartContext, placement place: Placement, created: [Int64]) async throws {
        try await db.transaction { sql in
            try await AllocationRepository.releaseHost(sql, hostID: place.hostID, cpu: context.request.cpuDemand, memory: context.request.memoryBytes)
            for (i, v) in context.volumes.enumerated() where created[i] > 0 {
                try await AllocationRepository.releasePool(sql, poolID: place.poolIDs[i], bytes: created[i])
                var changes = VolumeChanges()
                changes.poolID = .some(nil); changes.path = .some(nil)
                try await VolumeRepository.transition(sql, id: v.id, from: .creating, to: .allocated, changes)
            }
            var changes = VirtualMachineChanges()
            changes.hostID = .some(nil)
            try await VirtualMachineRepository.update(sql, id: vm.id, changes)
        }
    }

    /// After the last attempt: Starting → Stopped; for a deploy, then → Error with its volumes
    /// destroyed and an alert, as CloudStack does.
    func failStart(_ vm: VirtualMachine, caller: Caller, deploying: Bool, reason: String?) async throws {
        try await db.transaction { sql in
            var stopped = VirtualMachineChanges()
            stopped.hostID = .some(nil)
            try await VirtualMachineRepository.transition(sql, id: vm.id, from: .starting, to: .stopped, stopped)
            guard deploying else { return }
            var failed = VirtualMachineChanges()
            failed.destroyed = Date()
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .stopped, to: .error, failed) else { return }
            let volumes = try await VolumeRepository.of(sql, instanceID: vm.id)
            // The instance and its volumes stop counting against the owner's limits.
            try await self.limits.release(sql, accountID: vm.accountID, Self.limitDeltas(vm, volumes: volumes.filter { $0.state.countsAgainstLimits }))
            try await self.recordUsage(sql, UsageEventType.vmDestroy, vm)
            // Its guest addresses go back to their networks.
            try await GuestNetworkService.releaseNics(sql, instanceID: vm.id)
            for v in volumes {
                if let next = VolumeStateMachine.next(v.state, on: .destroyRequested) {
                    var destroyed = VolumeChanges()
                    destroyed.destroyed = Date()
                    try await VolumeRepository.transition(sql, id: v.id, from: v.state, to: next, destroyed)
                    try await self.recordUsage(sql, UsageEventType.volumeDelete, v)
                }
            }
            try await self.alerts.raise(sql, type: AlertType.userVM, subject: "Failed to deploy VM instance \(vm.instanceName) (\(vm.displayName))",
                                        content: reason, zoneID: vm.zoneID)
        }
    }

    // MARK: stop and reboot

    /// Stops a Running instance. A forced stop ends in Stopped even when the host does not
    /// answer; otherwise a failed stop leaves the instance Running.
    @discardableResult
    public func stop(_ vm: VirtualMachine, forced: Bool = false) async throws -> VirtualMachine {
        if vm.state == .stopped { return vm }
        guard vm.state == .running || (forced && (vm.state == .starting || vm.state == .stopping || vm.state == .migrating)) else {
            throw CloudError.invalidParameter("Unable to stop VM instance \(vm.instanceName) because it is \(vm.state.rawValue)")
        }
        let moved = try await db.transaction { sql in
            try await VirtualMachineRepository.transition(sql, id: vm.id, from: vm.state, to: .stopping)
        }
        guard moved else { throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation) }
        var answer = Answer.failure("The instance has no host")
        if let host = vm.hostID {
            do {
                answer = try await agents.send(.stopInstance(StopInstanceCommand(name: vm.instanceName, forced: forced)), to: host)
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
        }
        guard answer.result || forced else {
            try await db.transaction { sql in try await VirtualMachineRepository.transition(sql, id: vm.id, from: .stopping, to: .running) }
            throw CloudError(.resourceUnavailable, "Unable to stop VM instance \(vm.instanceName): \(answer.details)", csCode: .resourceUnavailable)
        }
        try await releaseHostOnStop(vm, from: .stopping)
        await securityGroupPusher.withLock { $0 }?(vm.id)
        var out = vm
        out.state = .stopped
        out.powerState = .off
        out.hostID = nil
        return out
    }

    /// Stopping (or any state holding a host) → Stopped, giving the host's CPU and memory back.
    func releaseHostOnStop(_ vm: VirtualMachine, from: VirtualMachineState) async throws {
        try await db.transaction { sql in
            var changes = VirtualMachineChanges()
            changes.hostID = .some(nil); changes.powerState = .off; changes.powerStateUpdated = Date()
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: from, to: .stopped, changes) else { return }
            if let host = vm.hostID {
                try await AllocationRepository.releaseHost(sql, hostID: host, cpu: vm.cpuDemand, memory: vm.memoryDemand)
            }
            try await self.recordUsage(sql, UsageEventType.vmStop, vm)
        }
        if let host = vm.hostID { placement.recordHost(host, cpu: -vm.cpuDemand, memory: -vm.memoryDemand) }
    }

    /// Reboots a Running instance on its host.
    public func reboot(_ vm: VirtualMachine) async throws -> VirtualMachine {
        guard vm.state == .running, let host = vm.hostID else {
            throw CloudError.invalidParameter("Unable to reboot VM instance \(vm.instanceName) because it is \(vm.state.rawValue)")
        }
        let answer = try await agents.send(.rebootInstance(name: vm.instanceName), to: host)
        guard answer.result else {
            throw CloudError(.resourceUnavailable, "Unable to reboot VM instance \(vm.instanceName): \(answer.details)", csCode: .resourceUnavailable)
        }
        return vm
    }
}
