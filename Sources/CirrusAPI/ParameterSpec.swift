import Foundation

/// The type of a command parameter, as CloudStack's `CommandType` names it in `listApis`.
public enum ParameterType: Sendable, Equatable {
    case string, uuid, boolean, integer, long, short, float, double, date, tzdate, map
    /// A comma-separated list of values of the element type.
    indirect case list(ParameterType)

    /// The lowercased name `listApis` reports.
    public var apiName: String {
        switch self {
        case .string: "string"
        case .uuid: "uuid"
        case .boolean: "boolean"
        case .integer: "integer"
        case .long: "long"
        case .short: "short"
        case .float: "float"
        case .double: "double"
        case .date: "date"
        case .tzdate: "tzdate"
        case .map: "map"
        case .list: "list"
        }
    }
}

/// One declared parameter of a command.
public struct ParameterSpec: Sendable {
    /// The name as documented (lowercase for nearly every CloudStack parameter).
    public let name: String
    public let type: ParameterType
    public let required: Bool
    /// Maximum length of a string value (CloudStack's default 255).
    public let length: Int
    public let description: String
    public let since: String?
    /// List APIs that return the entity this parameter refers to (`listDomains` for `domainid`).
    public let related: [String]
    /// Extra validation on the parsed raw value; throw a ``CloudError`` to reject it.
    public let validate: (@Sendable (String) throws -> Void)?

    public init(_ name: String, _ type: ParameterType, required: Bool = false, length: Int = 255, since: String? = nil, related: [String] = [], description: String, validate: (@Sendable (String) throws -> Void)? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.length = length
        self.description = description
        self.since = since
        self.related = related
        self.validate = validate
    }

    /// The key parameters are looked up by: CloudStack binds parameters case-insensitively.
    public var key: String { name.lowercased() }
}

extension ParameterSpec {
    /// `keyword`, `page` and `pagesize`, which every list command takes.
    public static let paging: [ParameterSpec] = [
        ParameterSpec("keyword", .string, description: "List by keyword"),
        ParameterSpec("page", .integer, description: "The page to return, counted from 1; needs pagesize"),
        ParameterSpec("pagesize", .integer, description: "The number of items per page; needs page"),
    ]

    /// `account`, `domainid`, `isrecursive` and `listall`: the tenancy filter of list commands.
    public static let ownership: [ParameterSpec] = [
        ParameterSpec("account", .string, description: "List resources of this account; needs domainid unless it is in the caller's domain"),
        ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "List resources of accounts in this domain"),
        ParameterSpec("isrecursive", .boolean, description: "Include the sub-domains of domainid (or of the caller's domain)"),
        ParameterSpec("listall", .boolean, description: "List everything the caller is allowed to see, not only the caller's own"),
    ]
}
