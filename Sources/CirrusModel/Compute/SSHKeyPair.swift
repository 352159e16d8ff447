import Foundation

/// An SSH key pair of an account: the public half and its fingerprint. The private half of a
/// pair made by `createSSHKeyPair` is handed out once and never stored, as in CloudStack.
public struct SSHKeyPair: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    /// Unique within the owning account.
    public var name: String
    public var accountID: Int64
    public var domainID: Int64
    /// `<type> <base64>`, without the comment.
    public var publicKey: String
    /// MD5 of the key blob as colon-separated lower-case hex (`aa:bb:…`), as CloudStack shows it.
    public var fingerprint: String
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, accountID: Int64, domainID: Int64, publicKey: String, fingerprint: String,
                created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.name = name; self.accountID = accountID; self.domainID = domainID
        self.publicKey = publicKey; self.fingerprint = fingerprint; self.created = created
    }
}

/// An OpenSSH public key (`ssh-rsa AAAA… comment`), parsed and checked.
public struct SSHPublicKey: Sendable, Equatable {
    /// The key types `registerSSHKeyPair` accepts (CloudStack's list).
    public static let supportedTypes: [String] = [
        "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519",
    ]

    /// The key type word, e.g. `ssh-ed25519`.
    public var type: String
    /// The base64 text of the key blob, as given.
    public var base64: String
    /// The decoded key blob (SSH wire format).
    public var blob: Data

    /// `<type> <base64>`: how the key is stored and handed to instances.
    public var normalized: String { "\(type) \(base64)" }

    /// Parses key material as `registerSSHKeyPair` receives it: an OpenSSH public key line, or
    /// that whole line base64-encoded (CloudStack accepts both). The comment is dropped. The blob
    /// must decode and name the same key type as the line; anything else is "Public key is invalid".
    public init(parsing material: String) throws(CloudError) {
        var text = material.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.contains(" "), let decoded = Data(base64Encoded: Self.padded(text)), let line = String(data: decoded, encoding: .utf8) {
            text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count >= 2, Self.supportedTypes.contains(words[0]) else { throw Self.invalid }
        guard let blob = Data(base64Encoded: words[1]), let embedded = Self.leadingString(blob), embedded == words[0] else { throw Self.invalid }
        type = words[0]
        base64 = words[1]
        self.blob = blob
    }

    /// The `ssh-rsa` public key with this modulus and public exponent (big-endian magnitudes).
    public static func rsa(modulus: Data, exponent: Data) -> SSHPublicKey {
        var blob = Data()
        appendString(Data("ssh-rsa".utf8), to: &blob)
        appendString(mpint(exponent), to: &blob)
        appendString(mpint(modulus), to: &blob)
        let text = blob.base64EncodedString()
        return SSHPublicKey(type: "ssh-rsa", base64: text, blob: blob)
    }

    /// Formats an MD5 digest as CloudStack shows fingerprints: `aa:bb:cc:…`.
    public static func fingerprint(md5Digest: some Sequence<UInt8>) -> String {
        md5Digest.map { String(format: "%02x", $0) }.joined(separator: ":")
    }

    init(type: String, base64: String, blob: Data) {
        self.type = type
        self.base64 = base64
        self.blob = blob
    }

    static let invalid = CloudError.invalidParameter("Public key is invalid")

    static func padded(_ text: String) -> String {
        let remainder = text.count % 4
        return remainder == 0 ? text : text + String(repeating: "=", count: 4 - remainder)
    }

    /// The first SSH `string` of a wire blob (the key type), if well formed.
    static func leadingString(_ blob: Data) -> String? {
        let bytes = [UInt8](blob)
        guard bytes.count >= 4 else { return nil }
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length > 0, length <= bytes.count - 4 else { return nil }
        return String(bytes: bytes[4..<(4 + length)], encoding: .utf8)
    }

    static func appendString(_ value: Data, to blob: inout Data) {
        let n = UInt32(value.count)
        blob.append(contentsOf: [UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)])
        blob.append(value)
    }

    /// An SSH `mpint` of a non-negative magnitude: no leading zero bytes, plus one zero byte
    /// when the high bit is set.
    static func mpint(_ magnitude: Data) -> Data {
        var bytes = [UInt8](magnitude.drop(while: { $0 == 0 }))
        if let first = bytes.first, first & 0x80 != 0 { bytes.insert(0, at: 0) }
        return Data(bytes)
    }
}
