@testable import CirrusAPI
import CirrusModel
import Foundation
import Testing

@Suite("Parameter parsing")
struct ParameterTests {
    let spec = CommandSpec("createThing", description: "test", parameters: [
        ParameterSpec("name", .string, required: true, length: 10, description: "n"),
        ParameterSpec("zoneid", .uuid, description: "z"),
        ParameterSpec("count", .integer, description: "c"),
        ParameterSpec("size", .long, description: "s"),
        ParameterSpec("flag", .boolean, description: "f"),
        ParameterSpec("ids", .list(.uuid), description: "i"),
        ParameterSpec("when", .date, description: "w"),
        ParameterSpec("tags", .map, description: "t"),
    ] + ParameterSpec.paging, response: .success, access: .all, handler: .sync { _ in .success(displayText: nil) })

    func parse(_ query: String) throws(CloudError) -> Parameters {
        var raw = RawParameters()
        raw.appendForm(Substring(query))
        return try Parameters.parse(raw, for: spec)
    }

    func expectError(_ query: String, code: APIErrorCode, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try parse(query)
            Issue.record("expected \(code) for \(query)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test("names bind case-insensitively; values are form-decoded")
    func binding() throws {
        let p = try parse("NAME=a+b%2Fc&zoneId=1A2B3C4D-0000-4000-8000-000000000001&Flag=True&count=7&size=9000000000")
        #expect(p.string("name") == "a b/c")
        #expect(p.uuid("zoneid") == UUID(uuidString: "1a2b3c4d-0000-4000-8000-000000000001"))
        #expect(p.bool("flag") == true)
        #expect(p.int("count") == 7)
        #expect(p.long("size") == 9_000_000_000)
    }

    @Test("booleans follow Boolean.valueOf", arguments: [("true", true), ("TRUE", true), ("True", true), ("yes", false), ("1", false), ("False", false)])
    func booleans(raw: String, expected: Bool) throws {
        #expect(try parse("name=x&flag=\(raw)").bool("flag") == expected)
    }

    @Test("missing required parameter names the command and parameter")
    func missing() {
        expectError("zoneid=1a2b3c4d-0000-4000-8000-000000000001", code: .parameterError, containing: "Unable to execute API command creatething due to missing parameter name")
        expectError("name=", code: .parameterError, containing: "missing parameter name")
    }

    @Test("wrong types, oversize values and control characters are 431")
    func badValues() {
        expectError("name=x&zoneid=not-a-uuid", code: .parameterError, containing: "zoneid")
        expectError("name=x&count=12x", code: .parameterError, containing: "count")
        expectError("name=x&count=99999999999", code: .parameterError, containing: "count")
        expectError("name=01234567890", code: .parameterError, containing: "too long")
        expectError("name=a%09b", code: .parameterError, containing: "non-printable")
        expectError("name=x&ids=1a2b3c4d-0000-4000-8000-000000000001,zzz", code: .parameterError, containing: "ids")
        expectError("name=x&when=yesterday", code: .parameterError, containing: "when")
    }

    @Test("map parameters group by index; malformed ones are 430")
    func maps() throws {
        let p = try parse("name=x&tags%5B1%5D.key=b&tags[0].key=a&tags[0].value=1&TAGS[1].value=2")
        #expect(p.map("tags") == [["key": "a", "value": "1"], ["key": "b", "value": "2"]])
        expectError("name=x&tags[x].key=a", code: .malformedParameter, containing: "tags[x].key")
        expectError("name=x&tags[0]key=a", code: .malformedParameter, containing: "tags[0]key")
        expectError("name=x&tags[0].=a", code: .malformedParameter, containing: "tags[0].")
        expectError("name=x&tags[0][1].key=a", code: .malformedParameter, containing: "tags[0][1]")
    }

    @Test("lists are comma-separated")
    func lists() throws {
        let p = try parse("name=x&ids=1a2b3c4d-0000-4000-8000-000000000001,%201a2b3c4d-0000-4000-8000-000000000002")
        #expect(p.uuidList("ids")?.count == 2)
    }

    @Test("page and pagesize go together and respect the maximum")
    func paging() throws {
        #expect(try parse("name=x").pagination(maxPageSize: 500) == Page(offset: 0, limit: 500))
        #expect(try parse("name=x&page=3&pagesize=20").pagination(maxPageSize: 500) == Page(offset: 40, limit: 20))
        #expect(try parse("name=x&pagesize=-1").pagination(maxPageSize: 500) == Page(offset: 0, limit: nil))
        #expect(throws: CloudError.self) { try parse("name=x&page=2").pagination(maxPageSize: 500) }
        #expect(throws: CloudError.self) { try parse("name=x&pagesize=20").pagination(maxPageSize: 500) }
        #expect(throws: CloudError.self) { try parse("name=x&page=1&pagesize=501").pagination(maxPageSize: 500) }
        #expect(throws: CloudError.self) { try parse("name=x&page=1&pagesize=-1").pagination(maxPageSize: 500) }
    }

    @Test("parameters survive the job round trip")
    func persistence() throws {
        let p = try parse("name=x&tags[0].key=a&tags[0].value=1&flag=true")
        let restored = try #require(Parameters.decoded(p.encoded(), command: "createThing"))
        #expect(restored.string("name") == "x")
        #expect(restored.bool("flag") == true)
        #expect(restored.map("tags") == [["key": "a", "value": "1"]])
    }
}
