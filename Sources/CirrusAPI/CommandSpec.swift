import CirrusEngine
import CirrusModel
import Foundation

/// What a command hands back; the dispatcher turns it into the wire envelope.
public enum CommandResult: Sendable {
    /// A single object wrapped in its object name: `{"domain":{…}}`.
    case object(name: String, ResponseNode)
    /// A list page: `count` is the total across pages.
    case list(itemName: String, count: Int, items: [ResponseNode])
    /// `{"success":true}` (and `displaytext` when given).
    case success(displayText: String?)
    /// Fields directly under the response key (login, logout, listCapabilities-style).
    case flat(ResponseNode)

    /// The body under `<command>response` for a synchronous answer.
    var responseBody: ResponseNode {
        switch self {
        case .object(let name, let node): .object([.init(name, node)])
        case .list(let itemName, let count, let items):
            if count == 0 && items.isEmpty { .object([]) } else if items.isEmpty { .object([.init("count", .int(Int64(count)))]) } else {
                .object([.init("count", .int(Int64(count))), .init(itemName, .array(items))])
            }
        case .success(let text): .fields([("success", .bool(true)), ("displaytext", text.map(ResponseNode.string))])
        case .flat(let node): node
        }
    }

    /// The `jobresult` of an async job.
    var jobResult: ResponseNode {
        switch self {
        case .object(let name, let node): .object([.init(name, node)])
        case .success(let text): .fields([("success", .bool(true)), ("details", text.map(ResponseNode.string))])
        case .list, .flat: responseBody
        }
    }
}

/// Everything a handler gets: who calls, the validated parameters, and the services.
public struct CommandContext: Sendable {
    public let caller: Caller
    public let parameters: Parameters
    public let engine: Engine
    /// Set when running inside an async job.
    public let job: AsyncJob?
    /// The declared commands (for `listApis`).
    public let registry: CommandRegistry
    /// The request came as a POST (larger user data is allowed then).
    public let isPost: Bool

    public init(caller: Caller, parameters: Parameters, engine: Engine, registry: CommandRegistry, job: AsyncJob? = nil, isPost: Bool = false) {
        self.isPost = isPost
        self.caller = caller
        self.parameters = parameters
        self.engine = engine
        self.registry = registry
        self.job = job
    }

    /// The page window, with the `default.page.size` limit.
    public func page() async throws -> (offset: Int, limit: Int?) {
        let max = try await engine.config.int(Settings.defaultPageSize)
        let p = try parameters.pagination(maxPageSize: max)
        return (p.offset, p.limit)
    }

    /// The tenancy scope of a list command from `domainid`, `account`, `listall` and `isrecursive`.
    /// Asking for one object by `id` searches everything the caller may see, as CloudStack does.
    public func scope(fallback: TenancyScope.Default) async throws -> ListScope {
        try await engine.identity.scope(for: caller, domainUUID: parameters.uuid("domainid"), accountName: parameters.string("account"),
                                        listAll: parameters.bool("listall", default: false) || parameters.has("id"),
                                        isRecursive: parameters.bool("isrecursive", default: false), fallback: fallback)
    }
}

/// The plan of an async command, made synchronously before the job is queued.
public struct JobPlan: Sendable {
    /// Jobs with the same key run one at a time (e.g. `account:<uuid>`).
    public var syncKey: String
    /// `jobinstancetype` (`Account`, `Domain`, `User`…).
    public var instanceType: String?
    public var instanceUUID: String?
    /// For async create commands, the new object's id returned at once beside `jobid`.
    public var createdID: String?
    /// Name shown in the event description.
    public var resourceName: String?

    public init(syncKey: String, instanceType: String? = nil, instanceUUID: String? = nil, createdID: String? = nil, resourceName: String? = nil) {
        self.syncKey = syncKey
        self.instanceType = instanceType
        self.instanceUUID = instanceUUID
        self.createdID = createdID
        self.resourceName = resourceName
    }
}

/// How a command runs.
public enum CommandHandler: Sendable {
    case sync(@Sendable (CommandContext) async throws -> CommandResult)
    /// `prepare` validates and plans synchronously (errors reach the caller directly);
    /// `execute` runs in a job worker.
    case async(prepare: @Sendable (CommandContext) async throws -> JobPlan, execute: @Sendable (CommandContext) async throws -> CommandResult)
}

/// The event an async command records (Scheduled, Started, Completed) around its job.
public struct CommandEvent: Sendable {
    public var type: String
    public var description: String

    public init(_ type: String, _ description: String) {
        self.type = type
        self.description = description
    }
}

/// One API command, declared once. Parsing, `listApis`, role checks and the OpenAPI
/// document all read this declaration.
public struct CommandSpec: Sendable {
    public let name: String
    public let description: String
    public let since: String?
    public let parameters: [ParameterSpec]
    public let response: ResponseDescription
    /// Role types allowed when no role rule decides.
    public let access: Set<RoleType>
    public let handler: CommandHandler
    /// The event around an async command's job; sync commands record their own inside
    /// their transaction.
    public let event: CommandEvent?
    /// Whether a job of this command may run again after its server died mid-way.
    public let resumable: Bool
    /// The key of the response object when it differs from `<name lowercased>response`.
    public let responseNameOverride: String?
    private let parameterIndex: [String: Int]

    public init(_ name: String, description: String, since: String? = nil, parameters: [ParameterSpec], response: ResponseDescription,
                access: Set<RoleType>, event: CommandEvent? = nil, resumable: Bool = false, responseName: String? = nil, handler: CommandHandler) {
        self.name = name
        self.description = description
        self.since = since
        self.parameters = parameters
        self.response = response
        self.access = access
        self.handler = handler
        self.event = event
        self.resumable = resumable
        self.responseNameOverride = responseName
        var index: [String: Int] = [:]
        for (i, p) in parameters.enumerated() { index[p.key] = index[p.key] ?? i }
        self.parameterIndex = index
    }

    public var isAsync: Bool { if case .async = handler { return true } else { return false } }

    /// `<name lowercased>response`, the key every answer and error of this command sits under.
    public var responseName: String { responseNameOverride ?? name.lowercased() + "response" }

    public func parameter(named key: String) -> ParameterSpec? { parameterIndex[key].map { parameters[$0] } }
}

extension Set where Element == RoleType {
    /// Every role type.
    public static let all: Set<RoleType> = Set(RoleType.allCases)
    /// Root admins only.
    public static let rootAdmin: Set<RoleType> = [.admin]
    /// Root and domain admins.
    public static let admins: Set<RoleType> = [.admin, .domainAdmin]
}
