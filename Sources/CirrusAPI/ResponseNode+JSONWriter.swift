import CirrusModel
import Foundation

/// Compact JSON written straight into UTF-8 bytes: the response path's writer.
///
/// It produces exactly the text of the former `String` writer (quotes, backslashes and
/// control characters escaped, everything else as it is; integers in decimal; doubles as
/// ``JSONText/number(_:)`` writes them; dates in CloudStack's `yyyy-MM-dd'T'HH:mm:ss+0000`),
/// but appends bytes to one growing buffer instead of appending `String`s, which made a
/// 500-host page (about half a megabyte) spend most of its rendering time in
/// `String` growth and UTF-8 checks. The HTTP route hands the bytes to the socket as they are.
public struct JSONWriter: Sendable {
    /// The JSON text written so far, in UTF-8.
    public private(set) var bytes: [UInt8]

    /// An empty writer; `capacity` is a hint for the final size in bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends one node (and everything below it).
    public mutating func write(_ node: ResponseNode) {
        switch node {
        case .string(let s): writeQuoted(s)
        case .int(let i): write(integer: i)
        case .double(let d): writeRaw(JSONText.number(d))
        case .bool(let b): b ? writeASCII("true") : writeASCII("false")
        case .date(let d): write(date: d)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let fields):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for field in fields {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeQuoted(field.name)
                bytes.append(UInt8(ascii: ":"))
                write(field.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `s` as a quoted JSON string, escaped as ``JSONString/appendQuoted(_:to:)`` does.
    public mutating func writeQuoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            // Copy runs of plain bytes at once; only quotes, backslashes and control
            // characters need escaping. Bytes of multi-byte UTF-8 sequences are all
            // >= 0x80, so scanning bytes finds exactly the scalars to escape.
            var start = 0
            var i = 0
            let count = utf8.count
            while i < count {
                let b = utf8[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C {
                    i += 1
                    continue
                }
                if i > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                appendEscape(b)
                i += 1
                start = i
            }
            if count > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<count])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ b: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch b {
        case 0x22: bytes.append(UInt8(ascii: "\""))
        case 0x5C: bytes.append(UInt8(ascii: "\\"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            // \u00XX with lower-case hex digits.
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hexDigits[Int(b >> 4)], Self.hexDigits[Int(b & 0xF)]])
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends an integer in decimal, as `String(i)` writes it.
    public mutating func write(integer i: Int64) {
        if i < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = i.magnitude
        if magnitude < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(magnitude))
            return
        }
        // At most 20 digits; written backwards into a small stack buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var index = 20
            while magnitude > 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<20]))
        }
    }

    /// Appends a date as a quoted CloudStack timestamp (``CloudDate/format(_:)``).
    public mutating func write(date: Date) {
        let floored = date.timeIntervalSince1970.rounded(.down)
        // Years 0...9999 have the fixed-width form; anything else goes the slow way.
        guard floored >= -62_167_219_200, floored < 253_402_300_800 else {
            writeQuoted(CloudDate.format(date))
            return
        }
        var seconds = Int64(floored)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        seconds -= days * 86_400
        let (y, m, d) = Self.civil(fromDays: days)
        bytes.append(UInt8(ascii: "\""))
        appendDigits(y, width: 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(m, width: 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(d, width: 2)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(seconds / 3600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits((seconds % 3600) / 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(seconds % 60, width: 2)
        writeASCII("+0000\"")
    }

    /// `value` (0 ≤ value < 10^width) zero-padded to `width` digits.
    private mutating func appendDigits(_ value: Int64, width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(v / divisor))
            v %= divisor
            divisor /= 10
        }
    }

    /// Days since 1970-01-01 to (year, month, day): Howard Hinnant's civil-from-days algorithm.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// Appends ASCII text as it is (no quoting).
    mutating func writeASCII(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends text as it is (no quoting or escaping).
    mutating func writeRaw(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }
}

extension ResponseNode {
    /// Compact JSON as UTF-8 bytes; the same text as ``json()``.
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }
}

extension ResponseFormat {
    /// `{"<key>": body}` or its XML equivalent as UTF-8 bytes: what the HTTP route writes.
    /// Same text as ``render(key:body:)``; JSON goes straight into bytes.
    public func renderBytes(key: String, body: ResponseNode) -> [UInt8] {
        switch self {
        case .json:
            var writer = JSONWriter(capacity: Self.capacityHint(body))
            writer.writeASCII("{")
            writer.writeQuoted(key)
            writer.writeASCII(":")
            writer.write(body)
            writer.writeASCII("}")
            return writer.bytes
        case .xml:
            return Array(render(key: key, body: body).utf8)
        }
    }

    /// A starting capacity: listings get room for their items (a guess of 1 KiB each, which
    /// is about what a host or an instance takes) so that a large page is not copied a
    /// dozen times while it grows.
    static func capacityHint(_ body: ResponseNode) -> Int {
        guard case .object(let fields) = body else { return 256 }
        var items = 0
        for field in fields {
            if case .array(let list) = field.value { items += list.count }
        }
        return min(256 + items * 1024, 8 << 20)
    }
}
