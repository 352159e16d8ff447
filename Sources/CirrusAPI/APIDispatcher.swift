import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Logging

/// The API endpoint without HTTP: authenticates a request (session or API-key signature),
/// checks the caller's role, parses parameters from the command's declaration, runs the
/// handler (or queues its job) and renders the CloudStack envelope or error.
public final class APIDispatcher: Sendable {
    public let engine: Engine
    public let registry: CommandRegistry
    let logger: Logger

    public init(engine: Engine, registry: CommandRegistry, logger: Logger) {
        self.engine = engine
        self.registry = registry
        self.logger = logger
    }

    /// Names of the session cookies.
    public static let sessionCookie = "JSESSIONID"
    public static let sessionKeyCookie = "sessionkey"

    public func handle(_ request: APIRequest) async -> APIResponse {
        let params = request.parameters
        let format = ResponseFormat(parameter: params.first(exact: "response"))
        guard let command = params.first(exact: "command"), !command.isEmpty else {
            return error(CloudError(.unsupportedAction, "Please specify a command", csCode: .serverAPI), key: "errorresponse", format: format)
        }
        switch command {
        case "login": return await login(request, format: format)
        case "logout": return await logout(request, format: format)
        default: break
        }
        let spec = registry.command(named: command)
        let key = spec?.responseName ?? "errorresponse"
        do {
            let (caller, viaSession) = try await authenticate(request, knownCommand: spec != nil)
            guard let spec else {
                // Only reachable with a valid session: API-key requests for unknown commands fail authentication.
                return error(CloudError(.unsupportedAction, "The given command:\(command) does not exist or it is not available for user", csCode: .serverAPI), key: "errorresponse", format: format)
            }
            let decision = try await engine.roles.check(caller: caller, api: spec.name, defaultRoles: spec.access)
            guard decision.isAllowed else {
                let text = "The given command '\(spec.name)' either does not exist, is not available for user, or not available from ip address"
                return error(CloudError(.unauthorized, text, csCode: viaSession ? .serverAPI : nil), key: key, format: format)
            }
            let parsed = try Parameters.parse(params, for: spec)
            let context = CommandContext(caller: caller, parameters: parsed, engine: engine, registry: registry, isPost: request.method == .post)
            switch spec.handler {
            case .sync(let run):
                let result = try await run(context)
                return APIResponse(status: 200, contentType: format.contentType, bodyBytes: format.renderBytes(key: key, body: result.responseBody))
            case .async(let prepare, _):
                let plan = try await prepare(context)
                let job = try await engine.jobs.submit(
                    JobSubmission(command: spec.name, parameters: parsed.encoded(), syncKey: plan.syncKey, instanceType: plan.instanceType, instanceUUID: plan.instanceUUID),
                    caller: caller, eventType: spec.event?.type, eventDescription: describe(spec, plan),
                    resource: plan.instanceType.map { EventResource(type: $0, uuid: plan.instanceUUID, name: plan.resourceName) })
                let body = ResponseNode.fields([("id", plan.createdID.map(ResponseNode.string)), ("jobid", .string(job.uuid.uuidString.lowercased()))])
                return APIResponse(status: 200, contentType: format.contentType, bodyBytes: format.renderBytes(key: key, body: body))
            }
        } catch let cloud as CloudError {
            return error(cloud, key: key, format: format)
        } catch where StoreError.isUniqueViolation(error) {
            // A concurrent request created the same name between our check and our insert.
            return self.error(.invalidParameter("An object with the same name already exists; names must be unique here"), key: key, format: format)
        } catch {
            logger.error("Command failed unexpectedly", metadata: ["command": "\(command)", "error": "\(StoreError.describe(error))"])
            return self.error(.internalError(cause: error), key: key, format: format)
        }
    }

    func describe(_ spec: CommandSpec, _ plan: JobPlan) -> String {
        let base = spec.event?.description ?? spec.name
        if let name = plan.resourceName { return "\(base): \(name)" }
        if let id = plan.instanceUUID { return "\(base): \(id)" }
        return base
    }

