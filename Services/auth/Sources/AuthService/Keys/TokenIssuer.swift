import AuthKit
import Crypto
import Foundation
import JWTKit
import ServiceKit

/// Signs the platform's JWTs with the key ring's active key: access tokens (the platform's
/// audience) and OIDC ID tokens (the client's audience, with the claims the Kubernetes API
/// server reads: `email`, `email_verified`, `name`, `groups`).
public struct TokenIssuer: Sendable {
    public let issuer: String
    public let audience: String
    public let accessTokenLifetime: Duration
    public let idTokenLifetime: Duration
    let keys: any SignerSource

    public init(keys: any SignerSource, issuer: String, audience: String, accessTokenLifetime: Duration, idTokenLifetime: Duration) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.accessTokenLifetime = accessTokenLifetime
        self.idTokenLifetime = idTokenLifetime
    }

    /// A signed access token and its claims.
    public func accessToken(
        subject: String, sessionID: String?, kind: String = "user", clientID: String? = nil, scope: String? = nil, now: Date = Date()
    ) async throws -> (token: String, claims: AccessTokenClaims) {
        let now = Self.numericDate(now)
        let claims = AccessTokenClaims(
            issuer: issuer, subject: subject, audience: [audience], issuedAt: now,
            expiresAt: now.addingTimeInterval(accessTokenLifetime.timeInterval),
            tokenID: UUID().uuidString.lowercased(), sessionID: sessionID, kind: kind, scope: scope, clientID: clientID
        )
        return (try await keys.signer().sign(claims), claims)
    }

    /// A signed ID token for `user`, addressed to `clientID`.
    public func idToken(
        user: User, clientID: String, sessionID: String, authTime: Date, nonce: String?, groups: [String]?,
        accessToken: String?, now: Date = Date()
    ) async throws -> String {
        let now = Self.numericDate(now)
        let claims = IDTokenClaims(
            iss: issuer, sub: user.id, aud: clientID, exp: now.addingTimeInterval(idTokenLifetime.timeInterval), iat: now,
            authTime: Self.numericDate(authTime), nonce: nonce, sid: sessionID, azp: clientID,
            atHash: accessToken.map(Self.accessTokenHash), email: user.email, emailVerified: user.emailVerified,
            name: user.displayName.isEmpty ? user.email : user.displayName, groups: groups
        )
        return try await keys.signer().sign(claims)
    }

    /// OIDC Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url.
    static func accessTokenHash(_ token: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(token.utf8)).prefix(16)))
    }

    /// NumericDate in whole seconds: what the Kubernetes API server and most verifiers expect.
    static func numericDate(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}

/// The claims of an ID token (OIDC Core §2). `aud` is a single string, which every verifier
/// accepts and some (older kube-apiservers) require.
struct IDTokenClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var exp: Date
    var iat: Date
    var authTime: Date
    var nonce: String?
    var sid: String
    var azp: String
    var atHash: String?
    var email: String
    var emailVerified: Bool
    var name: String
    /// Present for workspace clients: the user's flattened groups there (possibly empty).
    var groups: [String]?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, sid, azp, email, name, groups
        case authTime = "auth_time"
        case atHash = "at_hash"
        case emailVerified = "email_verified"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(iss, forKey: .iss)
        try container.encode(sub, forKey: .sub)
        try container.encode(aud, forKey: .aud)
        try container.encode(Int64(exp.timeIntervalSince1970), forKey: .exp)
        try container.encode(Int64(iat.timeIntervalSince1970), forKey: .iat)
        try container.encode(Int64(authTime.timeIntervalSince1970), forKey: .authTime)
        try container.encodeIfPresent(nonce, forKey: .nonce)
        try container.encode(sid, forKey: .sid)
        try container.encode(azp, forKey: .azp)
        try container.encodeIfPresent(atHash, forKey: .atHash)
        try container.encode(email, forKey: .email)
        try container.encode(emailVerified, forKey: .emailVerified)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(groups, forKey: .groups)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
