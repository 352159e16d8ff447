import Foundation

/// An OpenAPI 3.1 description of every declared command, generated from the same
/// declarations as parsing and `listApis`. Each command is a path `/client/api/<command>`
/// (Cirrus accepts that form as well as `?command=`), with its parameters as query
/// parameters and its response wrapped in `<command>response`.
public enum OpenAPIDocument {
    public static func json(for registry: CommandRegistry) -> String {
        document(for: registry).json()
    }

    static func document(for registry: CommandRegistry) -> ResponseNode {
        var paths: [ResponseNode.Field] = []
        for spec in registry.commands {
            let operation = self.operation(spec)
            paths.append(.init("/client/api/\(spec.name)", .object([.init("get", operation), .init("post", operation)])))
        }
        let errorSchema = ResponseNode.fields([
            ("type", .string("object")),
            ("properties", .fields([
                ("uuidList", .fields([("type", .string("array"))])),
                ("errorcode", .fields([("type", .string("integer"))])),
                ("cserrorcode", .fields([("type", .string("integer"))])),
                ("errortext", .fields([("type", .string("string"))])),
            ])),
        ])
        return .fields([
            ("openapi", .string("3.1.0")),
            ("info", .fields([
                ("title", .string("Cirrus management API (CloudStack-compatible)")),
                ("version", .string(ResponseFormat.reportedVersion)),
                ("description", .string("Every CloudStack command is also reachable as /client/api/<command>. Authenticate with apiKey + signature (HMAC-SHA1, optionally signatureVersion=3 with expires) or with a login session (JSESSIONID cookie and sessionkey parameter). Send response=json for JSON; XML is the default.")),
            ])),
            ("paths", .object(paths)),
            ("components", .fields([
                ("schemas", .fields([("ErrorResponse", errorSchema)])),
                ("securitySchemes", .fields([
                    ("apiKey", .fields([("type", .string("apiKey")), ("in", .string("query")), ("name", .string("apiKey"))])),
                    ("session", .fields([("type", .string("apiKey")), ("in", .string("cookie")), ("name", .string("JSESSIONID"))])),
                ])),
            ])),
            ("security", .array([.fields([("apiKey", .array([]))]), .fields([("session", .array([]))])])),
        ])
    }

    static func operation(_ spec: CommandSpec) -> ResponseNode {
        var parameters: [ResponseNode] = spec.parameters.map { p in
            ResponseNode.fields([
                ("name", .string(p.name)),
                ("in", .string("query")),
                ("required", .bool(p.required)),
                ("description", .string(p.description)),
                ("schema", schema(for: p)),
            ])
        }
        parameters.append(.fields([
            ("name", .string("response")), ("in", .string("query")), ("required", .bool(false)),
            ("description", .string("json for JSON; anything else gives XML")),
            ("schema", .fields([("type", .string("string")), ("enum", .array([.string("json"), .string("xml")]))])),
        ]))
        let body: ResponseNode
        if spec.isAsync {
            body = .fields([("type", .string("object")), ("properties", .fields([
                ("jobid", .fields([("type", .string("string")), ("format", .string("uuid"))])),
                ("id", .fields([("type", .string("string"))])),
            ]))])
        } else if let name = spec.response.objectName {
            let item = objectSchema(spec.response.fields)
            body = .fields([("type", .string("object")), ("properties", .fields([
                ("count", .fields([("type", .string("integer"))])),
                (name, .fields([("oneOf", .array([item, .fields([("type", .string("array")), ("items", item)])]))])),
            ]))])
        } else {
            body = objectSchema(spec.response.fields)
        }
        let ok = ResponseNode.fields([("type", .string("object")), ("properties", .object([.init(spec.responseName, body)]))])
        let errorRef = ResponseNode.fields([("$ref", .string("#/components/schemas/ErrorResponse"))])
        let error = ResponseNode.fields([("type", .string("object")), ("properties", .object([.init(spec.responseName, errorRef)]))])
        return .fields([
            ("operationId", .string(spec.name)),
            ("summary", .string(spec.description)),
            ("description", .string(spec.isAsync ? "Asynchronous: answers with a jobid; poll queryAsyncJobResult." : "Synchronous.")),
            ("parameters", .array(parameters)),
            ("responses", .fields([
                ("200", .fields([("description", .string("success")), ("content", .fields([("application/json", .fields([("schema", ok)]))]))])),
                ("default", .fields([("description", .string("CloudStack error: the HTTP status equals errorcode")), ("content", .fields([("application/json", .fields([("schema", error)]))]))])),
            ])),
        ])
    }

    static func schema(for p: ParameterSpec) -> ResponseNode {
        switch p.type {
        case .string, .tzdate: .fields([("type", .string("string")), ("maxLength", .int(Int64(p.length)))])
        case .uuid: .fields([("type", .string("string")), ("format", .string("uuid"))])
        case .boolean: .fields([("type", .string("boolean"))])
        case .integer, .short: .fields([("type", .string("integer")), ("format", .string("int32"))])
        case .long: .fields([("type", .string("integer")), ("format", .string("int64"))])
        case .float, .double: .fields([("type", .string("number"))])
        case .date: .fields([("type", .string("string")), ("format", .string("date"))])
        case .list: .fields([("type", .string("string")), ("description", .string("comma-separated list"))])
        case .map: .fields([("type", .string("object")), ("description", .string("sent as name[0].key=value pairs"))])
        }
    }

    static func objectSchema(_ fields: [FieldInfo]) -> ResponseNode {
        .fields([("type", .string("object")), ("properties", .object(fields.map { .init($0.name, fieldSchema($0)) }))])
    }

    static func fieldSchema(_ f: FieldInfo) -> ResponseNode {
        switch f.type {
        case .string, .date: .fields([("type", .string("string")), ("description", .string(f.description))])
        case .integer, .long: .fields([("type", .string("integer")), ("description", .string(f.description))])
        case .boolean: .fields([("type", .string("boolean")), ("description", .string(f.description))])
        case .double, .float: .fields([("type", .string("number")), ("description", .string(f.description))])
        case .map: .fields([("type", .string("object")), ("description", .string(f.description))])
        case .list, .set: .fields([("type", .string("array")), ("description", .string(f.description)), ("items", f.children.isEmpty ? .fields([]) : objectSchema(f.children))])
        case .responseObject: f.children.isEmpty ? .fields([("type", .string("object")), ("description", .string(f.description))]) : objectSchema(f.children)
        }
    }
}
