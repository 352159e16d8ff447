/// CloudStack's `ApiErrorCode`: the `errorcode` of an error response and, on the wire,
/// the HTTP status too.
public enum APIErrorCode: Int, Sendable, Codable, CaseIterable {
    case unauthorized = 401
    case methodNotAllowed = 405
    case malformedParameter = 430
    case parameterError = 431
    case unsupportedAction = 432
    case internalError = 530
    case accountError = 531
    case accountResourceLimitError = 532
    case insufficientCapacity = 533
    case resourceUnavailable = 534
    case resourceAllocation = 535
    case resourceInUse = 536
    case networkRuleConflict = 537
}

/// CloudStack's `CSExceptionErrorCode`: names the kind of failure behind an error
/// (`cserrorcode` on the wire).
public enum CSErrorCode: Int, Sendable, Codable {
    case serverAPI = 9999
    case cloudRuntime = 4250
    case accountLimit = 4280
    case agentUnavailable = 4285
    case authentication = 4290
    case concurrentOperation = 4300
    case insufficientCapacity = 4325
    case invalidParameterValue = 4350
    case networkRuleConflict = 4360
    case permissionDenied = 4365
    case resourceAllocation = 4370
    case resourceInUse = 4375
    case resourceUnavailable = 4380
}

/// The one error type that crosses layers in Cirrus. It carries the CloudStack error
/// code the API must answer with, a message meant for the caller, and optionally the
/// underlying cause (for logs, never for the wire).
public struct CloudError: Error, Sendable, CustomStringConvertible {
    /// The `errorcode` (and HTTP status) to report.
    public var code: APIErrorCode
    /// The `cserrorcode` to report; `nil` omits it, as CloudStack does for its own 401s.
    public var csCode: CSErrorCode?
    /// Text for `errortext`.
    public var message: String
    /// What caused this error, if it wraps another one. Logged, not sent.
    public var cause: (any Error & Sendable)?

    public init(_ code: APIErrorCode, _ message: String, csCode: CSErrorCode? = .serverAPI, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.csCode = csCode
        self.cause = cause
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text
    }

    /// 431 with `InvalidParameterValueException`'s code: the caller sent a value we cannot accept.
    public static func invalidParameter(_ message: String) -> CloudError {
        CloudError(.parameterError, message, csCode: .invalidParameterValue)
    }

    /// 431 for a required parameter that is absent, with CloudStack's exact wording.
    public static func missingParameter(command: String, parameter: String) -> CloudError {
        CloudError(.parameterError, "Unable to execute API command \(command.lowercased()) due to missing parameter \(parameter)", csCode: .serverAPI)
    }

    /// 531 with `PermissionDeniedException`'s code: the caller may not act on this resource.
    public static func permissionDenied(_ message: String) -> CloudError {
        CloudError(.accountError, message, csCode: .permissionDenied)
    }

    /// 536: the resource is still used by something else.
    public static func resourceInUse(_ message: String) -> CloudError {
        CloudError(.resourceInUse, message, csCode: .resourceInUse)
    }

    /// 530: an unexpected server-side failure. The message is generic; the cause is kept for logs.
    public static func internalError(_ message: String = "Internal error executing command, please contact your system administrator", cause: (any Error & Sendable)? = nil) -> CloudError {
        CloudError(.internalError, message, csCode: .cloudRuntime, cause: cause)
    }

    /// 401 on the API-key path, with CloudStack's exact text.
    public static let signatureRejected = CloudError(.unauthorized, "unable to verify user credentials and/or request signature", csCode: nil)

    /// 401 on the session path, with CloudStack's exact text.
    public static let sessionRejected = CloudError(.unauthorized, "unable to verify user credentials", csCode: nil)
}
