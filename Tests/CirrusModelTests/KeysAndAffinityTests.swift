@testable import CirrusModel
import Foundation
import Testing

/// Expects `body` to throw a 431 with exactly `message`.
func expect431(_ message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    let error = #expect(throws: CloudError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.code == .parameterError, sourceLocation: sourceLocation)
    #expect(error?.message == message, sourceLocation: sourceLocation)
}

@Suite("SSH public keys")
struct SSHPublicKeyTests {
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJTB38vKZXNgSuYWn48SSFJOba+t7Srwbbt7RM+mmEkd me@host"
    static let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCzt2pPzO0ZBZCjHPrmc+fbMjVPbsh7xjnJdfkw3jTc/35YX7l3i+u25Q8qLO5B9XY44QYgBcnFEQuoViel3EzU0okFvzhIjPDFxJM2NO8Ke1ewJa7mw/N6bk2+p3V97L1wyTvuFinovJSuSMUUvgj36OEc9aPzNrojWRUXZKv3xw== rsa@host"

    @Test("an OpenSSH line parses, the comment is dropped")
    func parsesLine() throws {
        let key = try SSHPublicKey(parsing: Self.ed25519)
        #expect(key.type == "ssh-ed25519")
        #expect(key.normalized == "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJTB38vKZXNgSuYWn48SSFJOba+t7Srwbbt7RM+mmEkd")
        #expect(key.blob.count == 51)
    }

    @Test("the whole line base64-encoded is accepted, as CloudStack does")
    func parsesBase64Line() throws {
        let wrapped = Data(Self.rsa.utf8).base64EncodedString()
        let key = try SSHPublicKey(parsing: wrapped)
        #expect(key.type == "ssh-rsa")
        #expect(key.normalized == String(Self.rsa.split(separator: " ")[0...1].joined(separator: " ")))
    }

    @Test("bad material is 'Public key is invalid'", arguments: [
        "not a key", "ssh-rsa", "ssh-rsa !!!notbase64", "ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIJTB38vKZXNgSuYWn48SSFJOba+t7Srwbbt7RM+mmEkd",
        // The blob says ssh-ed25519 but the line says ssh-rsa.
        "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJTB38vKZXNgSuYWn48SSFJOba+t7Srwbbt7RM+mmEkd", "",
    ])
    func rejects(_ material: String) {
        expect431("Public key is invalid") { _ = try SSHPublicKey(parsing: material) }
    }

    @Test("fingerprints are MD5 hex pairs joined by colons")
    func fingerprintFormat() {
        #expect(SSHPublicKey.fingerprint(md5Digest: [0x0d, 0x3d, 0xd6, 0xff]) == "0d:3d:d6:ff")
    }

    @Test("an ssh-rsa key built from modulus and exponent equals ssh-keygen's encoding")
    func rsaEncoding() throws {
        let key = try SSHPublicKey(parsing: Self.rsa)
        // Read e and n back out of the blob: string type, mpint e, mpint n.
        var bytes = [UInt8](key.blob)
        func next() -> [UInt8] {
            let n = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
            let out = Array(bytes[4..<(4 + n)])
            bytes.removeFirst(4 + n)
            return out
        }
        _ = next()
        let e = next(), n = next()
        #expect(n.first == 0)  // high bit set: mpint carries a zero byte
        let rebuilt = SSHPublicKey.rsa(modulus: Data(n.drop(while: { $0 == 0 })), exponent: Data(e))
        #expect(rebuilt.normalized == key.normalized)
    }
}

@Suite("User data rules")
struct UserDataRulesTests {
    let hello = Data("#cloud-config\nruncmd: [true]\n".utf8).base64EncodedString()

