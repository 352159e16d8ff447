import CirrusModel
import Testing

@Suite("Setting values")
struct ConfigValueTests {
    @Test("integers are checked for type and range")
    func integers() throws {
        #expect(try ConfigValueType.integer.validate(" 42 ", name: "x", range: 1...100, options: nil) == "42")
        #expect(throws: CloudError.self) { try ConfigValueType.integer.validate("4.2", name: "x", range: nil, options: nil) }
        #expect(throws: CloudError.self) { try ConfigValueType.integer.validate("0", name: "x", range: 1...100, options: nil) }
        #expect(throws: CloudError.self) { try ConfigValueType.integer.validate("99999999999", name: "x", range: nil, options: nil) }
        #expect(try ConfigValueType.long.validate("99999999999", name: "x", range: nil, options: nil) == "99999999999")
    }

    @Test("booleans are normalised; other words are refused")
    func booleans() throws {
        #expect(try ConfigValueType.boolean.validate("TRUE", name: "x", range: nil, options: nil) == "true")
        #expect(throws: CloudError.self) { try ConfigValueType.boolean.validate("yes", name: "x", range: nil, options: nil) }
    }

    @Test("strings with options must be one of them")
    func options() throws {
        #expect(try ConfigValueType.string.validate("b", name: "x", range: nil, options: ["a", "b"]) == "b")
        let error = #expect(throws: CloudError.self) { try ConfigValueType.string.validate("c", name: "x", range: nil, options: ["a", "b"]) }
        #expect(error?.code == .parameterError)
    }

    @Test("domain paths normalise as login expects")
    func paths() {
        #expect(Domain.normalisedPath("/") == "/")
        #expect(Domain.normalisedPath("") == "/")
        #expect(Domain.normalisedPath("ROOT") == "/")
        #expect(Domain.normalisedPath("Sub/Child") == "/Sub/Child/")
        #expect(Domain.normalisedPath("/Sub/Child/") == "/Sub/Child/")
        #expect(Domain.normalisedPath("ROOT/Sub") == "/Sub/")
        #expect(Domain.displayPath(for: "/a/b/") == "ROOT/a/b")
        #expect(Domain.displayPath(for: "/") == "ROOT")
    }
}
