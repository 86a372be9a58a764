import AuthKit
import Foundation
import JWTKit

/// The JOSE header of an upstream ID token, checked before any key lookup.
struct IDTokenHeader: Sendable, Equatable {
    /// The signature algorithms accepted for ID tokens. Never `none`, never HMAC (an HMAC
    /// "signature" keyed with a public key proves nothing), never anything unlisted.
    enum Algorithm: String, Sendable, CaseIterable {
        case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512", ps256 = "PS256", es256 = "ES256", es384 = "ES384"

        /// The JWK key type (`kty`) a key must have to verify this algorithm.
        var keyType: JWK.KeyType {
            switch self {
            case .es256, .es384: .ecdsa
            default: .rsa
            }
        }

        /// The curve (`crv`) an EC key must be on, nil for RSA.
        var curve: String? {
            switch self {
            case .es256: "P-256"
            case .es384: "P-384"
            default: nil
            }
        }
    }

    let algorithm: Algorithm
    let keyID: String?

    private struct Fields: Decodable {
        let alg: String?
        let kid: String?
        let crit: [String]?
    }

    /// Parses and checks the header of a compact JWS, or throws the reason for rejecting it.
    static func parse(_ token: String) throws(IDTokenRejection) -> IDTokenHeader {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 32_768, let data = Base64URL.decode(parts[0]),
              let fields = try? JSONDecoder().decode(Fields.self, from: data)
        else { throw IDTokenRejection("the ID token is malformed") }
        guard let name = fields.alg, let algorithm = Algorithm(rawValue: name) else {
            throw IDTokenRejection("the ID token's signature algorithm is not allowed")
        }
        // RFC 7515 §4.1.11: a header with critical extensions this client does not know is invalid.
        guard fields.crit == nil else { throw IDTokenRejection("the ID token has critical header extensions") }
        guard !parts[2].isEmpty else { throw IDTokenRejection("the ID token is not signed") }
        return IDTokenHeader(algorithm: algorithm, keyID: fields.kid.flatMap { $0.isEmpty ? nil : $0 })
    }
}

/// Why an ID token was refused; the text is safe to show and log (it never quotes the token).
struct IDTokenRejection: Error, Equatable, CustomStringConvertible {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    var description: String { reason }
}
