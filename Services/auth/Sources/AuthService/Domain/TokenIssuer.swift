import Foundation
import JWTKit
import AuthKit

/// Signs access tokens with the active signing key.
public struct TokenIssuer: Sendable {
    public let issuer: String
    public let audience: String
    public let accessTokenLifetime: Duration
    private let keys: JWTKeyCollection
    private let kid: String

    public init(key: SigningKey, issuer: String, audience: String, accessTokenLifetime: Duration) async throws {
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: key.privateKeyPEM), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
        self.keys = keys
        self.kid = key.kid
        self.issuer = issuer
        self.audience = audience
        self.accessTokenLifetime = accessTokenLifetime
    }

    /// A signed access token for a user's session, and its claims.
    public func accessToken(subject: String, sessionID: String?, kind: String = "user", now: Date = Date()) async throws -> (token: String, claims: AccessTokenClaims) {
        // NumericDate in whole seconds: what the Kubernetes API server and most verifiers expect.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = AccessTokenClaims(
            issuer: issuer, subject: subject, audience: [audience], issuedAt: now,
            expiresAt: now.addingTimeInterval(TimeInterval(accessTokenLifetime.components.seconds)),
            tokenID: UUID().uuidString.lowercased(), sessionID: sessionID, kind: kind
        )
        var header = JWTHeader()
        header.typ = "JWT"
        let token = try await keys.sign(claims, kid: JWKIdentifier(string: kid), header: header)
        return (token, claims)
    }
}
