import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation

extension SecurityGroupService {
    /// Called after an instance started, stopped or was destroyed: the instance's own rule set
    /// (sent again after a start even when unchanged: a started instance has no chains yet),
    /// and the rule sets of the Running members of every group whose rules admit one of its
    /// groups, since the instance's address joined or left those rules.
    public func instanceChanged(instanceID: Int64) async {
        do {
            let affected = try await db.read { sql -> [Int64] in
                let groups = (try await SecurityGroupRepository.groups(sql, instanceIDs: [instanceID])[instanceID] ?? []).map(\.id)
                guard !groups.isEmpty else { return [] }
                let allowing = try await SecurityGroupRepository.groupsAllowing(sql, groupIDs: groups)
                return try await SecurityGroupRepository.runningMembers(sql, groupIDs: Array(allowing))
            }
            await sync(instanceIDs: [instanceID] + affected.filter { $0 != instanceID }, force: [instanceID])
        } catch {
            logger.warning("Security group rule sets not updated", metadata: ["instance": "\(instanceID)", "error": "\(StoreError.describe(error))"])
        }
    }

    /// Brings the hosts of `instanceIDs` up to date: each instance's rule set is computed, and
    /// sent with the next sequence number when it differs from what its host last applied (or
    /// the instance moved, or it is in `force`). An instance that no longer runs has its
    /// record cleared. Failures are logged and left to the sweep. Returns how many were sent.
    @discardableResult
    public func sync(instanceIDs: [Int64], force: Set<Int64> = []) async -> Int {
        var sent = 0
        for id in instanceIDs {
            do {
                if try await push(instanceID: id, force: force.contains(id)) { sent += 1 }
            } catch {
                logger.warning("Security group rule set push failed", metadata: ["instance": "\(id)", "error": "\(StoreError.describe(error))"])
            }
        }
        return sent
    }

    /// Pushes one instance's rule set when needed; true when a set was applied.
    func push(instanceID: Int64, force: Bool) async throws -> Bool {
        let state = try await db.read { sql in
            (built: try await SecurityGroupRuleSetBuilder.build(sql, instanceID: instanceID),
             log: try await SecurityGroupRepository.ruleSetLog(sql, instanceID: instanceID))
        }
        guard let (set, hostID) = state.built else {
            if state.log?.hostID != nil { try await db.transaction { try await SecurityGroupRepository.clearApplied($0, instanceID: instanceID) } }
            return false
        }
        if !force, let log = state.log, log.signature == set.signature, log.hostID == hostID { return false }
        var next = set
        next.sequence = try await db.transaction { try await SecurityGroupRepository.nextSequence($0, instanceID: instanceID) }
        let numbered = next
        let answer = try await agents.send(.applySecurityGroupRules(numbered), to: hostID, timeout: .seconds(30))
        guard answer.result, case .securityGroupRulesApplied(let applied)? = answer.payload, applied == numbered.sequence else {
            logger.warning("Security group rule set not applied", metadata: ["instance": "\(set.instanceName)", "sequence": "\(numbered.sequence)",
                                                                             "details": "\(answer.details)"])
            return false
        }
        try await db.transaction {
            try await SecurityGroupRepository.recordApplied($0, instanceID: instanceID, sequence: numbered.sequence, signature: set.signature, hostID: hostID, at: Date())
        }
        return true
    }

    /// Checks every Running member of a security group and pushes what changed (a member
    /// that moved host, a missed update). Returns how many rule sets were sent.
    @discardableResult
    public func syncAll() async throws -> Int {
        await sync(instanceIDs: try await db.read { try await SecurityGroupRepository.runningMembers($0) })
    }

    /// The rule set the engine would send for an instance now (nil when none applies), with
    /// the sequence number last sent: what operators compare with the host.
    public func ruleSet(instanceID: Int64) async throws -> SecurityGroupRuleSet? {
        try await db.read { sql in
            guard var set = try await SecurityGroupRuleSetBuilder.build(sql, instanceID: instanceID)?.set else { return nil }
            set.sequence = try await SecurityGroupRepository.ruleSetLog(sql, instanceID: instanceID)?.sequence ?? 0
            return set
        }
    }

    /// The background sweep that keeps hosts' security group rules current
    /// (`network.securitygroups.sync.interval` seconds); every server runs it, pushes are idempotent.
    public func startPusher(serverID: String) -> PeriodicTask {
        PeriodicTask(name: "security-group-sync", db: db, serverID: serverID, singleton: false, logger: logger,
                     interval: { [config] in .seconds((try? await config.int(Settings.securityGroupSyncInterval)) ?? 10) },
                     body: { [self] in try await self.syncAll() })
    }
}
