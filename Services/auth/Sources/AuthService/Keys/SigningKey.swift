import Crypto
import CryptoExtras
import Foundation
import JWTKit
import AuthKit

/// An RS256 signing key in memory: the private key (PEM) and its public JWK, named by its
/// RFC 7638 thumbprint (`kid`), so replicas and restarts agree on names without coordination.
/// At rest the private key is sealed (``KeySealer``).
public struct SigningKey: Sendable {
    public let kid: String
    public let privateKeyPEM: String
    /// The public JWK as JSON (`kty`, `use`, `alg`, `kid`, `n`, `e`).
    public let publicJWK: String
    public let createdAt: Date

    public init(kid: String, privateKeyPEM: String, publicJWK: String, createdAt: Date) {
        self.kid = kid
        self.privateKeyPEM = privateKeyPEM
        self.publicJWK = publicJWK
        self.createdAt = createdAt
    }

    /// Generates a fresh RSA-2048 key.
    public static func generate(now: Date = Date()) throws -> SigningKey {
        let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let jwtKey = try Insecure.RSA.PrivateKey(backing: privateKey)
        let (modulus, exponent) = try jwtKey.publicKey.getKeyPrimitives()
        let n = Base64URL.encode(modulus)
        let e = Base64URL.encode(exponent)
        // RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
        let thumbprintInput = #"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#
        let kid = Base64URL.encode(Data(SHA256.hash(data: Data(thumbprintInput.utf8))))
        let jwk = #"{"alg":"RS256","e":"\#(e)","kid":"\#(kid)","kty":"RSA","n":"\#(n)","use":"sig"}"#
        return SigningKey(kid: kid, privateKeyPEM: privateKey.pemRepresentation, publicJWK: jwk, createdAt: now)
    }

    /// The JWKS document for a set of public JWKs.
    public static func jwks(_ publicJWKs: [String]) -> String {
        #"{"keys":["# + publicJWKs.joined(separator: ",") + "]}"
    }
}
