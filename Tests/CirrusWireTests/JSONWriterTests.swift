@testable import CirrusAPI
import CirrusModel
import Foundation
import Testing

/// The byte writer must produce exactly the text of the `String` writer it replaced: clients
/// and the interop tests compare responses byte for byte.
@Suite("JSON byte writer")
struct JSONWriterTests {
    /// The former `String` renderer, kept here as the reference.
    static func reference(_ node: ResponseNode) -> String {
        var out = ""
        func write(_ node: ResponseNode) {
            switch node {
            case .string(let s): JSONString.appendQuoted(s, to: &out)
            case .int(let i): out += String(i)
            case .double(let d): out += JSONText.number(d)
            case .bool(let b): out += b ? "true" : "false"
            case .date(let d): JSONString.appendQuoted(CloudDate.format(d), to: &out)
            case .array(let items):
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += "," }
                    write(item)
                }
                out += "]"
            case .object(let fields):
                out += "{"
                for (i, field) in fields.enumerated() {
                    if i > 0 { out += "," }
                    JSONString.appendQuoted(field.name, to: &out)
                    out += ":"
                    write(field.value)
                }
                out += "}"
            }
        }
        write(node)
        return out
    }

    static func text(_ node: ResponseNode) -> String {
        String(decoding: node.jsonBytes(), as: UTF8.self)
    }

    @Test("quotes, backslashes and control characters are escaped; HTML characters are not")
    func escaping() {
        #expect(Self.text(.string(#"a"b\c"#)) == #""a\"b\\c""#)
        #expect(Self.text(.string("line\nnext\r\ttab")) == #""line\nnext\r\ttab""#)
        #expect(Self.text(.string("\u{0}\u{1}\u{8}\u{c}\u{1b}\u{1f}")) == #""\u0000\u0001\u0008\u000c\u001b\u001f""#)
        #expect(Self.text(.string("<a href='x'>&amp;</a> /")) == #""<a href='x'>&amp;</a> /""#)
        #expect(Self.text(.string("\u{7f} ")) == "\"\u{7f} \"")
        #expect(Self.text(.string("")) == #""""#)
        #expect(Self.text(.fields([("k\"ey\n", .string("v"))])) == #"{"k\"ey\n":"v"}"#)
    }

    @Test("non-ASCII text is written as UTF-8, not escaped")
    func unicode() {
        let s = "é ü 中文 😀 \u{2028} \u{feff} e\u{301}"
        #expect(Self.text(.string(s)) == "\"\(s)\"")
        #expect(Self.text(.string(s)).utf8.count == s.utf8.count + 2)
        #expect(Self.text(.string("😀\"😀\n")) == #""😀\"😀\n""#)
        // A string that is not native UTF-8 storage (bridged or a substring copy) takes the same path.
        let sub = String("xx😀\"yy".dropFirst(2).dropLast(2))
        #expect(Self.text(.string(sub)) == #""😀\"""#)
    }

    @Test("integers, doubles and booleans", arguments: [
        (ResponseNode.int(0), "0"), (.int(7), "7"), (.int(-7), "-7"), (.int(10), "10"), (.int(1_234_567_890), "1234567890"),
        (.int(Int64.max), "9223372036854775807"), (.int(Int64.min), "-9223372036854775808"), (.int(-10), "-10"),
        (.double(1), "1.0"), (.double(0.5), "0.5"), (.double(-2.25), "-2.25"), (.double(.nan), "0"), (.double(1e20), "1e+20"),
        (.bool(true), "true"), (.bool(false), "false"),
    ])
    func numbers(node: ResponseNode, expected: String) {
        #expect(Self.text(node) == expected)
        #expect(Self.text(node) == Self.reference(node))
    }

    @Test("dates match CloudDate.format, inside and outside years 0...9999")
    func dates() {
        var seconds: [TimeInterval] = [0, -1, 0.999, -0.5, 59, 86_399, 86_400, 951_825_600, 1_714_566_896.75, 4_102_444_799, 253_402_300_799,
                                       -62_135_596_800, -62_167_219_200, -62_167_219_201, 253_402_300_800, 1e13, -1e12]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 { seconds.append(TimeInterval(Int64.random(in: -70_000_000_000...260_000_000_000, using: &generator))) }
        for s in seconds {
            let d = Date(timeIntervalSince1970: s)
            #expect(Self.text(.date(d)) == "\"\(CloudDate.format(d))\"", "at \(s)")
        }
        #expect(Self.text(.date(Date(timeIntervalSince1970: 1_714_566_896))) == #""2024-05-01T12:34:56+0000""#)
    }

    @Test("nesting, field order and empty containers")
    func nesting() {
        let node = ResponseNode.fields([
            ("count", .int(2)),
            ("host", .array([
                .fields([("id", .string("a")), ("details", .object([])), ("tags", .array([]))]),
                .fields([("id", .string("b")), ("nested", .array([.array([.int(1)]), .object([.init("x", .bool(false))])]))]),
            ])),
        ])
        #expect(Self.text(node) == #"{"count":2,"host":[{"id":"a","details":{},"tags":[]},{"id":"b","nested":[[1],{"x":false}]}]}"#)
        #expect(Self.text(.array([])) == "[]")
        #expect(Self.text(.object([])) == "{}")
        #expect(node.json() == Self.reference(node))
    }

    @Test("renderBytes is render's text in UTF-8, for JSON and XML")
    func envelope() {
        let body = CommandResult.list(itemName: "user", count: 2, items: [.fields([("name", .string("a<b é"))]), .fields([("n", .int(-3))])]).responseBody
        for format in [ResponseFormat.json, .xml] {
            #expect(String(decoding: format.renderBytes(key: "listusersresponse", body: body), as: UTF8.self) == format.render(key: "listusersresponse", body: body))
        }
        #expect(String(decoding: ResponseFormat.json.renderBytes(key: "listusersresponse", body: body), as: UTF8.self)
            == #"{"listusersresponse":{"count":2,"user":[{"name":"a<b é"},{"n":-3}]}}"#)
        #expect(String(decoding: ResponseFormat.json.renderBytes(key: "x", body: .object([])), as: UTF8.self) == #"{"x":{}}"#)
    }

    @Test("random trees render exactly as the reference writer does")
    func randomTrees() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "\n", "\r", "\t", "\u{1}", "\u{1f}", "/", "<", "&", "é", "中", "😀", "\u{7f}"]
        func randomString() -> String {
            (0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
        }
        func randomNode(depth: Int) -> ResponseNode {
            switch Int.random(in: 0...(depth > 3 ? 4 : 6), using: &generator) {
            case 0: return .string(randomString())
            case 1: return .int(Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63, using: &generator))
            case 2: return .double(Double.random(in: -1e6...1e6, using: &generator).rounded(Bool.random(using: &generator) ? .down : .toNearestOrEven))
            case 3: return .bool(Bool.random(using: &generator))
            case 4: return .date(Date(timeIntervalSince1970: TimeInterval(Int64.random(in: 0...4_000_000_000, using: &generator))))
            case 5: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomNode(depth: depth + 1) })
            default: return .object((0..<Int.random(in: 0...4, using: &generator)).map { _ in .init(randomString(), randomNode(depth: depth + 1)) })
            }
        }
        for _ in 0..<300 {
            let node = randomNode(depth: 0)
            #expect(Self.text(node) == Self.reference(node))
            #expect(ResponseNode.parse(json: node.json()) != nil)
        }
    }
}
