import CirrusModel
import Foundation

/// The validated parameters of one command call, keyed by lowercased name. Built only by
/// ``Parameters/parse(_:for:)`` from the command's declaration — the one parameter parser.
public struct Parameters: Sendable {
    /// Scalar values by lowercased name, already checked against their declared type.
    public private(set) var scalars: [String: String]
    /// Map parameters by lowercased name: entries ordered by index, each a field → value map.
    public private(set) var maps: [String: [[String: String]]]
    let command: String

    public init(command: String, scalars: [String: String] = [:], maps: [String: [[String: String]]] = [:]) {
        self.command = command
        self.scalars = scalars
        self.maps = maps
    }

    // MARK: typed accessors

    public func has(_ name: String) -> Bool { scalars[name] != nil || maps[name] != nil }

    public func string(_ name: String) -> String? { scalars[name] }

    /// A string parameter that must be present (the declaration guarantees it for required ones).
    public func requiredString(_ name: String) throws(CloudError) -> String {
        guard let value = scalars[name] else { throw .missingParameter(command: command, parameter: name) }
        return value
    }

    public func uuid(_ name: String) -> UUID? { scalars[name].flatMap(UUID.init(uuidString:)) }

    public func requiredUUID(_ name: String) throws(CloudError) -> UUID {
        guard let value = uuid(name) else { throw .missingParameter(command: command, parameter: name) }
        return value
    }

    /// Booleans follow Java's `Boolean.valueOf`: `true` in any case is true, anything else false.
    public func bool(_ name: String) -> Bool? { scalars[name].map { $0.lowercased() == "true" } }

    public func bool(_ name: String, default value: Bool) -> Bool { bool(name) ?? value }

