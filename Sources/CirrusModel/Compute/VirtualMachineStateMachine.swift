/// CloudStack's instance state machine (`VirtualMachine.State` transitions), as a pure
/// value: given a state and an event, the next state or `nil` when the event is not
/// allowed there. Usage and capacity accounting read the transition predicates below.
public enum VirtualMachineStateMachine {
    public enum Event: String, Sendable, CaseIterable {
        case startRequested = "StartRequested"
        case stopRequested = "StopRequested"
        case destroyRequested = "DestroyRequested"
        case recoveryRequested = "RecoveryRequested"
        case expungeOperation = "ExpungeOperation"
        case migrationRequested = "MigrationRequested"
        case storageMigrationRequested = "StorageMigrationRequested"
        case operationRetry = "OperationRetry"
        case operationSucceeded = "OperationSucceeded"
        case operationFailed = "OperationFailed"
        case operationFailedToError = "OperationFailedToError"
        case agentReportRunning = "AgentReportRunning"
        case agentReportStopped = "AgentReportStopped"
        case agentReportShutdowned = "AgentReportShutdowned"
        case agentReportMigrated = "AgentReportMigrated"
        case followAgentPowerOnReport = "FollowAgentPowerOnReport"
        case followAgentPowerOffReport = "FollowAgentPowerOffReport"
    }

    public static func next(_ state: VirtualMachineState, on event: Event) -> VirtualMachineState? {
        switch (state, event) {
        case (.stopped, .startRequested): .starting
        case (.stopped, .destroyRequested): .destroyed
        case (.stopped, .stopRequested), (.stopped, .agentReportStopped), (.stopped, .agentReportShutdowned),
             (.stopped, .operationFailed), (.stopped, .followAgentPowerOffReport): .stopped
        case (.stopped, .operationFailedToError): .error
        case (.stopped, .expungeOperation): .expunging
        case (.stopped, .storageMigrationRequested): .migrating
        case (.stopped, .followAgentPowerOnReport): .running

        case (.starting, .operationRetry): .starting
        case (.starting, .operationSucceeded), (.starting, .agentReportRunning), (.starting, .followAgentPowerOnReport): .running
        case (.starting, .operationFailed), (.starting, .agentReportStopped), (.starting, .agentReportShutdowned),
             (.starting, .followAgentPowerOffReport): .stopped

        case (.running, .migrationRequested): .migrating
        case (.running, .stopRequested): .stopping
        case (.running, .agentReportRunning), (.running, .agentReportMigrated), (.running, .operationSucceeded),
             (.running, .followAgentPowerOnReport): .running
        case (.running, .agentReportStopped), (.running, .agentReportShutdowned), (.running, .followAgentPowerOffReport): .stopped

        case (.migrating, .migrationRequested): .migrating
        case (.migrating, .operationSucceeded), (.migrating, .operationFailed), (.migrating, .agentReportRunning),
             (.migrating, .followAgentPowerOnReport): .running
        case (.migrating, .agentReportStopped), (.migrating, .agentReportShutdowned), (.migrating, .followAgentPowerOffReport): .stopped

        case (.stopping, .operationSucceeded), (.stopping, .agentReportStopped), (.stopping, .agentReportShutdowned),
             (.stopping, .followAgentPowerOffReport): .stopped
        case (.stopping, .operationFailed), (.stopping, .agentReportRunning), (.stopping, .followAgentPowerOnReport): .running
        case (.stopping, .stopRequested): .stopping

        case (.destroyed, .recoveryRequested): .stopped
        case (.destroyed, .expungeOperation): .expunging
        case (.expunging, .operationFailed), (.expunging, .expungeOperation): .expunging
        case (.error, .destroyRequested), (.error, .expungeOperation): .expunging
        default: nil
        }
    }

    /// Starting → Running: the instance began to run (usage VM.START).
    public static func isStart(from: VirtualMachineState, to: VirtualMachineState) -> Bool {
        from == .starting && to == .running
    }

    /// Stopping → Stopped, or Running → Stopped behind Cirrus's back (usage VM.STOP).
    public static func isStop(from: VirtualMachineState, to: VirtualMachineState) -> Bool {
        (from == .stopping || from == .running) && to == .stopped
    }

    /// Stopped → Destroyed, Error or Expunging (usage VM.DESTROY).
    public static func isDestroy(from: VirtualMachineState, to: VirtualMachineState) -> Bool {
        from == .stopped && (to == .destroyed || to == .error || to == .expunging)
    }

    /// Destroyed → Stopped (usage VM.CREATE again).
    public static func isRecover(from: VirtualMachineState, to: VirtualMachineState) -> Bool {
        from == .destroyed && to == .stopped
    }
}
