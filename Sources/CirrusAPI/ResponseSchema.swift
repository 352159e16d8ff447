import Foundation

/// The declared type of a response field, as `listApis` reports it.
public enum FieldType: String, Sendable {
    case string, integer, long, boolean, date, double, float, list, map, set
    case responseObject = "responseobject"
}

/// What `listApis` and the OpenAPI document say about one response field.
public struct FieldInfo: Sendable, Equatable {
    public var name: String
    public var description: String
    public var type: FieldType
    /// Child fields for nested objects and lists of objects.
    public var children: [FieldInfo]

    public init(name: String, description: String, type: FieldType, children: [FieldInfo] = []) {
        self.name = name
        self.description = description
        self.type = type
        self.children = children
    }
}

/// One response field of `Source`: its declaration and how to read it. Rendering and
/// `listApis` both come from the same value, so they cannot drift apart.
public struct ResponseField<Source>: Sendable {
    public let info: FieldInfo
    let extract: @Sendable (Source) -> ResponseNode?

    public init(_ name: String, _ description: String, type: FieldType, children: [FieldInfo] = [], extract: @escaping @Sendable (Source) -> ResponseNode?) {
        self.info = FieldInfo(name: name, description: description, type: type, children: children)
        self.extract = extract
    }

    public static func string(_ name: String, _ description: String, _ get: @escaping @Sendable (Source) -> String?) -> Self {
        Self(name, description, type: .string) { get($0).map(ResponseNode.string) }
    }

    public static func integer(_ name: String, _ description: String, _ get: @escaping @Sendable (Source) -> Int?) -> Self {
        Self(name, description, type: .integer) { get($0).map { .int(Int64($0)) } }
    }

    public static func long(_ name: String, _ description: String, _ get: @escaping @Sendable (Source) -> Int64?) -> Self {
        Self(name, description, type: .long) { get($0).map(ResponseNode.int) }
    }

    public static func bool(_ name: String, _ description: String, _ get: @escaping @Sendable (Source) -> Bool?) -> Self {
        Self(name, description, type: .boolean) { get($0).map(ResponseNode.bool) }
    }

    public static func date(_ name: String, _ description: String, _ get: @escaping @Sendable (Source) -> Date?) -> Self {
        Self(name, description, type: .date) { get($0).map(ResponseNode.date) }
    }

    public static func double(_ name: String, _ description: String, _ get: @escaping @Sendable (Source) -> Double?) -> Self {
        Self(name, description, type: .double) { get($0).map(ResponseNode.double) }
    }

    /// A map field (`{"key":"value"}`), omitted when `nil`.
    public static func map(_ name: String, _ description: String, _ get: @escaping @Sendable (Source) -> [(String, String)]?) -> Self {
        Self(name, description, type: .map) { src in
            get(src).map { pairs in .object(pairs.map { ResponseNode.Field($0.0, .string($0.1)) }) }
        }
    }

    /// A list of nested objects rendered with `schema`; always present (`[]` when empty).
    public static func list<Child>(_ name: String, _ description: String, schema: ResponseSchema<Child>, _ get: @escaping @Sendable (Source) -> [Child]) -> Self {
        Self(name, description, type: .list, children: schema.fieldInfo) { src in
            .array(get(src).map { schema.render($0) })
        }
    }

    /// A list of strings; always present.
    public static func stringList(_ name: String, _ description: String, _ get: @escaping @Sendable (Source) -> [String]) -> Self {
        Self(name, description, type: .list) { .array(get($0).map(ResponseNode.string)) }
    }

    /// A nested object rendered with `schema`, omitted when `nil`.
    public static func object<Child>(_ name: String, _ description: String, schema: ResponseSchema<Child>, _ get: @escaping @Sendable (Source) -> Child?) -> Self {
        Self(name, description, type: .responseObject, children: schema.fieldInfo) { src in
            get(src).map { schema.render($0) }
        }
    }
}

/// The response shape of one kind of object: its object name (`domain`, `account`…) and
/// its fields, in the order they are written.
public struct ResponseSchema<Source>: Sendable {
    public let objectName: String
    public let fields: [ResponseField<Source>]

    public init(objectName: String, fields: [ResponseField<Source>]) {
        self.objectName = objectName
        self.fields = fields
    }

    /// Renders `source` as an object, leaving out fields whose value is `nil`.
    public func render(_ source: Source) -> ResponseNode {
        var out: [ResponseNode.Field] = []
        out.reserveCapacity(fields.count)
        for field in fields {
            if let value = field.extract(source) { out.append(.init(field.info.name, value)) }
        }
        return .object(out)
    }

    public var fieldInfo: [FieldInfo] { fields.map(\.info) }

    /// The type-erased description a command declaration carries.
    public var description: ResponseDescription {
        ResponseDescription(objectName: objectName, fields: fieldInfo)
    }
}

/// What a command answers with, for `listApis` and OpenAPI.
public struct ResponseDescription: Sendable {
    /// The key the object is wrapped in (`domain`), or `nil` for flat and success responses.
    public var objectName: String?
    public var fields: [FieldInfo]

    public init(objectName: String?, fields: [FieldInfo]) {
        self.objectName = objectName
        self.fields = fields
    }

    /// `{success, displaytext}` of delete-style commands.
    public static let success = ResponseDescription(objectName: nil, fields: [
        FieldInfo(name: "success", description: "true if the operation was carried out", type: .boolean),
        FieldInfo(name: "displaytext", description: "any text the operation returned", type: .string),
    ])
}
