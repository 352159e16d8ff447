import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

extension APIDispatcher: JobExecutor {
    /// Runs a claimed job through its command's `execute` half, recording the Started and
    /// Completed events, and renders `jobresult`.
    public func execute(_ job: AsyncJob) async -> JobOutcome {
        guard let spec = registry.command(named: job.command), case .async(_, let execute) = spec.handler else {
            return .failed(code: 530, message: "Command \(job.command) is not known to this management server")
        }
        guard let parameters = Parameters.decoded(job.parameters, command: spec.name) else {
            return .failed(code: 530, message: "The stored parameters of this job could not be read")
        }
        let caller: Caller
        do {
            guard let c = try await engine.identity.caller(userID: job.userID) else {
                return .failed(code: 531, message: "The user who submitted this job no longer exists")
            }
            caller = c
        } catch {
            return .failed(code: 530, message: "Could not load the user who submitted this job")
        }
        let resource = job.instanceType.map { EventResource(type: $0, uuid: job.instanceUUID) }
        let description = spec.event.map { "\($0.description)" + (job.instanceUUID.map { ": \($0)" } ?? "") } ?? spec.name
        if let event = spec.event {
            _ = try? await engine.events.record(caller: caller, type: event.type, state: .started, description: description, resource: resource, startID: job.startEventID)
        }
        let outcome: JobOutcome
        do {
            let result = try await execute(CommandContext(caller: caller, parameters: parameters, engine: engine, registry: registry, job: job))
            outcome = .succeeded(result: result.jobResult.json())
        } catch let cloud as CloudError {
            outcome = .failed(code: cloud.code.rawValue, message: cloud.message)
        } catch where StoreError.isUniqueViolation(error) {
            outcome = .failed(code: APIErrorCode.parameterError.rawValue, message: "An object with the same name already exists; names must be unique here")
        } catch {
            logger.error("Job failed unexpectedly", metadata: ["job": "\(job.uuid)", "error": "\(StoreError.describe(error))"])
            outcome = .failed(code: 530, message: CloudError.internalError().message)
        }
        if let event = spec.event {
            let failed: Bool = if case .failed = outcome { true } else { false }
            var text = description
            if case .failed(_, let message) = outcome { text += " failed: \(message)" }
            _ = try? await engine.events.record(caller: caller, type: event.type, state: .completed, level: failed ? .error : .info,
                                                description: text, resource: resource, startID: job.startEventID)
        }
        return outcome
    }

    public func isResumable(command: String) -> Bool {
        registry.command(named: command)?.resumable ?? false
    }
}

/// All declared commands, by exact name.
public struct CommandRegistry: Sendable {
    public let commands: [CommandSpec]
    private let byName: [String: CommandSpec]

    public init(_ commands: [CommandSpec]) {
        var seen: [String: CommandSpec] = [:]
        for c in commands {
            precondition(seen[c.name] == nil, "command \(c.name) is declared twice")
            seen[c.name] = c
        }
        self.commands = commands.sorted { $0.name < $1.name }
        self.byName = seen
    }

    /// Command names are matched case-sensitively, as CloudStack does.
    public func command(named name: String) -> CommandSpec? { byName[name] }
}
