import ServiceKit

/// An OAuth 2.0 error response (RFC 6749 §5.2, RFC 8628 §3.5): a registered `error` code, a
/// description safe to show, and the HTTP status to answer with.
public struct OAuthError: ServiceErrorConvertible, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var status: Int

    public init(_ code: String, _ message: String, status: Int = 400) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { "\(code): \(message)" }

    static func invalidRequest(_ message: String) -> OAuthError { OAuthError("invalid_request", message) }
    static func invalidClient(_ message: String = "Client authentication failed.") -> OAuthError {
        OAuthError("invalid_client", message, status: 401)
    }
    static func invalidGrant(_ message: String) -> OAuthError { OAuthError("invalid_grant", message) }
    static func unauthorizedClient(_ message: String) -> OAuthError { OAuthError("unauthorized_client", message) }
    static func invalidScope(_ message: String) -> OAuthError { OAuthError("invalid_scope", message) }
    static let temporarilyUnavailable = OAuthError("temporarily_unavailable", "The service is temporarily unavailable; try again.", status: 503)

    /// The same failure for the platform's own RPC API.
    public var serviceError: ServiceError {
        switch status {
        case 401: ServiceError(.unauthenticated, message)
        case 503: ServiceError(.unavailable, message)
        default: code == "invalid_grant" ? ServiceError(.unauthenticated, message) : ServiceError(.invalidArgument, message)
        }
    }
}