    @Test("valid base64 is returned padded; unpadded and URL-safe text is accepted")
    func normalises() throws {
        #expect(try UserDataRules.validate(hello, method: .get, configuredMax: 32768) == hello)
        let unpadded = Data("ab".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(try UserDataRules.validate(unpadded, method: .post, configuredMax: 32768) == "YWI=")
        #expect(try UserDataRules.validate("YW%3D%3D", method: .get, configuredMax: 32768) == "YQ==")
    }

    @Test("CloudStack's texts for bad user data")
    func errors() throws {
        expect431("User data is not base64 encoded") { _ = try UserDataRules.validate("not*base64", method: .post, configuredMax: 32768) }
        let long = String(repeating: "QUFB", count: 1024)  // 4096 characters
        expect431("User data is too long for an http GET request") { _ = try UserDataRules.validate(long, method: .get, configuredMax: 32768) }
        #expect(try UserDataRules.validate(long, method: .post, configuredMax: 32768).count == 4096)
        expect431("User data has exceeded configurable max length : 100") {
            _ = try UserDataRules.validate(String(repeating: "QUFB", count: 30), method: .post, configuredMax: 100)
        }
        expect431("User data is too short") { _ = try UserDataRules.validate("====", method: .post, configuredMax: 32768) }
    }

    func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
    func text(_ b: String) -> String { String(decoding: Data(base64Encoded: b)!, as: UTF8.self) }

    @Test("template policies: allow override, deny override, append")
    func policies() throws {
        let tpl = (content: b64("#cloud-config\na: 1\n"), userDataID: Int64(7), policy: UserDataOverridePolicy.allowOverride)
        let mine = (content: b64("#cloud-config\nb: 2\n"), userDataID: Int64?.none)
        #expect(try UserDataRules.combine(requested: nil, linked: nil, templateName: "t") == .none)
        #expect(try UserDataRules.combine(requested: mine, linked: nil, templateName: "t") == .content(mine.content, userDataID: nil))
        #expect(try UserDataRules.combine(requested: mine, linked: tpl, templateName: "t") == .content(mine.content, userDataID: nil))
        #expect(try UserDataRules.combine(requested: nil, linked: tpl, templateName: "t") == .content(tpl.content, userDataID: 7))
        var deny = tpl
        deny.policy = .denyOverride
        #expect(throws: CloudError.self) { _ = try UserDataRules.combine(requested: mine, linked: deny, templateName: "t") }
        #expect(try UserDataRules.combine(requested: nil, linked: deny, templateName: "t") == .content(tpl.content, userDataID: 7))
        var append = tpl
        append.policy = .append
        guard case .content(let joined, let id) = try UserDataRules.combine(requested: mine, linked: append, templateName: "t") else {
            Issue.record("append gave no content"); return
        }
        #expect(id == 7)
        #expect(text(joined) == "#cloud-config\na: 1\n\n\nb: 2\n")
    }

    @Test("appending different formats makes a multipart message")
    func multipart() throws {
        let joined = text(try UserDataRules.append(b64("#cloud-config\na: 1\n"), b64("#!/bin/sh\necho hi\n")))
        #expect(joined.hasPrefix("Content-Type: multipart/mixed; boundary="))
        #expect(joined.contains("Content-Type: text/cloud-config"))
        #expect(joined.contains("Content-Type: text/x-shellscript"))
        #expect(joined.contains(Data("#!/bin/sh\necho hi\n".utf8).base64EncodedString()))
        #expect(throws: CloudError.self) { _ = try UserDataRules.append(b64("no header here"), b64("#!/bin/sh\n")) }
    }
}

@Suite("Affinity rules")
struct AffinityRulesTests {
    func member(_ id: Int64, _ state: VirtualMachineState, _ host: Int64?) -> AffinityMember { AffinityMember(instanceID: id, state: state, hostID: host) }

    @Test("anti-affinity avoids the hosts of running members, not of stopped ones or of the instance itself")
    func antiAffinity() {
        let rules = AffinityRules.compute(instanceID: 1, groups: [(type: .hostAntiAffinity, members: [
            member(1, .running, 10), member(2, .running, 11), member(3, .starting, 12), member(4, .stopped, 13), member(5, .migrating, 14),
        ])])
        #expect(rules.avoidHosts == [11, 12, 14])
        #expect(rules.requiredHost == nil && !rules.conflict)
        #expect(rules.admits(10) && !rules.admits(11) && rules.admits(13))
        #expect(rules.order([10, 11, 12, 13]) == [10, 13])
    }

    @Test("affinity requires the members' host; members on two hosts conflict")
    func affinity() {
        let none = AffinityRules.compute(instanceID: 1, groups: [(type: .hostAffinity, members: [member(2, .stopped, nil)])])
        #expect(none.isEmpty)
        let one = AffinityRules.compute(instanceID: 1, groups: [(type: .hostAffinity, members: [member(2, .running, 20), member(3, .running, 20)])])
        #expect(one.requiredHost == 20 && !one.conflict)
        #expect(one.order([19, 20, 21]) == [20])
        let two = AffinityRules.compute(instanceID: 1, groups: [(type: .hostAffinity, members: [member(2, .running, 20), member(3, .running, 21)])])
        #expect(two.conflict && two.order([20, 21]).isEmpty)
        let both = AffinityRules.compute(instanceID: 1, groups: [
            (type: .hostAffinity, members: [member(2, .running, 20)]), (type: .hostAntiAffinity, members: [member(3, .running, 20)]),
        ])
        #expect(both.conflict)
    }

    @Test("non-strict kinds only reorder")
    func nonStrict() {
        let rules = AffinityRules.compute(instanceID: 1, groups: [
            (type: .nonStrictHostAntiAffinity, members: [member(2, .running, 30), member(3, .running, 30), member(4, .running, 31)]),
            (type: .nonStrictHostAffinity, members: [member(5, .running, 32)]),
        ])
        #expect(rules.avoidHosts.isEmpty && rules.requiredHost == nil)
        #expect(rules.hostPriority == [30: -2, 31: -1, 32: 1])
        #expect(rules.preferredHosts == [32] && rules.discouragedHosts == [30, 31])
        #expect(rules.order([30, 31, 33, 32]) == [32, 33, 31, 30])
    }

    @Test("types are CloudStack's exact strings")
    func typeNames() {
        #expect(AffinityGroupType.listed.map(\.rawValue) == ["host anti-affinity", "host affinity", "non-strict host anti-affinity", "non-strict host affinity"])
        #expect(AffinityGroupType(rawValue: "Host Anti-Affinity") == nil)
    }
}
