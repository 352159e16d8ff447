import CirrusModel
import Testing

@Suite("State machines")
struct StateMachineTests {
    @Test("jobs move queued → running → terminal, and nowhere from a terminal state")
    func jobs() {
        #expect(JobStateMachine.next(.queued, on: .claim) == .running)
        #expect(JobStateMachine.next(.running, on: .succeed) == .succeeded)
        #expect(JobStateMachine.next(.running, on: .fail) == .failed)
        #expect(JobStateMachine.next(.running, on: .requeue) == .queued)
        #expect(JobStateMachine.next(.queued, on: .fail) == .failed)
        #expect(JobStateMachine.next(.queued, on: .succeed) == nil)
        #expect(JobStateMachine.next(.queued, on: .requeue) == nil)
        for terminal in [JobState.succeeded, .failed, .cancelled] {
            #expect(terminal.isTerminal)
            for event in [JobStateMachine.Event.claim, .succeed, .fail, .cancel, .requeue] {
                #expect(JobStateMachine.next(terminal, on: event) == nil, "\(terminal) must not move on \(event)")
            }
        }
    }

    @Test("jobstatus on the wire folds queued and running into 0")
    func apiStatus() {
        #expect(JobState.queued.apiStatus == 0)
        #expect(JobState.running.apiStatus == 0)
        #expect(JobState.succeeded.apiStatus == 1)
        #expect(JobState.failed.apiStatus == 2)
        #expect(JobState.cancelled.apiStatus == 3)
    }

    @Test("accounts: a disabled account cannot be locked; enable and disable are idempotent")
    func accounts() {
        #expect(AccountStateMachine.next(from: .enabled, on: .lock) == .locked)
        #expect(AccountStateMachine.next(from: .disabled, on: .lock) == nil)
        #expect(AccountStateMachine.next(from: .locked, on: .disable) == .disabled)
        #expect(AccountStateMachine.next(from: .disabled, on: .enable) == .enabled)
        #expect(AccountStateMachine.next(from: .enabled, on: .enable) == .enabled)
    }
}
