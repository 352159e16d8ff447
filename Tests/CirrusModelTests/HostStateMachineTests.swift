import CirrusModel
import Testing

@Suite("Host state machines")
struct HostStateMachineTests {
    typealias E = HostStatusMachine.Event

    @Test("an agent registers: Creating → Connecting → Up, and pings keep it Up")
    func registration() {
        #expect(HostStatusMachine.next(.creating, on: .agentConnected) == .connecting)
        #expect(HostStatusMachine.next(.connecting, on: .ready) == .up)
        #expect(HostStatusMachine.next(.up, on: .ping) == .up)
        #expect(HostStatusMachine.next(.creating, on: .ready) == nil)
        #expect(HostStatusMachine.next(.creating, on: .ping) == nil)
    }

    @Test("a lost link moves Up or Connecting to Disconnected, then WaitedTooLong raises Alert")
    func linkLost() {
        #expect(HostStatusMachine.next(.up, on: .linkLost) == .disconnected)
        #expect(HostStatusMachine.next(.connecting, on: .linkLost) == .disconnected)
        #expect(HostStatusMachine.next(.disconnected, on: .linkLost) == .disconnected)
        #expect(HostStatusMachine.next(.disconnected, on: .waitedTooLong) == .alert)
        #expect(HostStatusMachine.next(.alert, on: .linkLost) == .alert)
        #expect(HostStatusMachine.next(.down, on: .linkLost) == .down)
        #expect(HostStatusMachine.next(.up, on: .waitedTooLong) == nil)
        #expect(HostStatusMachine.next(.creating, on: .linkLost) == nil)
        #expect(HostStatusMachine.next(.removed, on: .linkLost) == nil)
    }

    @Test("a neighbour's verdict moves a disconnected host Down; a returning agent brings any of them back")
    func downAndBack() {
        #expect(HostStatusMachine.next(.disconnected, on: .hostDown) == .down)
        #expect(HostStatusMachine.next(.alert, on: .hostDown) == .down)
        for status in [HostStatus.disconnected, .alert, .down, .up, .error] {
            #expect(HostStatusMachine.next(status, on: .agentConnected) == .connecting, "\(status)")
        }
        #expect(HostStatusMachine.next(.disconnected, on: .remove) == .removed)
        #expect(HostStatusMachine.next(.removed, on: .agentConnected) == nil)
    }

    @Test("CloudStack's own transitions are kept: AgentDisconnected from Up goes to Alert")
    func cloudStackTransitions() {
        #expect(HostStatusMachine.next(.up, on: .agentDisconnected) == .alert)
        #expect(HostStatusMachine.next(.up, on: .shutdownRequested) == .disconnected)
        #expect(HostStatusMachine.next(.alert, on: .ping) == .up)
        #expect(HostStatusMachine.next(.rebalancing, on: .agentDisconnected) == .rebalancing)
    }

    @Test("maintenance round trip on the resource-state machine")
    func maintenance() {
        #expect(ResourceStateMachine.next(.enabled, on: .adminAskMaintenance) == .prepareForMaintenance)
        #expect(ResourceStateMachine.next(.prepareForMaintenance, on: .internalEnterMaintenance) == .maintenance)
        #expect(ResourceStateMachine.next(.maintenance, on: .adminCancelMaintenance) == .enabled)
        #expect(ResourceStateMachine.next(.prepareForMaintenance, on: .adminCancelMaintenance) == .enabled)
        #expect(ResourceStateMachine.next(.disabled, on: .adminAskMaintenance) == .prepareForMaintenance)
        #expect(ResourceStateMachine.next(.maintenance, on: .adminAskMaintenance) == nil)
        #expect(ResourceStateMachine.next(.enabled, on: .adminCancelMaintenance) == nil)
        #expect(ResourceStateMachine.next(.enabled, on: .disable) == .disabled)
        #expect(ResourceStateMachine.next(.disabled, on: .enable) == .enabled)
        #expect(ResourceStateMachine.next(.maintenance, on: .disable) == nil)
        #expect(ResourceState.maintenance.isInMaintenance && !ResourceState.enabled.isInMaintenance)
    }
}
