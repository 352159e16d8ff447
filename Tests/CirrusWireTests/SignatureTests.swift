import CirrusAPI
import Testing

/// The vectors of the wire-protocol reference (§2.4), checked against the Java algorithm.
@Suite("Request signatures")
struct SignatureTests {
    let key = "fake-api-key-0123"
    let secret = "fake-secret-key-4567"

    @Test("signatureVersion 3 with expires")
    func versionThree() {
        let params: [(name: String, value: String)] = [
            ("command", "listVirtualMachines"), ("response", "json"), ("apiKey", key),
            ("zoneid", "1a2b3c4d-0000-4000-8000-000000000001"), ("keyword", "web server"),
            ("signatureVersion", "3"), ("expires", "2030-01-01T00:00:00+0000"),
        ]
        #expect(RequestSignature.canonicalString(params) == "apikey=fake-api-key-0123&command=listvirtualmachines&expires=2030-01-01t00%3a00%3a00%2b0000&keyword=web%20server&response=json&signatureversion=3&zoneid=1a2b3c4d-0000-4000-8000-000000000001")
        #expect(RequestSignature.signature(for: params, secret: secret) == "N6ODtyv4sRmEE+nJGdLuYXrR1Ks=")
        #expect(RequestSignature.verify("N6ODtyv4sRmEE+nJGdLuYXrR1Ks=", params: params + [("signature", "ignored")], secret: secret))
        #expect(!RequestSignature.verify("N6ODtyv4sRmEE+nJGdLuYXrR1Ks=", params: params, secret: "wrong-secret"))
    }

    @Test("plain signature without expires")
    func plain() {
        let params: [(name: String, value: String)] = [("command", "listZones"), ("response", "json"), ("apiKey", key)]
        #expect(RequestSignature.canonicalString(params) == "apikey=fake-api-key-0123&command=listzones&response=json")
        #expect(RequestSignature.signature(for: params, secret: secret) == "sdIABcDY7mJj5mWuV0alJdcX7SI=")
    }

    @Test("map parameters keep their names unencoded")
    func mapParameters() {
        let params: [(name: String, value: String)] = [
            ("command", "createTags"), ("response", "json"), ("apiKey", key), ("resourceids", "abc"), ("resourcetype", "UserVm"),
            ("tags[0].key", "env"), ("tags[0].value", "a/b:c=d&e"),
        ]
        #expect(RequestSignature.signature(for: params, secret: secret) == "lUeMNm/7OqGnSsCZSw/8/8THah8=")
    }

    @Test("deployVirtualMachine vector")
    func deploy() {
        let params: [(name: String, value: String)] = [
            ("command", "deployVirtualMachine"), ("response", "json"), ("apiKey", key), ("serviceofferingid", "so-1"), ("templateid", "tpl-1"),
            ("zoneid", "zone-1"), ("displayname", "My VM"), ("signatureVersion", "3"), ("expires", "2030-01-01T00:00:00+0000"),
        ]
        #expect(RequestSignature.signature(for: params, secret: secret) == "A5GlS0EJSLK5XfP5TW9G5C4l+eg=")
    }

    @Test("a value with ~ verifies in the Java form and in the form cs and libcloud send")
    func tilde() {
        let params: [(name: String, value: String)] = [("command", "listVirtualMachines"), ("response", "json"), ("apiKey", key), ("keyword", "a~b")]
        #expect(RequestSignature.signature(for: params, secret: secret) == "XYf+MkO0wa30BXe1py5/HCkjj2I=")
        #expect(RequestSignature.verify("XYf+MkO0wa30BXe1py5/HCkjj2I=", params: params, secret: secret))
        #expect(RequestSignature.verify("1j8X9s9XfINRgRwdbqvm9M6+dWk=", params: params, secret: secret))
        #expect(!RequestSignature.verify("1j8X9s9XfINRgRwdbqvm9M6+dWj=", params: params, secret: secret))
    }

    @Test("the developer guide's vector")
    func developerGuide() {
        let apiKey = "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg"
        let guideSecret = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ"
        let params: [(name: String, value: String)] = [("command", "listUsers"), ("response", "json"), ("apikey", apiKey)]
        #expect(RequestSignature.signature(for: params, secret: guideSecret) == "TTpdDq/7j/J58XCRHomKoQXEQds=")
    }

    @Test("Java URLEncoder rules")
    func encoding() {
        #expect(RequestSignature.encode("a b+c/d:é~*._-") == "a%20b%2Bc%2Fd%3A%C3%A9%7E*._-")
        #expect(RequestSignature.encode("[x]'!()") == "%5Bx%5D%27%21%28%29")
    }

    @Test("constant-time comparison compares whole strings")
    func compare() {
        #expect(RequestSignature.constantTimeEquals("abc", "abc"))
        #expect(!RequestSignature.constantTimeEquals("abc", "abd"))
        #expect(!RequestSignature.constantTimeEquals("abc", "abcd"))
        #expect(!RequestSignature.constantTimeEquals("", "a"))
    }
}
