import Foundation

/// Managed user data (`registerUserData`): base64 content an account keeps under a name and
/// refers to by id at deploy time or links to a template.
public struct UserData: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    /// Unique within the owning account.
    public var name: String
    public var accountID: Int64
    public var domainID: Int64
    /// The content, base64 (normalised with padding).
    public var content: String
    /// `params`: the comma-separated names of the variables the content declares; their values
    /// come from `userdatadetails` at deploy time and reach the guest as metadata.
    public var params: String?
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, accountID: Int64, domainID: Int64, content: String, params: String?, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.name = name; self.accountID = accountID; self.domainID = domainID
        self.content = content; self.params = params; self.created = created
    }

    /// The declared parameter names, trimmed, empties dropped.
    public var parameterNames: [String] {
        (params ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// How a template's linked user data combines with user data given at deploy time
/// (`userdatapolicy` of `linkUserDataToTemplate`).
public enum UserDataOverridePolicy: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    /// The deploy's user data, if any, replaces the template's (the default).
    case allowOverride = "ALLOWOVERRIDE"
    /// The deploy's user data is appended to the template's.
    case append = "APPEND"
    /// The deploy may not bring user data; the template's is used.
    case denyOverride = "DENYOVERRIDE"
}

/// The user data linked to a template or ISO, and its override policy.
public struct TemplateUserDataLink: Sendable, Equatable {
    public var templateID: Int64
    public var userDataID: Int64
    public var policy: UserDataOverridePolicy

    public init(templateID: Int64, userDataID: Int64, policy: UserDataOverridePolicy) {
        self.templateID = templateID
        self.userDataID = userDataID
        self.policy = policy
    }
}

/// The HTTP method a request came with; user data limits depend on it.
public enum UserDataHTTPMethod: String, Sendable {
    case get = "GET"
    case post = "POST"
}

/// CloudStack 4.19's user data rules (`UserDataManagerImpl.validateUserData`), as pure functions.
public enum UserDataRules {
    /// GET requests: the encoded text must be shorter than this, and the decoded data no longer.
    public static let maxGetLength = 4096
    /// POST requests: 512 blocks of 2 KiB.
    public static let maxPostLength = 1_048_576

    /// Checks inline user data and returns it re-encoded as padded base64. Percent-encoded
    /// text is decoded first; then the text must be base64, shorter than the method's limit and
    /// no longer than `configuredMax` (`vm.userdata.max.length`), and decode to 1…limit bytes.
    public static func validate(_ raw: String, method: UserDataHTTPMethod, configuredMax: Int) throws(CloudError) -> String {
        var text = raw
        if text.contains("%") {
            guard let decoded = text.removingPercentEncoding else { throw .invalidParameter("Url decoding of userdata failed.") }
            text = decoded
        }
        guard isBase64(text) else { throw .invalidParameter("User data is not base64 encoded") }
        let limit = method == .get ? maxGetLength : maxPostLength
        if text.count >= limit { throw .invalidParameter("User data is too long for an http \(method.rawValue) request") }
        if text.count > configuredMax { throw .invalidParameter("User data has exceeded configurable max length : \(configuredMax)") }
        let bytes = decode(text)
        if bytes.count > limit { throw .invalidParameter("User data is too long for http \(method.rawValue) request") }
        if bytes.isEmpty { throw .invalidParameter("User data is too short") }
        return bytes.base64EncodedString()
    }

    /// Whether every character is a base64 letter (standard or URL-safe), `=` or white space.
    public static func isBase64(_ text: String) -> Bool {
        text.utf8.allSatisfy { sextet($0) != nil || $0 == UInt8(ascii: "=") || $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// Lenient decoding: skips characters outside the alphabet, stops at the first `=`, and
    /// keeps the bytes of a trailing partial group.
    public static func decode(_ text: String) -> Data {
        var out = Data()
        var buffer: UInt32 = 0
        var count = 0
        for c in text.utf8 {
            if c == UInt8(ascii: "=") { break }
            guard let v = sextet(c) else { continue }
            buffer = buffer << 6 | UInt32(v)
            count += 1
            if count == 4 {
                out.append(contentsOf: [UInt8(buffer >> 16 & 0xff), UInt8(buffer >> 8 & 0xff), UInt8(buffer & 0xff)])
                buffer = 0
                count = 0
            }
        }
        switch count {
        case 2: out.append(UInt8(buffer >> 4 & 0xff))
        case 3: out.append(contentsOf: [UInt8(buffer >> 10 & 0xff), UInt8(buffer >> 2 & 0xff)])
        default: break
        }
        return out
    }

    static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: nil
        }
    }

    // MARK: - template policy

    /// Where the user data of a deploy comes from, once the template's policy is applied.
    public enum Source: Sendable, Equatable {
        /// No user data.
        case none
        /// This base64 content (inline, managed or the template's), with the managed id if any.
        case content(String, userDataID: Int64?)
    }

    /// Applies a template's linked user data and policy to what a deploy asks for, as CloudStack
    /// 4.19's `finalizeUserData` does. `requested` is the inline content or the managed user
    /// data's content (with its id); `linked` is the template's user data content and its policy.
    public static func combine(requested: (content: String, userDataID: Int64?)?, linked: (content: String, userDataID: Int64, policy: UserDataOverridePolicy)?,
                               templateName: String) throws(CloudError) -> Source {
        guard let linked else {
            guard let requested else { return .none }
            return .content(requested.content, userDataID: requested.userDataID)
        }
        switch linked.policy {
        case .denyOverride:
            if requested != nil {
                throw .invalidParameter("User data input is not allowed here since template \(templateName) is configured to deny any user data")
            }
            return .content(linked.content, userDataID: linked.userDataID)
        case .allowOverride:
            if let requested { return .content(requested.content, userDataID: requested.userDataID) }
            return .content(linked.content, userDataID: linked.userDataID)
        case .append:
            guard let requested else { return .content(linked.content, userDataID: linked.userDataID) }
            return .content(try append(linked.content, requested.content), userDataID: requested.userDataID ?? linked.userDataID)
        }
    }

    /// The cloud-init formats user data is recognised by (its first `#` or `Content-Type:` line).
    public enum Format: Sendable, Equatable {
        case cloudConfig, shellScript, cloudBoothook, includeFile, mime

        var contentType: String {
            switch self {
            case .cloudConfig: "text/cloud-config"
            case .shellScript: "text/x-shellscript"
            case .cloudBoothook: "text/cloud-boothook"
            case .includeFile: "text/x-include-url"
            case .mime: "multipart/mixed"
            }
        }
    }

    /// The format of decoded user data, from its header line; `fallback` when it has none.
    public static func format(of text: String, fallback: Format?) throws(CloudError) -> Format {
        let header = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
            .first { ($0.hasPrefix("#") && !$0.hasPrefix("##")) || $0.hasPrefix("Content-Type:") }
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else {
            if let fallback { return fallback }
            throw .invalidParameter("Failed to detect the user data format type as it does not contain a header")
        }
        if header.lowercased() == "#cloud-config" { return .cloudConfig }
        if header.hasPrefix("#!") { return .shellScript }
        if header.lowercased() == "#cloud-boothook" { return .cloudBoothook }
        if header.hasPrefix("#include") { return .includeFile }
        if header.hasPrefix("Content-Type:") { return .mime }
        throw .invalidParameter("Cannot recognise the user data format type from the header line: \(header). Supported types are: cloud-config, bash script, cloud-boothook, include file or MIME")
    }

    /// Appends `second` to `first` (both base64) the way CloudStack's cloud-init provider does:
    /// two cloud-configs or two shell scripts are joined as text (the second one's header line
    /// dropped); other pairs become a `multipart/mixed` message with one part per content type.
    /// Gzipped and MIME inputs cannot be appended to.
    public static func append(_ first: String, _ second: String) throws(CloudError) -> String {
        let a = decode(first), b = decode(second)
        if isGzip(a) || isGzip(b) { throw .invalidParameter("Gzipped user data can not be used together with other user data formats") }
        let textA = String(decoding: a, as: UTF8.self), textB = String(decoding: b, as: UTF8.self)
        let formatA = try format(of: textA, fallback: nil)
        let formatB = try format(of: textB, fallback: formatA)
        if formatA == formatB && (formatA == .cloudConfig || formatA == .shellScript) {
            return Data(joinSameFormat(textA, textB).utf8).base64EncodedString()
        }
        if formatA == .mime || formatB == .mime {
            throw .invalidParameter("Appending to MIME multipart user data is not supported; give cloud-config, shell script, cloud-boothook or include-file user data")
        }
        var parts: [(Format, String)] = [(formatA, textA)]
        if let i = parts.firstIndex(where: { $0.0 == formatB }) {
            parts[i].1 = joinSameFormat(parts[i].1, textB)
        } else {
            parts.append((formatB, textB))
        }
        let boundary = "==CirrusUserData=="
        var message = "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\nMIME-Version: 1.0\n\n"
        for (format, text) in parts {
            message += "--\(boundary)\nContent-Type: \(format.contentType); charset=\"utf-8\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: base64\n\n"
            message += Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed]) + "\n"
        }
        message += "--\(boundary)--\n"
        return Data(message.utf8).base64EncodedString()
    }

    static func joinSameFormat(_ a: String, _ b: String) -> String {
        let rest = b.firstIndex(of: "\n").map { String(b[b.index(after: $0)...]) } ?? ""
        return "\(a)\n\n\(rest)"
    }

    static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }
}