    public func int(_ name: String) -> Int? { scalars[name].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    public func long(_ name: String) -> Int64? { scalars[name].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) } }

    public func date(_ name: String) -> Date? { scalars[name].flatMap(CloudDate.parseDate) }

    /// Comma-separated list values, trimmed, empties dropped.
    public func list(_ name: String) -> [String]? {
        scalars[name].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    public func uuidList(_ name: String) -> [UUID]? { list(name)?.compactMap(UUID.init(uuidString:)) }

    public func map(_ name: String) -> [[String: String]]? { maps[name] }

    /// The scalars and maps in a stable JSON form, for persisting an async job.
    public func encoded() -> String {
        struct Stored: Encodable { let scalars: [String: String]; let maps: [String: [[String: String]]] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(Stored(scalars: scalars, maps: maps))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Restores parameters persisted with ``encoded()``.
    public static func decoded(_ json: String, command: String) -> Parameters? {
        struct Stored: Decodable { let scalars: [String: String]; let maps: [String: [[String: String]]] }
        guard let stored = try? JSONDecoder().decode(Stored.self, from: Data(json.utf8)) else { return nil }
        return Parameters(command: command, scalars: stored.scalars, maps: stored.maps)
    }

    /// The page window of a list command, with CloudStack's rules: `page` and `pagesize` go
    /// together, `pagesize` may not exceed `maxPageSize`, `pagesize=-1` means everything.
    public func pagination(maxPageSize: Int) throws(CloudError) -> Page {
        let page = int("page")
        let size = int("pagesize")
        switch (page, size) {
        case (nil, nil):
            return Page(offset: 0, limit: maxPageSize)
        case (.some, nil):
            throw .invalidParameter("\"pagesize\" parameter is required when \"page\" is specified")
        case (nil, .some(let s)):
            if s == -1 { return Page(offset: 0, limit: nil) }
            throw .invalidParameter("\"page\" parameter is required when \"pagesize\" is specified")
        case (.some(let p), .some(let s)):
            if s == -1 { throw .invalidParameter("Can't specify page parameter when pagesize is -1 (Unlimited)") }
            guard s >= 1 else { throw .invalidParameter("Page size can't be 0 or less than -1") }
            guard s <= maxPageSize else { throw .invalidParameter("Page size can't exceed max allowed page size value: \(maxPageSize)") }
            guard p >= 1 else { throw .invalidParameter("Page number must be 1 or greater") }
            let (offset, overflow) = (p - 1).multipliedReportingOverflow(by: s)
            guard !overflow else { throw .invalidParameter("Page number \(p) is out of range") }
            return Page(offset: offset, limit: s)
        }
    }
}

/// A window of a result list: skip `offset` rows, return at most `limit` (nil: all).
public struct Page: Sendable, Equatable {
    public var offset: Int
    public var limit: Int?

    public init(offset: Int, limit: Int?) {
        self.offset = offset
        self.limit = limit
    }
}

extension Parameters {
    /// Validates `raw` against `spec` and produces typed parameters, or the precise CloudStack
    /// error: 431 for a missing, oversize, badly typed or non-printable value, 430 for a
    /// malformed map parameter. Parameters the command does not declare are ignored.
    public static func parse(_ raw: RawParameters, for spec: CommandSpec) throws(CloudError) -> Parameters {
        var byKey: [String: String] = [:]
        var mapEntries: [String: [Int: [String: String]]] = [:]
        for (name, value) in raw.pairs {
            if let bracket = name.firstIndex(of: "[") {
                // name[index].field=value
                let base = name[..<bracket].lowercased()
                let rest = name[name.index(after: bracket)...]
                guard let close = rest.firstIndex(of: "]"),
                      let index = Int(rest[..<close]), index >= 0,
                      !rest[..<close].contains("["),
                      rest[rest.index(after: close)...].first == ".",
                      !rest[rest.index(after: close)...].contains("["),
                      rest[rest.index(after: close)...].count > 1
                else {
                    throw CloudError(.malformedParameter, "Unable to decode parameter \(name); if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup", csCode: .serverAPI)
                }
                let field = String(rest[rest.index(after: close)...].dropFirst())
                guard spec.parameter(named: base)?.type == .map else { continue }
                try checkPrintable(value, parameter: name)
                if mapEntries[base, default: [:]][index]?[field] == nil {
                    mapEntries[base, default: [:]][index, default: [:]][field] = value
                }
            } else {
                let key = name.lowercased()
                if byKey[key] == nil { byKey[key] = value }
            }
        }

        var params = Parameters(command: spec.name)
        for p in spec.parameters {
            if p.type == .map {
                if let entries = mapEntries[p.key] {
                    params.maps[p.key] = entries.keys.sorted().map { entries[$0]! }
                } else if p.required {
                    throw .missingParameter(command: spec.name, parameter: p.name)
                }
                continue
            }
            guard let value = byKey[p.key] else {
                if p.required { throw .missingParameter(command: spec.name, parameter: p.name) }
                continue
            }
            try checkPrintable(value, parameter: p.name)
            if value.isEmpty {
                // CloudStack treats an empty value as absent.
                if p.required { throw .missingParameter(command: spec.name, parameter: p.name) }
                continue
            }
            if value.count > p.length {
                throw .invalidParameter("Value of parameter \(p.name) is too long: \(value.count) characters, at most \(p.length) allowed")
            }
            try checkType(value, type: p.type, parameter: p.name, command: spec.name)
            if let validate = p.validate {
                do { try validate(value) } catch let error as CloudError { throw error } catch {
                    throw .invalidParameter("Invalid value for parameter \(p.name): \(error)")
                }
            }
            params.scalars[p.key] = value
        }
        return params
    }

    static func checkPrintable(_ value: String, parameter: String) throws(CloudError) {
        for u in value.utf8 where (u < 0x20 && u != 0x0A && u != 0x0D) || u == 0x7F {
            throw .invalidParameter("Received value containing illegal ASCII non-printable characters for parameter \(parameter)")
        }
    }

    static func checkType(_ value: String, type: ParameterType, parameter: String, command: String) throws(CloudError) {
        let v = value.trimmingCharacters(in: .whitespaces)
        func bad(_ what: String) -> CloudError {
            .invalidParameter("Unable to execute API command \(command.lowercased()) due to invalid value. Invalid parameter \(parameter) value=\(value) due to incorrect \(what) value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.")
        }
        switch type {
        case .string, .boolean, .map: return
        case .uuid:
            guard UUID(uuidString: v) != nil else { throw bad("uuid") }
        case .integer:
            guard let i = Int64(v), i >= Int64(Int32.min), i <= Int64(Int32.max) else { throw bad("integer") }
        case .short:
            guard Int16(v) != nil else { throw bad("short") }
        case .long:
            guard Int64(v) != nil else { throw bad("long") }
        case .float, .double:
            guard let d = Double(v), d.isFinite else { throw bad(type.apiName) }
        case .date:
            guard CloudDate.parseDate(v) != nil else {
                throw .invalidParameter("Unable to parse date \(value) for parameter \(parameter), expected format yyyy-MM-dd or yyyy-MM-dd HH:mm:ss")
            }
        case .tzdate:
            guard CloudDate.parseTimestamp(v) != nil else {
                throw .invalidParameter("Unable to parse date \(value) for parameter \(parameter), expected format yyyy-MM-dd'T'HH:mm:ssZ")
            }
        case .list(let element):
            for item in v.split(separator: ",") {
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                try checkType(trimmed, type: element, parameter: parameter, command: command)
            }
        }
    }
}
