@testable import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

@Suite("SSH key pairs")
struct KeyPairTests {
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJTB38vKZXNgSuYWn48SSFJOba+t7Srwbbt7RM+mmEkd me@host"
    /// `ssh-keygen -l -E md5` of the key above.
    static let ed25519Fingerprint = "0d:3d:d6:34:ab:f1:c0:ef:ad:af:eb:ad:54:65:76:73"
    static let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCzt2pPzO0ZBZCjHPrmc+fbMjVPbsh7xjnJdfkw3jTc/35YX7l3i+u25Q8qLO5B9XY44QYgBcnFEQuoViel3EzU0okFvzhIjPDFxJM2NO8Ke1ewJa7mw/N6bk2+p3V97L1wyTvuFinovJSuSMUUvgj36OEc9aPzNrojWRUXZKv3xw== rsa@host"
    static let rsaFingerprint = "fe:cb:a1:db:24:5b:44:a2:38:69:ac:68:cf:1e:48:e8"

    func keyNames(_ reply: Reply) -> [String] { reply.items("sshkeypair").compactMap { $0["name"] as? String } }

    @Test("createSSHKeyPair hands out a private key that matches the stored public key, once")
    func create() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let user = try await admin.createAccount("kpcreate", domainID: nil)
            let reply = await cloud.signed("createSSHKeyPair", [("name", "k1")], keys: user.keys)
            try #require(reply.status == 200, "\(reply.body)")
            let pair = try #require(reply.object["keypair"] as? [String: Any])
            let pem = try #require(pair["privatekey"] as? String)
            #expect(pem.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
            #expect(pair["name"] as? String == "k1" && pair["account"] as? String == "kpcreate")
            let fingerprint = try #require(pair["fingerprint"] as? String)
            #expect(fingerprint.split(separator: ":").count == 16)
            // The fingerprint is the one of the public half of the private key handed out.
            let derived = try KeyPairService.publicKey(ofRSAPrivateKeyPEM: pem)
            #expect(KeyPairService.fingerprint(of: derived) == fingerprint)
            let accountID = try await cloud.storedAccountID(user)
            let stored = try await cloud.db.read { sql in try await SSHKeyPairRepository.find(sql, accountID: accountID, name: "k1") }
            #expect(stored?.publicKey == derived.normalized)
            #expect(stored.map { $0.publicKey.hasPrefix("ssh-rsa AAAAB3NzaC1yc2E") } == true)

            let list = await cloud.signed("listSSHKeyPairs", [], keys: user.keys)
            #expect(list.count == 1)
            #expect(list.items("sshkeypair").first?["privatekey"] == nil)
            #expect(list.items("sshkeypair").first?["fingerprint"] as? String == fingerprint)

