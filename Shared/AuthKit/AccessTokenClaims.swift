import Foundation
import JWTKit

/// The claims of a platform access token (DESIGN §5): `iss`, `sub`, `aud`, `exp`, `iat`,
/// `jti`, `sid`, plus `kind` (`user` or `service`), and for tokens from the OIDC token endpoint
/// the `scope` granted and the `client_id` it was issued to.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var sub: SubjectClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim
    public var jti: IDClaim
    public var sid: String?
    public var kind: String
    public var scope: String?
    public var clientID: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, jti, sid, kind, scope
        case clientID = "client_id"
    }

    public init(
        issuer: String, subject: String, audience: [String], issuedAt: Date, expiresAt: Date,
        tokenID: String, sessionID: String?, kind: String = "user", scope: String? = nil, clientID: String? = nil
    ) {
        iss = IssuerClaim(value: issuer)
        sub = SubjectClaim(value: subject)
        aud = AudienceClaim(value: audience)
        exp = ExpirationClaim(value: expiresAt)
        iat = IssuedAtClaim(value: issuedAt)
        jti = IDClaim(value: tokenID)
        sid = sessionID
        self.kind = kind
        self.scope = scope
        self.clientID = clientID
    }

    /// Signature checks happen before this; here only what the library cannot know.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
