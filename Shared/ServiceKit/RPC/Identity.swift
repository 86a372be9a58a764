import Foundation

/// Who is calling, as established by verifying their token (never by trusting a header).
public struct Identity: Sendable, Equatable {
    /// Whether a person or a service identity (client credentials) is calling.
    public enum Kind: String, Sendable {
        case user
        case service
    }

    /// The `sub` claim: a user id (`usr-…`) or a service client id.
    public var subject: String
    public var kind: Kind
    /// The `sid` claim: the session the token belongs to.
    public var sessionID: String?
    /// The `exp` claim.
    public var expiresAt: Date
    /// The `jti` claim.
    public var tokenID: String?

    public init(subject: String, kind: Kind, sessionID: String?, expiresAt: Date, tokenID: String?) {
        self.subject = subject
        self.kind = kind
        self.sessionID = sessionID
        self.expiresAt = expiresAt
        self.tokenID = tokenID
    }
}

/// Turns a bearer token into an ``Identity``, or throws a 401 ``ServiceError``.
/// AuthKit provides the implementation (JWT verification against auth's JWKS).
public protocol RequestAuthenticator: Sendable {
    func authenticate(bearerToken: String) async throws -> Identity
}