            let again = await cloud.signed("createSSHKeyPair", [("name", "k1")], keys: user.keys)
            #expect(again.status == 431)
            #expect(again.errorText == "A key pair with name 'k1' already exists.")
            #expect(await cloud.signed("listSSHKeyPairs", [], keys: user.keys).count == 1)
        }
    }

    @Test("registerSSHKeyPair stores the key without its comment and the MD5 fingerprint ssh-keygen shows")
    func register() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let user = try await admin.createAccount("kpreg", domainID: nil)
            let reply = await cloud.signed("registerSSHKeyPair", [("name", "ed"), ("publickey", Self.ed25519)], keys: user.keys)
            try #require(reply.status == 200, "\(reply.body)")
            let pair = try #require(reply.object["keypair"] as? [String: Any])
            #expect(pair["fingerprint"] as? String == Self.ed25519Fingerprint)
            #expect(pair["privatekey"] == nil)
            // The base64-wrapped form works too.
            let wrapped = await cloud.signed("registerSSHKeyPair", [("name", "rsa"), ("publickey", Data(Self.rsa.utf8).base64EncodedString())], keys: user.keys)
            try #require(wrapped.status == 200, "\(wrapped.body)")
            #expect((wrapped.object["keypair"] as? [String: Any])?["fingerprint"] as? String == Self.rsaFingerprint)

            // Same name, same key under another name, bad keys: precise errors, nothing stored.
            let dupName = await cloud.signed("registerSSHKeyPair", [("name", "ed"), ("publickey", Self.rsa)], keys: user.keys)
            #expect(dupName.status == 431 && dupName.errorText == "A key pair with name 'ed' already exists for this account.")
            let dupKey = await cloud.signed("registerSSHKeyPair", [("name", "ed2"), ("publickey", Self.ed25519)], keys: user.keys)
            #expect(dupKey.status == 431)
            #expect(dupKey.errorText?.hasPrefix("A key pair with key 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5") == true)
            for bad in ["hello", "ssh-rsa %%%%", "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJTB38vKZXNgSuYWn48SSFJOba+t7Srwbbt7RM+mmEkd"] {
                let r = await cloud.signed("registerSSHKeyPair", [("name", "bad"), ("publickey", bad)], keys: user.keys)
                #expect(r.status == 431 && r.errorText == "Public key is invalid", "\(bad): \(r.body)")
            }
            let missing = await cloud.signed("registerSSHKeyPair", [("name", "x")], keys: user.keys)
            #expect(missing.status == 431)
            let list = await cloud.signed("listSSHKeyPairs", [], keys: user.keys)
            #expect(Set(keyNames(list)) == ["ed", "rsa"])

            // Filters.
            #expect(keyNames(await cloud.signed("listSSHKeyPairs", [("name", "rsa")], keys: user.keys)) == ["rsa"])
            #expect(keyNames(await cloud.signed("listSSHKeyPairs", [("fingerprint", Self.ed25519Fingerprint)], keys: user.keys)) == ["ed"])
            #expect(keyNames(await cloud.signed("listSSHKeyPairs", [("keyword", "fe:cb")], keys: user.keys)) == ["rsa"])
            #expect(keyNames(await cloud.signed("listSSHKeyPairs", [("keyword", "ED")], keys: user.keys)) == ["ed"])

            // Delete by name.
            let del = await cloud.signed("deleteSSHKeyPair", [("name", "ed")], keys: user.keys)
            #expect(del.status == 200 && del.object["success"] as? Bool == true)
            let gone = await cloud.signed("deleteSSHKeyPair", [("name", "ed")], keys: user.keys)
            #expect(gone.status == 431)
            #expect(gone.errorText?.hasPrefix("A key pair with name 'ed' does not exist for account kpreg in specified domain id") == true)
            #expect(keyNames(await cloud.signed("listSSHKeyPairs", [], keys: user.keys)) == ["rsa"])
        }
    }

    @Test("one account can neither see nor use nor delete another's key pairs; admins act for accounts")
    func tenancy() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let a = try await admin.createAccount("kpa", domainID: nil)
            let b = try await admin.createAccount("kpb", domainID: nil)
            try #require(await cloud.signed("registerSSHKeyPair", [("name", "shared-name"), ("publickey", Self.ed25519)], keys: a.keys).status == 200)
            #expect(await cloud.signed("listSSHKeyPairs", [("listall", "true")], keys: b.keys).count == 0)
            let del = await cloud.signed("deleteSSHKeyPair", [("name", "shared-name")], keys: b.keys)
            #expect(del.status == 431)
            // Names are per account: b may use the same name, and even the same key.
            #expect(await cloud.signed("registerSSHKeyPair", [("name", "shared-name"), ("publickey", Self.ed25519)], keys: b.keys).status == 200)
            // A user may not act for another account.
            let forA = await cloud.signed("createSSHKeyPair", [("name", "sneaky"), ("account", "kpa"), ("domainid", a.domainID)], keys: b.keys)
            #expect(forA.status == 531)
            let listA = await cloud.signed("listSSHKeyPairs", [("account", "kpa"), ("domainid", a.domainID)], keys: b.keys)
            #expect(listA.status == 531)
            // Root admin: sees both with listall, creates and deletes for an account.
            #expect(await admin.call("listSSHKeyPairs", ["listall": "true"]).count == 2)
            let made = await admin.call("registerSSHKeyPair", ["name": "by-admin", "publickey": Self.rsa, "account": "kpa", "domainid": a.domainID])
            #expect(made.status == 200 && (made.object["keypair"] as? [String: Any])?["account"] as? String == "kpa")
            #expect(Set(keyNames(await cloud.signed("listSSHKeyPairs", [], keys: a.keys))) == ["shared-name", "by-admin"])
            #expect(await admin.call("deleteSSHKeyPair", ["name": "by-admin", "account": "kpa", "domainid": a.domainID]).status == 200)
            #expect(keyNames(await cloud.signed("listSSHKeyPairs", [], keys: a.keys)) == ["shared-name"])
            // The registration was recorded.
            let events = await admin.call("listEvents", ["listall": "true", "type": EventType.registerSSHKeyPair])
            #expect(events.count >= 3)
        }
    }

    @Test("deploy lookup: the owner's keys by name, in order; a missing or foreign name is a 431 naming it")
    func resolve() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let a = try await admin.createAccount("kpra", domainID: nil)
            let b = try await admin.createAccount("kprb", domainID: nil)
            try #require(await cloud.signed("registerSSHKeyPair", [("name", "one"), ("publickey", Self.ed25519)], keys: a.keys).status == 200)
            try #require(await cloud.signed("registerSSHKeyPair", [("name", "two"), ("publickey", Self.rsa)], keys: a.keys).status == 200)
            try #require(await cloud.signed("registerSSHKeyPair", [("name", "theirs"), ("publickey", Self.rsa)], keys: b.keys).status == 200)
            let ownerA = try await cloud.storedAccount(a), ownerB = try await cloud.storedAccount(b)
            let pairs = try await cloud.db.read { sql in try await KeyPairService.resolve(sql, names: ["two", "one", "two"], owner: ownerA) }
            #expect(pairs.map(\.name) == ["two", "one"])
            #expect(KeyPairService.publicKeys(pairs).split(separator: "\n").count == 2)
            let error = await #expect(throws: CloudError.self) {
                try await cloud.db.read { sql in _ = try await KeyPairService.resolve(sql, names: ["one", "theirs"], owner: ownerA) }
            }
            #expect(error?.code == .parameterError)
            #expect(error?.message == "A key pair with name 'theirs' was not found for account kpra.")
            #expect(try await cloud.db.read { sql in try await KeyPairService.resolve(sql, names: ["theirs"], owner: ownerB) }.count == 1)
        }
    }
}
