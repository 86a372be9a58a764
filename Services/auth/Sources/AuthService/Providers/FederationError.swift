import ServiceKit

/// Why signing in through an upstream identity provider failed.
///
/// `message` is safe to show a user; `reason` (set for `.tokenRejected`) says which check failed
/// in words that contain no token, code or secret; `cause` is for logs only and is never part of
/// ``description``.
public struct FederationError: Error, CustomStringConvertible, Sendable {
    /// A stable error code (extensible: compare with `==`, do not switch exhaustively).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case misconfigured
            case upstreamUnavailable = "upstream_unavailable"
            case invalidResponse = "invalid_response"
            case tokenRejected = "token_rejected"
            case emailNotVerified = "email_not_verified"
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// The provider's configuration is wrong (ours or as the provider sees it).
        public static let misconfigured = Code(.misconfigured)
        /// The provider could not be reached or answered with a server error.
        public static let upstreamUnavailable = Code(.upstreamUnavailable)
        /// The provider answered something that does not follow the protocol.
        public static let invalidResponse = Code(.invalidResponse)
        /// The provider refused the code, or its ID token failed a check.
        public static let tokenRejected = Code(.tokenRejected)
        /// The provider does not vouch for the user's e-mail address.
        public static let emailNotVerified = Code(.emailNotVerified)

        /// The snake_case name of the code.
        public var description: String { value.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A message safe to show a user.
    public var message: String
    /// For `.tokenRejected`: the check that failed (safe to show and log), e.g. "nonce mismatch".
    public var reason: String?
    /// The underlying error, for logs only.
    public var cause: (any Error)?

    /// An error with a code, a user-safe message, an optional safe reason and a cause.
    public init(_ code: Code, _ message: String, reason: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.reason = reason
        self.cause = cause
    }

    /// A `.tokenRejected` error for provider `provider` because of `reason`.
    static func tokenRejected(_ provider: String, reason: String, cause: (any Error)? = nil) -> FederationError {
        FederationError(.tokenRejected, "Sign-in with \(provider) failed. Please try again.", reason: reason, cause: cause)
    }

    /// `<code>: <message> (<reason>)`.
    public var description: String {
        "\(code): \(message)" + (reason.map { " (\($0))" } ?? "")
    }
}

extension FederationError: ServiceErrorConvertible {
    /// The RPC error: 500 for misconfiguration, 503 for upstream failures, 401 for rejected
    /// tokens, 403 for unverified e-mail addresses. The reason and cause stay out of it.
    public var serviceError: ServiceError {
        let rpcCode: ServiceError.Code
        switch code {
        case .tokenRejected: rpcCode = .unauthenticated
        case .emailNotVerified: rpcCode = .permissionDenied
        case .upstreamUnavailable, .invalidResponse: rpcCode = .unavailable
        default: rpcCode = .internalError
        }
        return ServiceError(rpcCode, message, cause: self)
    }
}
