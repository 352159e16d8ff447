import Crypto
import Foundation

/// CloudStack's API-key request signature: HMAC-SHA1 over the sorted, Java-URL-encoded,
/// lower-cased parameter string, Base64-encoded.
public enum RequestSignature {
    /// How the string to sign is built.
    public enum Canonicalisation: Sendable, CaseIterable {
        /// Exactly what the Java server does: names sorted by UTF-16 code unit order as sent,
        /// values encoded like `java.net.URLEncoder` with `+` → `%20`.
        case java
        /// What `cs` and libcloud produce for values with `~`, `[` or `]` (left unescaped)
        /// and what libcloud and cloudmonkey do with names (sorted after lowercasing).
        case lenient
    }

    /// The string to sign for `params` (which must already exclude `signature`).
    public static func canonicalString(_ params: [(name: String, value: String)], style: Canonicalisation = .java) -> String {
        let sorted: [(name: String, value: String)]
        switch style {
        case .java: sorted = params.sorted { $0.name.utf16.lexicographicallyPrecedes($1.name.utf16) }
        case .lenient: sorted = params.sorted { $0.name.lowercased().utf16.lexicographicallyPrecedes($1.name.lowercased().utf16) }
        }
        var out = ""
        for (i, p) in sorted.enumerated() {
            if i > 0 { out += "&" }
            out += p.name
            out += "="
            out += encode(p.value, style: style)
        }
        return out.lowercased()
    }

    /// `java.net.URLEncoder.encode(value, "UTF-8")` with `+` replaced by `%20`.
    public static func encode(_ value: String, style: Canonicalisation = .java) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "_"):
                out.unicodeScalars.append(UnicodeScalar(b))
            case UInt8(ascii: "~") where style == .lenient, UInt8(ascii: "[") where style == .lenient, UInt8(ascii: "]") where style == .lenient:
                out.unicodeScalars.append(UnicodeScalar(b))
            case UInt8(ascii: " "):
                out += "%20"
            default:
                out += "%"
                out.unicodeScalars.append(hexDigit(b >> 4))
                out.unicodeScalars.append(hexDigit(b & 0x0F))
            }
        }
        return out
    }

    private static func hexDigit(_ v: UInt8) -> UnicodeScalar {
        UnicodeScalar(v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "A") + v - 10)
    }

    /// Base64 HMAC-SHA1 of `message` with `secret`.
    public static func sign(_ message: String, secret: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(message.utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// The signature for a full parameter list (any `signature` entry is left out).
    public static func signature(for params: [(name: String, value: String)], secret: String, style: Canonicalisation = .java) -> String {
        sign(canonicalString(params.filter { $0.name.lowercased() != "signature" }, style: style), secret: secret)
    }

    /// True when `provided` matches the signature of `params` in the Java form or, failing
    /// that, in the lenient form. Each comparison is constant-time in the signature's length;
    /// which form matched is not secret, so the second is only computed when needed.
    public static func verify(_ provided: String, params: [(name: String, value: String)], secret: String) -> Bool {
        let unsigned = params.filter { $0.name.lowercased() != "signature" }
        for style in Canonicalisation.allCases where constantTimeEquals(sign(canonicalString(unsigned, style: style), secret: secret), provided) {
            return true
        }
        return false
    }

    /// Compares two strings without an early exit on the first differing byte.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        let n = max(x.count, y.count)
        for i in 0..<n {
            let l = i < x.count ? x[i] : 0
            let r = i < y.count ? y[i] : 0
            diff |= l ^ r
        }
        return diff == 0
    }
}
