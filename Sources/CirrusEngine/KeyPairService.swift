import _CryptoExtras
import CirrusModel
import CirrusStore
import Crypto
import Foundation
import SQLKit

/// A key pair with the names a response shows; `privateKey` only right after `createSSHKeyPair`.
public struct SSHKeyPairView: Sendable {
    public var keyPair: SSHKeyPair
    public var account: Account?
    public var domain: Domain?
    public var privateKey: String?
}

/// SSH key pairs: create (RSA, generated here), register, delete, list, and the lookup a deploy
/// or `resetSSHKeyForVirtualMachine` makes.
public final class KeyPairService: Sendable {
    let db: any Database
    let events: EventService
    let config: ConfigService

    init(db: any Database, events: EventService, config: ConfigService) {
        self.db = db
        self.events = events
        self.config = config
    }

    // MARK: - for deploy and reset

    /// The owner's key pairs with these names, in the order given (duplicates dropped), or
    /// CloudStack's 431 naming the first missing one. Another account's key of the same name is
    /// never found: keys are looked up in the owner's account only.
    public static func resolve(_ sql: any SQLDatabase, names: [String], owner: Account) async throws -> [SSHKeyPair] {
        var unique: [String] = []
        for n in names.map({ $0.trimmingCharacters(in: .whitespaces) }) where !n.isEmpty && !unique.contains(n) { unique.append(n) }
        let found = try await SSHKeyPairRepository.find(sql, accountID: owner.id, names: unique)
        let byName = Dictionary(found.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return try unique.map { name in
            guard let k = byName[name] else {
                throw CloudError.invalidParameter("A key pair with name '\(name)' was not found for account \(owner.name).")
            }
            return k
        }
    }

    /// The public keys of `pairs` as an instance receives them: one per line.
    public static func publicKeys(_ pairs: [SSHKeyPair]) -> String {
        pairs.map(\.publicKey).joined(separator: "\n")
    }

    // MARK: - commands

    /// `createSSHKeyPair`: generates an RSA key pair (`ssh.key.length` bits) and returns it with
    /// its private key in PKCS#1 PEM, which is not kept.
    public func create(caller: Caller, name: String, accountName: String?, domainID: UUID?) async throws -> SSHKeyPairView {
        let name = try Self.checkName(name)
        let bits = try await config.int(Settings.sshKeyLength)
        // Fail on a taken name before spending time on key generation.
        _ = try await db.read { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            try await Self.checkFree(sql, name: name, owner: owner, suffix: "")
        }
        let (publicKey, privatePEM) = try await Self.generateRSA(bits: bits)
        let fingerprint = Self.fingerprint(of: publicKey)
        var view = try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            try await Self.checkFree(sql, name: name, owner: owner, suffix: "")
            let pair = try await SSHKeyPairRepository.insert(sql, SSHKeyPair(name: name, accountID: owner.id, domainID: owner.domainID,
                                                                              publicKey: publicKey.normalized, fingerprint: fingerprint))
            return try await Self.view(sql, pair)
        }
        view.privateKey = privatePEM
        return view
    }

