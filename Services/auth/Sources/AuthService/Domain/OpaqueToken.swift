import Crypto
import Foundation
import AuthKit

/// A random bearer secret (refresh token, authorization code, device code, mailed link token,
/// browser session cookie): 256 bits from the system CSPRNG, base64url, with a short prefix
/// that says what it is. Only its SHA-256 is stored, so a database leak reveals none.
public enum OpaqueToken {
    /// A new token, e.g. `hxr_3q2…` for a refresh token.
    public static func generate(prefix: String) -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return prefix + "_" + Base64URL.encode(bytes)
    }

    /// The SHA-256 of a token: the only form that reaches the database.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}

/// Well-known prefixes of ``OpaqueToken``s.
extension OpaqueToken {
    static let refreshPrefix = "hxr"
    static let codePrefix = "hxc"
    static let devicePrefix = "hxd"
    static let browserPrefix = "hxs"
    static let accountPrefix = "hxa"
    static let clientSecretPrefix = "hxk"
    static let statePrefix = "hxf"
}
