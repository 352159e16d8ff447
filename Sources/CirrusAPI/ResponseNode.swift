import CirrusModel
import Foundation

/// A response value before it is written as JSON or XML. Objects keep their field order,
/// which CloudStack clients rely on only loosely but humans reading responses appreciate.
///
/// Not `indirect`: objects and arrays already hold their children in arrays, so a node
/// needs no box of its own (a 500-host page has some 20,000 nodes).
public enum ResponseNode: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case date(Date)
    case object([Field])
    case array([ResponseNode])

    /// One named member of an object.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: ResponseNode
        public init(_ name: String, _ value: ResponseNode) {
            self.name = name
            self.value = value
        }
    }

    /// Convenience for building objects from literal pairs; `nil` values are left out,
    /// as CloudStack omits null fields.
    public static func fields(_ pairs: [(String, ResponseNode?)]) -> ResponseNode {
        .object(pairs.compactMap { name, value in value.map { Field(name, $0) } })
    }

    /// The member named `name` of an object, if any.
    public subscript(name: String) -> ResponseNode? {
        guard case .object(let fields) = self else { return nil }
        return fields.first(where: { $0.name == name })?.value
    }
}

// MARK: - JSON

extension ResponseNode {
    /// Compact JSON, with no HTML escaping (CloudStack undoes Gson's), dates in CloudStack's format.
    public func json() -> String {
        String(decoding: jsonBytes(), as: UTF8.self)
    }

    /// Appends ``json()`` to `out`. The bytes come from ``JSONWriter``, the one JSON writer.
    func writeJSON(into out: inout String) {
        out += String(decoding: jsonBytes(), as: UTF8.self)
    }
}

enum JSONText {
    static func appendQuoted(_ s: String, to out: inout String) {
        JSONString.appendQuoted(s, to: &out)
    }

    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "0" }
        if d == d.rounded(), abs(d) < 1e15 { return String(format: "%.1f", d) }
        return String(d)
    }
}

// MARK: - XML

extension ResponseNode {
    /// Writes this node's children as XML elements: object fields become elements, arrays
    /// repeat the element name for each item.
    func writeXMLChildren(into out: inout String) {
        guard case .object(let fields) = self else { return }
        for field in fields {
            Self.writeXMLElement(name: field.name, value: field.value, into: &out)
        }
    }

    static func writeXMLElement(name: String, value: ResponseNode, into out: inout String) {
        switch value {
        case .array(let items):
            for item in items { writeXMLElement(name: name, value: item, into: &out) }
        case .object:
            out += "<\(name)>"
            value.writeXMLChildren(into: &out)
            out += "</\(name)>"
        case .string(let s): out += "<\(name)>\(XMLText.escape(s))</\(name)>"
        case .int(let i): out += "<\(name)>\(i)</\(name)>"
        case .double(let d): out += "<\(name)>\(JSONText.number(d))</\(name)>"
        case .bool(let b): out += "<\(name)>\(b)</\(name)>"
        case .date(let d): out += "<\(name)>\(CloudDate.format(d))</\(name)>"
        }
    }
}

enum XMLText {
    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
