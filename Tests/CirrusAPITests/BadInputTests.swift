import CirrusAPI
import CirrusModel
import Foundation
import Testing

/// Every bad request answers a CloudStack error envelope with the right code, never 530.
@Suite("Bad input")
struct BadInputTests {
    /// Checks the envelope: HTTP status = errorcode, the expected key, an errortext.
    func expectError(_ reply: Reply, _ code: Int, key: String?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == code, "\(what): \(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.errorCode == code, "\(what): \(reply.body)", sourceLocation: sourceLocation)
        #expect(!(reply.errorText ?? "").isEmpty, "\(what): \(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.object["uuidList"] as? [Any] != nil, "\(what): \(reply.body)", sourceLocation: sourceLocation)
        if let key { #expect(reply.key == key, "\(what): \(reply.body)", sourceLocation: sourceLocation) }
        #expect(reply.contentType.hasPrefix("application/json"), sourceLocation: sourceLocation)
    }

    @Test("bad parameters are 430/431 errors")
    func badParameters() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let unknown = UUID().uuidString.lowercased()

            expectError(await admin.call("updateDomain", ["id": unknown, "name": "x"]), 431, key: "updatedomainresponse", "unknown domain uuid")
            expectError(await admin.call("deleteAccount", ["id": unknown]), 431, key: "deleteaccountresponse", "unknown account uuid (async command)")
            expectError(await admin.call("updateUser", ["id": unknown, "firstname": "x"]), 431, key: "updateuserresponse", "unknown user uuid")
            expectError(await admin.call("createAccount", ["username": "u1", "password": "p", "firstname": "f", "lastname": "l", "email": "e@x",
                                                           "accounttype": "0", "domainid": unknown]), 431, key: "createaccountresponse", "unknown domainid")
            expectError(await admin.call("listUsers", ["domainid": unknown]), 431, key: "listusersresponse", "unknown domainid in a list")

            expectError(await admin.call("updateDomain", ["id": "not-a-uuid", "name": "x"]), 431, key: "updatedomainresponse", "malformed uuid")
            expectError(await admin.call("listAccounts", ["id": "12345"]), 431, key: "listaccountsresponse", "malformed uuid in a list")
            expectError(await admin.call("deleteAccount", ["id": "zzz"]), 431, key: "deleteaccountresponse", "malformed uuid (async command)")
            expectError(await admin.call("createAccount", ["username": "u2", "password": "p", "firstname": "f", "lastname": "l", "email": "e@x",
                                                           "accounttype": "0", "userid": "not-a-uuid"]), 431, key: "createaccountresponse", "malformed uuid in a string parameter")

            expectError(await admin.call("createDomain", ["name": String(repeating: "a", count: 256)]), 431, key: "createdomainresponse", "oversize string")
            #expect(await admin.call("createDomain", ["name": String(repeating: "b", count: 255)]).status == 200)

            expectError(await admin.call("createDomain", ["name": "bad\u{01}name"]), 431, key: "createdomainresponse", "non-printable character")
            expectError(await admin.call("createDomain", ["name": "tab\u{7F}"]), 431, key: "createdomainresponse", "DEL character")

            let account: [(String, String)] = [("username", "mapper"), ("password", "p"), ("firstname", "f"), ("lastname", "l"), ("email", "e@x"), ("accounttype", "0")]
            expectError(await admin.call("createAccount", pairs: account + [("accountdetails[x].a", "b")]), 430, key: "createaccountresponse", "malformed map index")
            expectError(await admin.call("createAccount", pairs: account + [("accountdetails[0]", "b")]), 430, key: "createaccountresponse", "map entry without field")
            expectError(await admin.call("createAccount", pairs: account + [("accountdetails[0.a", "b")]), 430, key: "createaccountresponse", "unclosed map index")
            // None of those created the account.
            #expect(await admin.call("listAccounts", ["name": "mapper"]).object.isEmpty)

            // Duplicates.
            let parent = try await admin.createDomain("parent")
            _ = try await admin.createDomain("child", parent: parent)
            expectError(await admin.call("createDomain", ["name": "child", "parentdomainid": parent]), 431, key: "createdomainresponse", "duplicate domain")
            #expect(await admin.call("createDomain", ["name": "child"]).status == 200, "the same name under another parent is fine")
            _ = try await admin.createAccount("dup", domainID: parent, username: "dupuser")
            expectError(await admin.call("createAccount", ["account": "dup", "username": "other", "password": "p", "firstname": "f", "lastname": "l",
                                                           "email": "e@x", "accounttype": "0", "domainid": parent]), 431, key: "createaccountresponse", "duplicate account")
            expectError(await admin.call("createAccount", ["account": "dup2", "username": "dupuser", "password": "p", "firstname": "f", "lastname": "l",
                                                           "email": "e@x", "accounttype": "0", "domainid": parent]), 431, key: "createaccountresponse", "duplicate username")
            expectError(await admin.call("createUser", ["account": "dup", "username": "dupuser", "password": "p", "firstname": "f", "lastname": "l",
                                                        "email": "e@x", "domainid": parent]), 431, key: "createuserresponse", "duplicate username via createUser")
            #expect(await admin.call("createUser", ["account": "dup", "username": "dupuser2", "password": "p", "firstname": "f", "lastname": "l",
                                                    "email": "e@x", "domainid": parent]).status == 200)

            // Paging.
            expectError(await admin.call("listUsers", ["page": "1"]), 431, key: "listusersresponse", "page without pagesize")
            expectError(await admin.call("listUsers", ["page": "1", "pagesize": "501"]), 431, key: "listusersresponse", "pagesize over the maximum")
            expectError(await admin.call("listUsers", ["page": "0", "pagesize": "10"]), 431, key: "listusersresponse", "page 0")
            expectError(await admin.call("listUsers", ["page": "x", "pagesize": "10"]), 431, key: "listusersresponse", "page not a number")
            expectError(await admin.call("listUsers", ["page": "99999999999", "pagesize": "10"]), 431, key: "listusersresponse", "page out of integer range")
            #expect(await admin.call("listUsers", ["page": "1", "pagesize": "500"]).status == 200)

            // Missing required parameter.
            let missing = await admin.call("createDomain")
            expectError(missing, 431, key: "createdomainresponse", "missing parameter")
            #expect(missing.errorText == "Unable to execute API command createdomain due to missing parameter name")
            // Bad enumerations.
            let typed: [(String, String)] = [("username", "typed"), ("password", "p"), ("firstname", "f"), ("lastname", "l"), ("email", "e@x"), ("accounttype", "7")]
            expectError(await admin.call("createAccount", pairs: typed), 431, key: "createaccountresponse", "bad account type")
            let untyped = Array(typed.dropLast())
            expectError(await admin.call("createAccount", pairs: untyped), 431, key: "createaccountresponse", "neither account type nor role")
            expectError(await admin.call("listEvents", ["level": "LOUD"]), 431, key: "listeventsresponse", "bad event level")
            expectError(await admin.call("listEvents", ["startdate": "yesterday"]), 431, key: "listeventsresponse", "bad date")
        }
    }

    @Test("authentication failures: 405, 531, 401 and 432")
    func authenticationFailures() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let user = try await admin.createAccount("signer", domainID: nil)

            // login over GET.
            let get = await cloud.send(.get, [("command", "login"), ("username", "admin"), ("password", TestCloud.adminPassword), ("response", "json")])
            expectError(get, 405, key: "loginresponse", "login via GET")
            #expect(!get.headers.contains { $0.name.lowercased() == "set-cookie" })

            // Wrong password, unknown user, wrong domain.
            let wrong = await cloud.send(.post, [("command", "login"), ("username", "admin"), ("password", "nope"), ("response", "json")])
            expectError(wrong, 531, key: "loginresponse", "wrong password")
            #expect(wrong.object["cserrorcode"] == nil)
            #expect(!wrong.headers.contains { $0.name.lowercased() == "set-cookie" })
            expectError(await cloud.send(.post, [("command", "login"), ("username", "ghost"), ("password", "nope"), ("response", "json")]), 531,
                        key: "loginresponse", "unknown user")
            expectError(await cloud.send(.post, [("command", "login"), ("username", user.username), ("password", user.password), ("domain", "/nowhere"),
                                                 ("response", "json")]), 531, key: "loginresponse", "wrong domain")

            // Signatures.
            let good = await cloud.signed("listUsers", keys: user.keys)
            #expect(good.status == 200)
            let expired = await cloud.signed("listUsers", keys: user.keys, expires: Date().addingTimeInterval(-60))
            expectError(expired, 401, key: "listusersresponse", "expired signature")
            #expect(expired.errorText == "unable to verify user credentials and/or request signature")
            #expect(!expired.headers.contains { $0.name == "X-Description" })
            expectError(await cloud.signed("listUsers", keys: user.keys, tamper: true), 401, key: "listusersresponse", "wrong signature")
            expectError(await cloud.signed("listUsers", keys: APIKeys(apiKey: "no-such-key", secretKey: user.keys.secretKey)), 401,
                        key: "listusersresponse", "unknown api key")
            // Changing a parameter after signing breaks the signature.
            var pairs = [("command", "listUsers"), ("response", "json"), ("apiKey", user.keys.apiKey)]
            let signature = RequestSignature.signature(for: pairs.map { (name: $0.0, value: $0.1) }, secret: user.keys.secretKey)
            pairs += [("listall", "true"), ("signature", signature)]
            expectError(await cloud.send(.get, pairs), 401, key: "listusersresponse", "parameter added after signing")
            // No signature at all.
            expectError(await cloud.send(.get, [("command", "listUsers"), ("response", "json"), ("apiKey", user.keys.apiKey)]), 401,
                        key: "listusersresponse", "missing signature")

            // Unknown commands: 401 on the API-key path, 432 with a session.
            let unknownSigned = await cloud.signed("listUnicorns", keys: user.keys)
            expectError(unknownSigned, 401, key: "errorresponse", "unknown command, signed")
            let unknownSession = await admin.call("listUnicorns")
            expectError(unknownSession, 432, key: "errorresponse", "unknown command, session")
            // Command names are case-sensitive.
            expectError(await admin.call("LISTUSERS"), 432, key: "errorresponse", "wrong case")
            // No command at all.
            let noCommand = await cloud.send(.get, [("response", "json")])
            expectError(noCommand, 432, key: "errorresponse", "no command")

            // Session key checks: a wrong key ends the session.
            let session = try await cloud.login(user.username, password: user.password)
            #expect(await session.call("listUsers").status == 200)
            let badKey = await cloud.send(.get, [("command", "listUsers"), ("response", "json"), ("sessionkey", "forged")], cookies: session.cookies)
            expectError(badKey, 401, key: "listusersresponse", "wrong session key")
            #expect(badKey.errorText == "unable to verify user credentials")
            #expect(await session.call("listUsers").status == 401, "the session was closed")
            // Missing the sessionkey cookie (CookieAndParameter by default).
            let other = try await cloud.login(user.username, password: user.password)
            let noCookie = await cloud.send(.get, [("command", "listUsers"), ("response", "json"), ("sessionkey", other.sessionKey)],
                                            cookies: [APIDispatcher.sessionCookie: other.sessionID])
            expectError(noCookie, 401, key: "listusersresponse", "session key cookie missing")

            // Logout ends the session.
            let third = try await cloud.login(user.username, password: user.password)
            let logout = await cloud.send(.get, [("command", "logout"), ("response", "json")], cookies: third.cookies)
            #expect(logout.status == 200)
            #expect(logout.body == #"{"logoutresponse":{"description":"success"}}"#)
            #expect(await third.call("listUsers").status == 401)
        }
    }
}
