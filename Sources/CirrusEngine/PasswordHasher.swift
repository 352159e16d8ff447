import _CryptoExtras
import Crypto
import Dispatch
import Foundation

/// PBKDF2-SHA256 password hashing. The stored form keeps the algorithm, iteration count
/// and salt beside the hash (`pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`), so the
/// count can be raised later without invalidating existing passwords.
public struct PasswordHasher: Sendable {
    public let iterations: Int

    public init(iterations: Int = 100_000) {
        self.iterations = iterations
    }

    /// Hashes `password` with a fresh 16-byte salt. Runs off the cooperative pool: it is
    /// deliberately slow.
    public func hash(_ password: String) async throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = rng.next() }
        let derived = try await derive(password, salt: salt, iterations: iterations)
        return "pbkdf2-sha256$\(iterations)$\(Data(salt).base64EncodedString())$\(derived.base64EncodedString())"
    }

    /// Checks `password` against a stored hash in constant time. Unknown formats never match.
    public func verify(_ password: String, against stored: String) async -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds > 0,
              let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
              let derived = try? await derive(password, salt: [UInt8](salt), iterations: rounds)
        else { return false }
        guard derived.count == expected.count else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(derived, expected) { diff |= a ^ b }
        return diff == 0
    }

    private func derive(_ password: String, salt: [UInt8], iterations: Int) async throws -> Data {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            DispatchQueue.global(qos: .userInitiated).async {
                do {
                    let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: iterations)
                    continuation.resume(returning: key.withUnsafeBytes { Data($0) })
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

/// Random tokens: API keys, secret keys, session ids and session keys.
public enum TokenGenerator {
    /// URL-safe Base64 without padding of `byteCount` random bytes.
    public static func token(byteCount: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: byteCount)
        for i in bytes.indices { bytes[i] = rng.next() }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// An API key or secret key: 86 characters, as CloudStack's are.
    public static func apiKey() -> String { token(byteCount: 64) }
}
