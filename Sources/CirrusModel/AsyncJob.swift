import Foundation

/// Where a job is in its life. The API folds `queued` and `running` into `jobstatus` 0.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case succeeded
    case failed
    case cancelled

    /// `jobstatus` as CloudStack reports it: 0 in progress, 1 succeeded, 2 failed, 3 cancelled.
    public var apiStatus: Int {
        switch self {
        case .queued, .running: 0
        case .succeeded: 1
        case .failed: 2
        case .cancelled: 3
        }
    }

    /// True once the job can no longer change.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .queued, .running: false
        }
    }
}

/// The job state machine as a pure transition function.
public enum JobStateMachine {
    /// Events that move a job.
    public enum Event: Sendable, Equatable {
        /// A worker claimed the job.
        case claim
        /// The handler returned a result.
        case succeed
        /// The handler threw, or the job was abandoned.
        case fail
        /// An operator or the system cancelled it before it finished.
        case cancel
        /// A management server restarted while the job ran and the command is safe to run again.
        case requeue
    }

    /// The next state, or `nil` when the event is not allowed in `state`.
    public static func next(_ state: JobState, on event: Event) -> JobState? {
        switch (state, event) {
        case (.queued, .claim): .running
        case (.queued, .fail): .failed
        case (.queued, .cancel): .cancelled
        case (.running, .succeed): .succeeded
        case (.running, .fail): .failed
        case (.running, .cancel): .cancelled
        case (.running, .requeue): .queued
        default: nil
        }
    }
}

/// A row of the job table: one asynchronous API command.
public struct AsyncJob: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var userID: Int64
    public var accountID: Int64
    public var domainID: Int64
    /// The API command name, used to find the handler again after a restart.
    public var command: String
    /// The validated request parameters, JSON-encoded.
    public var parameters: String
    /// Serialisation key: jobs with the same key run one at a time, in submission order.
    public var syncKey: String
    public var instanceType: String?
    public var instanceUUID: String?
    public var state: JobState
    public var resultCode: Int
    /// The JSON of `jobresult`, once the job has finished.
    public var result: String?
    public var processStatus: Int
    public var attempts: Int
    public var ownerServer: String?
    public var startEventID: Int64?
    public var created: Date
    public var started: Date?
    public var completed: Date?

    public init(id: Int64, uuid: UUID, userID: Int64, accountID: Int64, domainID: Int64, command: String, parameters: String, syncKey: String, instanceType: String?, instanceUUID: String?, state: JobState, resultCode: Int, result: String?, processStatus: Int, attempts: Int, ownerServer: String?, startEventID: Int64?, created: Date, started: Date?, completed: Date?) {
        self.id = id
        self.uuid = uuid
        self.userID = userID
        self.accountID = accountID
        self.domainID = domainID
        self.command = command
        self.parameters = parameters
        self.syncKey = syncKey
        self.instanceType = instanceType
        self.instanceUUID = instanceUUID
        self.state = state
        self.resultCode = resultCode
        self.result = result
        self.processStatus = processStatus
        self.attempts = attempts
        self.ownerServer = ownerServer
        self.startEventID = startEventID
        self.created = created
        self.started = started
        self.completed = completed
    }
}
