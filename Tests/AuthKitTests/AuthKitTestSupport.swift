import CryptoExtras
import AuthKit
import Foundation
import JWTKit
import Logging
import Synchronization

/// An RS256 key pair with its kid and public JWK, for signing test tokens.
struct TestSigningKey: Sendable {
    let kid: String
    let privateKey: JWTKit.Insecure.RSA.PrivateKey

    static func generate(kid: String) -> TestSigningKey {
        let backing = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        return TestSigningKey(kid: kid, privateKey: try! JWTKit.Insecure.RSA.PrivateKey(backing: backing))
    }

    /// The public key as a JWK object (RFC 7517 / 7518).
    var publicJWK: [String: String] {
        let (modulus, exponent) = try! privateKey.publicKey.getKeyPrimitives()
        return [
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
            "n": Base64URL.encode(modulus), "e": Base64URL.encode(exponent),
        ]
    }

    var publicKeyPEM: String { privateKey.publicKey.pemRepresentation }

    /// Signs `claims` with this key and its kid (or `kid` when given).
    func sign(_ claims: AccessTokenClaims, kid: String? = nil) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(rsa: privateKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid ?? self.kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid ?? self.kid))
    }

    /// Keys are slow to generate in debug builds: the tests share a few.
    static let primary = generate(kid: "key-primary")
    static let rotated = generate(kid: "key-rotated")
    /// Never published in any JWKS.
    static let foreign = generate(kid: "key-foreign")
}

/// A JWKS document from keys.
func jwks(_ keys: [TestSigningKey]) -> String {
    let document = ["keys": keys.map(\.publicJWK)]
    return String(decoding: try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self)
}

/// A JWKS source in memory that counts how often it is fetched.
final class InMemoryJWKSSource: JWKSSource {
    private struct State {
        var json: String
        var fetches = 0
        var failure: (any Error)?
    }

    private let state: Mutex<State>
    /// How long each fetch takes (to make concurrent fetches overlap).
    let latency: Duration

    init(keys: [TestSigningKey], latency: Duration = .zero) {
        state = Mutex(State(json: jwks(keys)))
        self.latency = latency
    }

    func fetchJWKS() async throws -> String {
        let (json, failure) = state.withLock { state in
            state.fetches += 1
            return (state.json, state.failure)
        }
        if latency > .zero { try await Task.sleep(for: latency) }
        if let failure { throw failure }
        return json
    }

    var fetches: Int { state.withLock { $0.fetches } }

    func publish(_ keys: [TestSigningKey]) {
        state.withLock { $0.json = jwks(keys) }
    }

    func publish(json: String) {
        state.withLock { $0.json = json }
    }

    func fail(with error: (any Error)?) {
        state.withLock { $0.failure = error }
    }
}

struct JWKSUnreachable: Error {}

enum TestTokens {
    static let issuer = "https://auth.hexabase.test"
    static let audience = "hexabase"

    static func claims(
        issuer: String = issuer, subject: String = "usr-0193a5c0-7d1e-7b3c-9f00-3c1d2e4f5a6b",
        audience: [String] = [audience], issuedAt: Date = Date(), lifetime: TimeInterval = 900,
        sessionID: String? = "ses-0193a5c0-0000-7000-8000-000000000001", kind: String = "user"
    ) -> AccessTokenClaims {
        AccessTokenClaims(
            issuer: issuer, subject: subject, audience: audience, issuedAt: issuedAt,
            expiresAt: issuedAt.addingTimeInterval(lifetime), tokenID: UUID().uuidString.lowercased(),
            sessionID: sessionID, kind: kind
        )
    }

    /// Builds a token by hand from a header object, the payload part of `template`, and a signature.
    static func forged(header: [String: String], payloadFrom template: String, signature: String = "") -> String {
        let headerJSON = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        let payload = template.split(separator: ".", omittingEmptySubsequences: false)[1]
        return "\(Base64URL.encode(headerJSON)).\(payload).\(signature)"
    }
}

func makeVerifier(
    _ source: InMemoryJWKSSource, minimumRefreshInterval: Duration = .seconds(60)
) -> TokenVerifier {
    TokenVerifier(
        source: source, issuer: TestTokens.issuer, audience: TestTokens.audience,
        minimumRefreshInterval: minimumRefreshInterval,
        logger: Logger(label: "hexabase.test.auth", factory: { _ in SwiftLogNoOpLogHandler() })
    )
}
