import CirrusAPI
import CirrusModel
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("XML responses")
struct XMLResponseTests {
    /// Parses `body` and returns the root element.
    func root(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> XMLElement {
        let document = try XMLDocument(xmlString: body, options: [])
        return try #require(document.rootElement(), sourceLocation: sourceLocation)
    }

    func text(_ element: XMLElement, _ name: String) -> String? {
        element.elements(forName: name).first?.stringValue
    }

    @Test("without response=json the answer is XML with the response name as root")
    func xmlAnswers() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let domainID = try await admin.createDomain("xmldomain")

            let reply = await admin.call("listDomains", ["id": domainID], format: .xml)
            #expect(reply.status == 200)
            #expect(reply.contentType.hasPrefix("text/xml"))
            #expect(reply.body.hasPrefix("<?xml"))
            let element = try root(reply.body)
            #expect(element.name == "listdomainsresponse")
            #expect(element.attribute(forName: "cloud-stack-version")?.stringValue == ResponseFormat.reportedVersion)
            #expect(text(element, "count") == "1")
            let domain = try #require(element.elements(forName: "domain").first)
            #expect(text(domain, "id") == domainID)
            #expect(text(domain, "path") == "ROOT/xmldomain")
            #expect(text(domain, "haschild") == "false")

            // An async submit in XML.
            let account = try await admin.createAccount("xmlaccount", domainID: domainID)
            let submit = await admin.call("disableAccount", ["id": account.id, "lock": "false"], format: .xml)
            #expect(submit.status == 200)
            let submitRoot = try root(submit.body)
            #expect(submitRoot.name == "disableaccountresponse")
            let jobID = try #require(text(submitRoot, "jobid"))
            _ = try await cloud.waitForJob(jobID, session: admin)
            let query = await admin.call("queryAsyncJobResult", ["jobid": jobID], format: .xml)
            let queryRoot = try root(query.body)
            #expect(queryRoot.name == "queryasyncjobresultresponse")
            #expect(text(queryRoot, "jobstatus") == "1")
            let result = try #require(queryRoot.elements(forName: "jobresult").first)
            let resultAccount = try #require(result.elements(forName: "account").first)
            #expect(text(resultAccount, "state") == "disabled")

            // A signed request without response=json is XML too.
            let other = try await admin.createAccount("xmlsigned", domainID: nil)
            let signed = await cloud.signed("listUsers", keys: other.keys, format: .xml)
            #expect(signed.status == 200)
            let signedRoot = try root(signed.body)
            #expect(signedRoot.name == "listusersresponse")
            #expect(text(try #require(signedRoot.elements(forName: "user").first), "id") == other.userID)

            // Characters that need escaping survive.
            let tricky = await admin.call("createDomain", ["name": "a<b>&\"c'"], format: .xml)
            #expect(tricky.status == 200, "\(tricky.body)")
            let trickyDomain = try #require(try root(tricky.body).elements(forName: "domain").first)
            #expect(text(trickyDomain, "name") == "a<b>&\"c'")
        }
    }

    @Test("errors in XML carry errorcode and errortext")
    func xmlErrors() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let reply = await admin.call("updateDomain", ["id": "not-a-uuid"], format: .xml)
            #expect(reply.status == 431)
            #expect(reply.contentType.hasPrefix("text/xml"))
            let element = try root(reply.body)
            #expect(element.name == "updatedomainresponse")
            #expect(text(element, "errorcode") == "431")
            #expect(text(element, "cserrorcode") == "4350")
            #expect(!(text(element, "errortext") ?? "").isEmpty)

            let unknown = await admin.call("listUnicorns", format: .xml)
            #expect(unknown.status == 432)
            let unknownRoot = try root(unknown.body)
            #expect(unknownRoot.name == "errorresponse")
            #expect(text(unknownRoot, "errorcode") == "432")

            let login = await cloud.send(.post, [("command", "login"), ("username", "admin"), ("password", "wrong")])
            #expect(login.status == 531)
            let loginRoot = try root(login.body)
            #expect(loginRoot.name == "loginresponse")
            #expect(text(loginRoot, "errorcode") == "531")

            let unsigned = await cloud.send(.get, [("command", "listUsers"), ("apiKey", "nobody"), ("signature", "x")])
            #expect(unsigned.status == 401)
            #expect(try root(unsigned.body).name == "listusersresponse")
            #expect(text(try root(unsigned.body), "errorcode") == "401")
        }
    }
}
