import Foundation

/// The scopes a setting can be overridden at, narrowest last.
public enum ConfigScope: String, Sendable, Codable, CaseIterable {
    case global
    case zone
    case cluster
    case storagePool = "storagepool"
    case domain
    case account
}

/// The value type of a setting; `updateConfiguration` validates against it.
public enum ConfigValueType: String, Sendable, Codable {
    case string = "String"
    case integer = "Integer"
    case long = "Long"
    case float = "Float"
    case double = "Double"
    case boolean = "Boolean"

    /// Validates and normalises `raw` (booleans become `true`/`false`); throws a 431
    /// naming the setting when it does not parse or lies outside `range`.
    public func validate(_ raw: String, name: String, range: ClosedRange<Double>?, options: [String]?) throws(CloudError) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        switch self {
        case .string:
            if let options, !options.isEmpty, !options.contains(trimmed) {
                throw .invalidParameter("Value \(raw) for configuration \(name) is not one of: \(options.joined(separator: ", "))")
            }
            return raw
        case .boolean:
            switch trimmed.lowercased() {
            case "true": return "true"
            case "false": return "false"
            default: throw .invalidParameter("Configuration \(name) must be true or false, not \(raw)")
            }
        case .integer, .long:
            guard let value = Int64(trimmed), self == .long || (Int64(Int32.min)...Int64(Int32.max)).contains(value) else {
                throw .invalidParameter("Configuration \(name) must be an integer, not \(raw)")
            }
            if let range, !range.contains(Double(value)) {
                throw .invalidParameter("Configuration \(name) must lie between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound)), not \(raw)")
            }
            return String(value)
        case .float, .double:
            guard let value = Double(trimmed), value.isFinite else {
                throw .invalidParameter("Configuration \(name) must be a number, not \(raw)")
            }
            if let range, !range.contains(value) {
                throw .invalidParameter("Configuration \(name) must lie between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound)), not \(raw)")
            }
            return trimmed
        }
    }

    private static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}

/// A declared setting: its name, type, default, scopes and bounds. Declared once in code;
/// the database holds only values that differ from the default.
public struct ConfigDefinition: Sendable {
    public let name: String
    public let category: String
    public let component: String
    public let type: ConfigValueType
    public let defaultValue: String
    public let description: String
    /// The narrowest scopes this setting may be overridden at (global is always allowed).
    public let scopes: [ConfigScope]
    public let isDynamic: Bool
    public let range: ClosedRange<Double>?
    public let options: [String]?

    public init(_ name: String, category: String, component: String = "management-server", type: ConfigValueType, default defaultValue: String, description: String, scopes: [ConfigScope] = [], isDynamic: Bool = true, range: ClosedRange<Double>? = nil, options: [String]? = nil) {
        self.name = name
        self.category = category
        self.component = component
        self.type = type
        self.defaultValue = defaultValue
        self.description = description
        self.scopes = scopes
        self.isDynamic = isDynamic
        self.range = range
        self.options = options
    }

    /// The scope CloudStack reports for the setting: its narrowest non-global scope, else global.
    public var reportedScope: ConfigScope { scopes.last ?? .global }
}
