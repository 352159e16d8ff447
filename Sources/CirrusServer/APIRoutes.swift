import CirrusAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP face of the API: `/client/api` (and anything below it) for GET and POST, and
/// the OpenAPI document at `/client/api/openapi.json`.
public enum APIRoutes {
    /// Largest form body accepted on POST (CloudStack's user data limit is 1 MiB base64).
    public static let maxBodyBytes = 2 * 1024 * 1024

    public static func register<Context: RequestContext>(on router: Router<Context>, dispatcher: APIDispatcher, openAPI: String) {
        let handler: @Sendable (Request, Context) async throws -> Response = { request, _ in
            try await handle(request, dispatcher: dispatcher)
        }
        router.get("/client/api/openapi.json") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=UTF-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: openAPI)))
        }
        for path in ["/client/api", "/client/api/{command}"] {
            router.get(RouterPath(path), use: handler)
            router.post(RouterPath(path), use: handler)
        }
    }

    static func handle(_ request: Request, dispatcher: APIDispatcher) async throws -> Response {
        var params = RawParameters()
        if let query = request.uri.query { params.appendForm(Substring(query)) }
        let method: APIRequest.Method = switch request.method {
        case .get: .get
        case .post: .post
        default: .other
        }
        if method == .post {
            let contentType = request.headers[.contentType]?.lowercased() ?? ""
            if contentType.isEmpty || contentType.hasPrefix("application/x-www-form-urlencoded") {
                let body = try await request.body.collect(upTo: maxBodyBytes)
                params.appendForm(Substring(String(buffer: body)))
            }
        }
        // Cirrus extension: /client/api/<command> works like command=<command>.
        let path = request.uri.path
        if params.first(exact: "command") == nil, path.hasPrefix("/client/api/") {
            let command = String(path.dropFirst("/client/api/".count))
            if !command.isEmpty, !command.contains("/") { params.append(name: "command", value: command) }
        }
        let answer = await dispatcher.handle(APIRequest(method: method, parameters: params, cookies: cookies(request.headers)))
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        headers.append(HTTPField(name: contentTypeOptions, value: "nosniff"))
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { headers.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.bodyBytes)))
    }

    /// Parsed once: building a field name validates its characters.
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!

    /// Cookie header pairs; the first occurrence of a name wins.
    static func cookies(_ headers: HTTPFields) -> [String: String] {
        var out: [String: String] = [:]
        for field in headers[fields: .cookie] {
            for part in field.value.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                guard let eq = pair.firstIndex(of: "=") else { continue }
                let name = String(pair[..<eq])
                if out[name] == nil { out[name] = String(pair[pair.index(after: eq)...]) }
            }
        }
        return out
    }
}
