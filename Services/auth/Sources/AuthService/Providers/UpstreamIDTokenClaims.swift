import JWTKit

/// The claims of an upstream OpenID Connect ID token this client reads (OIDC Core §2, §5.1).
/// Decoding checks only types; ``IDTokenValidator`` checks the values.
struct UpstreamIDTokenClaims: JWTPayload, Equatable {
    var iss: String
    var sub: String
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var nbf: NotBeforeClaim?
    var nonce: String?
    var azp: String?
    var email: String?
    /// A boolean, or the strings "true"/"false" some providers send.
    var emailVerified: BoolClaim?
    var name: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nbf, nonce, azp, email, name
        case emailVerified = "email_verified"
    }

    /// Values are checked by ``IDTokenValidator``, which knows the expected ones.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