    // MARK: - Authentication

    /// Session first (cookie plus `sessionkey`), then API key and signature. Returns the
    /// caller and whether the session path was used.
    func authenticate(_ request: APIRequest, knownCommand: Bool) async throws -> (Caller, Bool) {
        let params = request.parameters
        if let sessionID = request.cookies[Self.sessionCookie], let session = try await engine.sessions.resume(sessionID: sessionID) {
            let parameterKey = params.first(exact: "sessionkey")
            let cookieKey = request.cookies[Self.sessionKeyCookie]
            let mode = try await engine.config.value(Settings.sessionKeyCheck)
            let ok: Bool = switch mode {
            case "ParameterOnly": parameterKey.map { RequestSignature.constantTimeEquals($0, session.sessionKey) } ?? false
            case "CookieOrParameter":
                (parameterKey.map { RequestSignature.constantTimeEquals($0, session.sessionKey) } ?? false)
                    || (cookieKey.map { RequestSignature.constantTimeEquals($0, session.sessionKey) } ?? false)
            default:
                (parameterKey.map { RequestSignature.constantTimeEquals($0, session.sessionKey) } ?? false)
                    && (cookieKey.map { RequestSignature.constantTimeEquals($0, session.sessionKey) } ?? false)
            }
            guard ok else {
                try await engine.sessions.close(sessionID: sessionID)
                throw CloudError.sessionRejected
            }
            guard let caller = try await engine.identity.caller(userID: session.userID),
                  caller.user.state == .enabled, caller.account.state == .enabled else {
                try await engine.sessions.close(sessionID: sessionID)
                throw CloudError.sessionRejected
            }
            return (caller, true)
        }
        guard knownCommand else { throw CloudError.signatureRejected }
        guard let apiKey = params.first(caseInsensitive: "apikey"), let signature = params.first(caseInsensitive: "signature") else {
            throw CloudError.signatureRejected
        }
        let version = params.first(caseInsensitive: "signatureversion")
        let enforce = try await engine.config.bool(Settings.enforcePostRequestsAndTimestamps)
        if version == "3" || enforce {
            guard version == "3", let raw = params.first(caseInsensitive: "expires"), let expires = CloudDate.parseTimestamp(raw) else {
                throw CloudError.signatureRejected
            }
            let now = Date()
            if expires < now { throw CloudError.signatureRejected }
            if enforce && expires > now.addingTimeInterval(15 * 60) { throw CloudError.signatureRejected }
        }
        guard let (caller, secret) = try await engine.identity.caller(apiKey: apiKey),
              RequestSignature.verify(signature, params: params.unique, secret: secret) else {
            throw CloudError.signatureRejected
        }
        return (caller, false)
    }

    // MARK: - Login and logout

