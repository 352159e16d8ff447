import Foundation

/// An HTTP request to the API endpoint, reduced to what the API layer needs.
public struct APIRequest: Sendable {
    public enum Method: Sendable { case get, post, other }

    public var method: Method
    public var parameters: RawParameters
    public var cookies: [String: String]

    public init(method: Method, parameters: RawParameters, cookies: [String: String] = [:]) {
        self.method = method
        self.parameters = parameters
        self.cookies = cookies
    }
}

/// What the API layer answers; the HTTP layer copies it onto the wire.
public struct APIResponse: Sendable {
    public var status: Int
    public var contentType: String
    /// The body in UTF-8, as the HTTP layer writes it (rendered straight into bytes).
    public var bodyBytes: [UInt8]
    public var headers: [(name: String, value: String)]

    /// The body as text.
    public var body: String {
        get { String(decoding: bodyBytes, as: UTF8.self) }
        set { bodyBytes = Array(newValue.utf8) }
    }

    public init(status: Int, contentType: String, body: String, headers: [(name: String, value: String)] = []) {
        self.init(status: status, contentType: contentType, bodyBytes: Array(body.utf8), headers: headers)
    }

    public init(status: Int, contentType: String, bodyBytes: [UInt8], headers: [(name: String, value: String)] = []) {
        self.status = status
        self.contentType = contentType
        self.bodyBytes = bodyBytes
        self.headers = headers
    }
}

/// JSON or XML, as `response=` selects.
public enum ResponseFormat: Sendable {
    case json, xml

    /// `response=json` (case-insensitive, as the servlet compares it) selects JSON; anything else XML.
    public init(parameter: String?) {
        self = parameter?.lowercased() == "json" ? .json : .xml
    }

    public var contentType: String {
        switch self {
        case .json: "application/json; charset=UTF-8"
        case .xml: "text/xml; charset=UTF-8"
        }
    }

    /// The version string XML answers carry in `cloud-stack-version`.
    public static let reportedVersion = "4.19.0.0"

    /// Writes `{"<key>": body}` or its XML equivalent.
    public func render(key: String, body: ResponseNode) -> String {
        switch self {
        case .json:
            var out = "{"
            JSONText.appendQuoted(key, to: &out)
            out += ":"
            body.writeJSON(into: &out)
            out += "}"
            return out
        case .xml:
            var out = #"<?xml version="1.0" encoding="UTF-8"?><\#(key) cloud-stack-version="\#(Self.reportedVersion)">"#
            body.writeXMLChildren(into: &out)
            out += "</\(key)>"
            return out
        }
    }
}