    /// `registerSSHKeyPair`: stores a given public key (OpenSSH line or its base64 form) after
    /// checking it; the same key may not be registered twice in one account.
    public func register(caller: Caller, name: String, publicKey material: String, accountName: String?, domainID: UUID?) async throws -> SSHKeyPairView {
        let name = try Self.checkName(name)
        let key = try SSHPublicKey(parsing: material)
        let fingerprint = Self.fingerprint(of: key)
        return try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            try await Self.checkFree(sql, name: name, owner: owner, suffix: " for this account")
            if try await SSHKeyPairRepository.find(sql, accountID: owner.id, publicKey: key.normalized) != nil {
                throw CloudError.invalidParameter("A key pair with key '\(key.normalized)' already exists for this account.")
            }
            let pair = try await SSHKeyPairRepository.insert(sql, SSHKeyPair(name: name, accountID: owner.id, domainID: owner.domainID,
                                                                              publicKey: key.normalized, fingerprint: fingerprint))
            try await self.events.record(sql, type: EventType.registerSSHKeyPair, state: .completed, description: "Registered SSH key pair \(name)",
                                         userID: caller.user.id, accountID: owner.id, domainID: owner.domainID,
                                         resource: EventResource(type: "SSHKeyPair", uuid: pair.uuid.uuidString.lowercased(), name: name))
            return try await Self.view(sql, pair)
        }
    }

    /// `deleteSSHKeyPair`: deletes the owner's key pair by name.
    public func delete(caller: Caller, name: String, accountName: String?, domainID: UUID?) async throws {
        try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            guard let pair = try await SSHKeyPairRepository.find(sql, accountID: owner.id, name: name) else {
                let domain = try await DomainRepository.find(sql, id: owner.domainID)
                throw CloudError.invalidParameter("A key pair with name '\(name)' does not exist for account \(owner.name) in specified domain id \(domain.map { $0.uuid.uuidString.lowercased() } ?? "")")
            }
            try await SSHKeyPairRepository.delete(sql, id: pair.id)
        }
    }

    /// `listSSHKeyPairs` within `scope`.
    public func list(scope: ListScope, name: String?, fingerprint: String?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<SSHKeyPairView> {
        try await db.read { sql in
            let listing = try await SSHKeyPairRepository.list(sql, scope: scope, name: name, fingerprint: fingerprint, keyword: keyword,
                                                              offset: page.offset, limit: page.limit)
            let accounts = try await AccountRepository.find(sql, ids: Set(listing.items.map(\.accountID)))
            let domains = try await DomainRepository.find(sql, ids: Set(listing.items.map(\.domainID)))
            return Listing(items: listing.items.map { SSHKeyPairView(keyPair: $0, account: accounts[$0.accountID], domain: domains[$0.domainID]) }, total: listing.total)
        }
    }

    // MARK: - helpers

    static func checkName(_ name: String) throws(CloudError) -> String {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidParameter("Please specify a valid name for the key pair. The key name can't be empty")
        }
        return name
    }

    static func checkFree(_ sql: any SQLDatabase, name: String, owner: Account, suffix: String) async throws {
        if try await SSHKeyPairRepository.find(sql, accountID: owner.id, name: name) != nil {
            throw CloudError.invalidParameter("A key pair with name '\(name)' already exists\(suffix).")
        }
    }

    static func view(_ sql: any SQLDatabase, _ pair: SSHKeyPair) async throws -> SSHKeyPairView {
        SSHKeyPairView(keyPair: pair, account: try await AccountRepository.find(sql, id: pair.accountID), domain: try await DomainRepository.find(sql, id: pair.domainID))
    }

    /// CloudStack's fingerprint: MD5 of the key blob, `aa:bb:…`.
    public static func fingerprint(of key: SSHPublicKey) -> String {
        SSHPublicKey.fingerprint(md5Digest: Insecure.MD5.hash(data: key.blob))
    }

    /// The OpenSSH public key of an RSA private key in PEM (PKCS#1 or PKCS#8), e.g. to check
    /// that a private key handed out by ``create(caller:name:accountName:domainID:)`` matches.
    public static func publicKey(ofRSAPrivateKeyPEM pem: String) throws -> SSHPublicKey {
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        let primitives = try key.publicKey.getKeyPrimitives()
        return SSHPublicKey.rsa(modulus: primitives.modulus, exponent: primitives.publicExponent)
    }

    /// Generates an RSA key on a dispatch queue (it takes tens of milliseconds of CPU, too long
    /// for the cooperative pool) and returns its OpenSSH public key and PKCS#1 PEM private key.
    static func generateRSA(bits: Int) async throws -> (SSHPublicKey, String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                do {
                    let key = try _RSA.Signing.PrivateKey(keySize: _RSA.Signing.KeySize(bitCount: bits))
                    let primitives = try key.publicKey.getKeyPrimitives()
                    let publicKey = SSHPublicKey.rsa(modulus: primitives.modulus, exponent: primitives.publicExponent)
                    continuation.resume(returning: (publicKey, key.pemRepresentation))
                } catch {
                    continuation.resume(throwing: CloudError.internalError("Generating an RSA key pair failed", cause: error))
                }
            }
        }
    }
}