    func login(_ request: APIRequest, format: ResponseFormat) async -> APIResponse {
        let key = "loginresponse"
        guard request.method == .post else {
            return error(CloudError(.methodNotAllowed, "Please use HTTP POST to authenticate using this API", csCode: nil), key: key, format: format)
        }
        let params = request.parameters
        guard let username = params.first(exact: "username"), !username.isEmpty else {
            return error(.missingParameter(command: "login", parameter: "username"), key: key, format: format)
        }
        guard let password = params.first(exact: "password") else {
            return error(.missingParameter(command: "login", parameter: "password"), key: key, format: format)
        }
        var domainUUID: UUID?
        if let rawID = params.first(exact: "domainid") ?? params.first(exact: "domainId") {
            guard let id = UUID(uuidString: rawID) else {
                return error(CloudError(.unauthorized, "Invalid domain id \(rawID) provided", csCode: nil), key: key, format: format)
            }
            domainUUID = id
        }
        do {
            let caller = try await engine.identity.login(username: username, password: password, domainPath: params.first(exact: "domain"), domainUUID: domainUUID)
            if let old = request.cookies[Self.sessionCookie] { try? await engine.sessions.close(sessionID: old) }
            let session = try await engine.sessions.open(for: caller)
            let timeout = try await engine.sessions.timeoutSeconds()
            try await engine.events.record(caller: caller, type: EventType.userLogin, state: .completed,
                                           description: "User \(caller.user.username) logged in", resource: EventResource(type: "User", uuid: caller.user.uuid.uuidString.lowercased(), name: caller.user.username))
            let body = ResponseNode.fields([
                ("username", .string(caller.user.username)),
                ("userid", .string(caller.user.uuid.uuidString.lowercased())),
                ("domainid", .string(caller.domain.uuid.uuidString.lowercased())),
                ("timeout", .int(Int64(timeout))),
                ("account", .string(caller.account.name)),
                ("firstname", .string(caller.user.firstName)),
                ("lastname", .string(caller.user.lastName)),
                ("type", .string(String(caller.account.type.rawValue))),
                ("timezone", caller.user.timezone.map(ResponseNode.string)),
                ("registered", .string("false")),
                ("sessionkey", .string(session.sessionKey)),
                ("is2faenabled", .string("false")),
                ("is2faverified", .string("true")),
                ("issuerfor2fa", .string("Cirrus")),
            ])
            return APIResponse(status: 200, contentType: format.contentType, bodyBytes: format.renderBytes(key: key, body: body), headers: [
                ("Set-Cookie", "\(Self.sessionCookie)=\(session.sessionID); Path=/client; HttpOnly; SameSite=Lax"),
                ("Set-Cookie", "\(Self.sessionKeyCookie)=\(session.sessionKey); Path=/client; HttpOnly; SameSite=Lax"),
            ])
        } catch let cloud as CloudError {
            return error(cloud, key: key, format: format)
        } catch {
            logger.error("Login failed unexpectedly", metadata: ["error": "\(StoreError.describe(error))"])
            return self.error(.internalError(cause: error), key: key, format: format)
        }
    }

    func logout(_ request: APIRequest, format: ResponseFormat) async -> APIResponse {
        if let sessionID = request.cookies[Self.sessionCookie] {
            if let session = try? await engine.sessions.resume(sessionID: sessionID),
               let caller = try? await engine.identity.caller(userID: session.userID) {
                _ = try? await engine.events.record(caller: caller, type: EventType.userLogout, state: .completed, description: "User \(caller.user.username) logged out",
                                                    resource: EventResource(type: "User", uuid: caller.user.uuid.uuidString.lowercased(), name: caller.user.username))
            }
            try? await engine.sessions.close(sessionID: sessionID)
        }
        let expired = request.cookies.keys.sorted().map { (name: "Set-Cookie", value: "\($0)=; Path=/client; Max-Age=0") }
        return APIResponse(status: 200, contentType: format.contentType,
                           bodyBytes: format.renderBytes(key: "logoutresponse", body: .fields([("description", .string("success"))])), headers: expired)
    }

    // MARK: - Errors

    /// The CloudStack error envelope, with HTTP status = errorcode and `X-Description`.
    public func error(_ error: CloudError, key: String, format: ResponseFormat) -> APIResponse {
        if error.code == .internalError, let cause = error.cause {
            logger.error("Internal error", metadata: ["cause": "\(cause)"])
        }
        let body = ResponseNode.fields([
            ("uuidList", .array([])),
            ("errorcode", .int(Int64(error.code.rawValue))),
            ("cserrorcode", error.csCode.map { .int(Int64($0.rawValue)) }),
            ("errortext", .string(error.message)),
        ])
        var headers: [(name: String, value: String)] = []
        if error.code != .unauthorized {
            // Header values cannot carry line breaks.
            headers.append(("X-Description", error.message.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")))
        }
        return APIResponse(status: error.code.rawValue, contentType: format.contentType, bodyBytes: format.renderBytes(key: key, body: body), headers: headers)
    }
}
