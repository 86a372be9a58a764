import JWTKit

/// The UserInfo endpoint's JSON answer (OIDC Core §5.3.2), the claims this client reads.
struct OIDCUserInfo: Decodable, Sendable {
    var sub: String
    var email: String?
    var emailVerified: BoolClaim?
    var name: String?

    enum CodingKeys: String, CodingKey {
        case sub, email, name
        case emailVerified = "email_verified"
    }
}
