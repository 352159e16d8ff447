@testable import CirrusAPI
import Foundation
import Testing

@Suite("Response rendering")
struct RenderingTests {
    @Test("dates use CloudStack's format in UTC")
    func dates() {
        #expect(CloudDate.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00+0000")
        #expect(CloudDate.format(Date(timeIntervalSince1970: 1_714_566_896)) == "2024-05-01T12:34:56+0000")
        #expect(CloudDate.format(Date(timeIntervalSince1970: 951_825_600)) == "2000-02-29T12:00:00+0000")
    }

    @Test("expires accepts the forms clients send", arguments: [
        "2030-01-01T00:00:00+0000", "2030-01-01T00:00:00+00:00", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00.123456+0000",
        "2030-01-01T00:00:00Z+0000", "2030-01-01T01:00:00+0100", "2029-12-31T23:00:00-0100",
    ])
    func timestamps(raw: String) throws {
        let date = try #require(CloudDate.parseTimestamp(raw))
        #expect(date.timeIntervalSince1970 == 1_893_456_000)
    }

    @Test("bad timestamps are refused", arguments: ["2030-01-01", "2030-13-01T00:00:00+0000", "tomorrow", "2030-01-01T00:00:00+00"])
    func badTimestamps(raw: String) {
        #expect(CloudDate.parseTimestamp(raw) == nil)
    }

    @Test("JSON is compact, ordered, unescaped HTML and escaped control characters")
    func json() {
        let node = ResponseNode.fields([("b", .string("<a&b> \"q\" \n")), ("a", .int(3)), ("z", nil), ("t", .bool(true)), ("l", .array([]))])
        #expect(node.json() == #"{"b":"<a&b> \"q\" \n","a":3,"t":true,"l":[]}"#)
    }

    @Test("lists: count is the total; an empty list is {}; a page past the end has only count")
    func lists() {
        let item = ResponseNode.fields([("id", .string("x"))])
        #expect(CommandResult.list(itemName: "user", count: 5, items: [item]).responseBody.json() == #"{"count":5,"user":[{"id":"x"}]}"#)
        #expect(CommandResult.list(itemName: "user", count: 0, items: []).responseBody.json() == "{}")
        #expect(CommandResult.list(itemName: "user", count: 5, items: []).responseBody.json() == #"{"count":5}"#)
        #expect(CommandResult.success(displayText: nil).responseBody.json() == #"{"success":true}"#)
    }

    @Test("XML repeats list elements and escapes text")
    func xml() {
        let body = CommandResult.list(itemName: "user", count: 2, items: [.fields([("name", .string("a<b"))]), .fields([("name", .string("c"))])]).responseBody
        #expect(ResponseFormat.xml.render(key: "listusersresponse", body: body)
            == #"<?xml version="1.0" encoding="UTF-8"?><listusersresponse cloud-stack-version="4.19.0.0"><count>2</count><user><name>a&lt;b</name></user><user><name>c</name></user></listusersresponse>"#)
    }

    @Test("stored job results parse back with order and types")
    func parseBack() throws {
        let node = ResponseNode.fields([("account", .fields([("name", .string("é \"x\"\\")), ("n", .int(-4)), ("ok", .bool(false)), ("u", .array([.string("a")]))]))])
        #expect(ResponseNode.parse(json: node.json()) == node)
        #expect(ResponseNode.parse(json: "{\"a\":") == nil)
        #expect(ResponseNode.parse(json: #"{"s":"\u00e9\ud83d\ude00"}"#)?["s"] == .string("é😀"))
    }
}
