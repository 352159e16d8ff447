import CirrusModel
import Testing

/// CloudStack's volume state table (reference §2.2), entry by entry.
@Suite("Volume state machine")
struct VolumeStateMachineTests {
    typealias E = VolumeStateMachine.Event

    /// Every (state, event) → state of the table.
    static let table: [(VolumeState, E, VolumeState)] = [
        (.allocated, .createRequested, .creating), (.allocated, .destroyRequested, .destroy), (.allocated, .operationFailed, .allocated),
        (.allocated, .operationSucceeded, .allocated), (.allocated, .uploadRequested, .uploadOp), (.allocated, .migrationCopyRequested, .creating),
        (.creating, .operationSucceeded, .ready), (.creating, .operationFailed, .allocated), (.creating, .operationRetry, .creating),
        (.creating, .createRequested, .creating), (.creating, .destroyRequested, .destroy), (.creating, .migrationCopySucceeded, .ready),
        (.creating, .migrationCopyFailed, .allocated),
        (.ready, .createRequested, .creating), (.ready, .resizeRequested, .resizing), (.ready, .snapshotRequested, .snapshotting),
        (.ready, .revertSnapshotRequested, .revertSnapshotting), (.ready, .migrationRequested, .migrating), (.ready, .attachRequested, .attaching),
        (.ready, .destroyRequested, .destroy), (.ready, .operationSucceeded, .ready), (.ready, .operationFailed, .ready),
        (.resizing, .operationSucceeded, .ready), (.resizing, .operationFailed, .ready),
        (.snapshotting, .operationSucceeded, .ready), (.snapshotting, .operationFailed, .ready),
        (.revertSnapshotting, .operationSucceeded, .ready), (.revertSnapshotting, .operationFailed, .ready),
        (.migrating, .operationSucceeded, .ready), (.migrating, .operationFailed, .ready),
        (.attaching, .operationSucceeded, .ready), (.attaching, .operationFailed, .ready),
        (.destroy, .expungingRequested, .expunging), (.destroy, .recoverRequested, .ready), (.destroy, .operationRetryFromError, .allocated),
        (.destroy, .operationSucceeded, .destroy), (.destroy, .operationFailed, .destroy),
        (.expunging, .operationSucceeded, .expunged), (.expunging, .operationFailed, .destroy), (.expunging, .expungingRequested, .expunging),
        (.notUploaded, .uploadRequested, .uploadInProgress), (.notUploaded, .operationSucceeded, .uploaded), (.notUploaded, .operationFailed, .uploadError),
        (.notUploaded, .operationTimeout, .uploadAbandoned),
        (.uploadInProgress, .operationSucceeded, .uploaded), (.uploadInProgress, .operationFailed, .uploadError), (.uploadInProgress, .operationTimeout, .uploadError),
        (.uploaded, .copyRequested, .copying), (.copying, .operationSucceeded, .ready), (.copying, .operationFailed, .uploaded),
        (.uploadOp, .operationSucceeded, .uploaded), (.uploadOp, .operationFailed, .allocated),
        (.uploadError, .destroyRequested, .destroy), (.uploadAbandoned, .destroyRequested, .destroy), (.uploaded, .destroyRequested, .destroy),
        (.uploadOp, .destroyRequested, .destroy),
    ]

    @Test("every transition of CloudStack's table", arguments: table.indices)
    func transition(_ i: Int) {
        let (from, event, to) = Self.table[i]
        #expect(VolumeStateMachine.next(from, on: event) == to, "\(from) + \(event)")
    }

    @Test("Expunged absorbs every event")
    func expungedIsFinal() {
        for event in E.allCases { #expect(VolumeStateMachine.next(.expunged, on: event) == .expunged) }
    }

    @Test("pairs outside the table are refused (busy states take only their own end events)")
    func everythingElseRefused() {
        let known = Set(Self.table.map { "\($0.0.rawValue)/\($0.1.rawValue)" })
        // Copying also ends on the copy events.
        let extra: Set<String> = ["Copying/CopySucceeded", "Copying/CopyFailed"]
        for state in VolumeState.allCases where state != .expunged {
            for event in E.allCases where !known.contains("\(state.rawValue)/\(event.rawValue)") && !extra.contains("\(state.rawValue)/\(event.rawValue)") {
                #expect(VolumeStateMachine.next(state, on: event) == nil, "\(state) + \(event)")
            }
        }
    }

    @Test("a busy volume refuses new operations: no resize, migrate, attach, snapshot or destroy while one runs")
    func busyRefuses() {
        let busy: [VolumeState] = [.resizing, .migrating, .attaching, .snapshotting, .revertSnapshotting]
        let requests: [E] = [.resizeRequested, .migrationRequested, .attachRequested, .snapshotRequested, .destroyRequested, .createRequested,
                             .revertSnapshotRequested, .expungingRequested, .recoverRequested]
        for state in busy {
            #expect(state.isBusy)
            for event in requests { #expect(VolumeStateMachine.next(state, on: event) == nil, "\(state) + \(event)") }
        }
        #expect(!VolumeState.ready.isBusy)
        #expect(!VolumeState.allocated.isBusy)
    }

    @Test("destroyed and expunged volumes stop counting against limits")
    func counting() {
        #expect(VolumeState.ready.countsAgainstLimits)
        #expect(VolumeState.allocated.countsAgainstLimits)
        for s in [VolumeState.destroy, .expunging, .expunged, .destroying] { #expect(!s.countsAgainstLimits) }
    }
}
