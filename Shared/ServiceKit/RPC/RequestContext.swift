import Foundation
import Logging

/// What a handler knows about the request besides its body: a logger tagged with the request
/// and trace ids, the deadline, and the caller's token, verified on demand.
public struct RequestContext: Sendable {
    /// Logger with `request_id`, `trace_id` and `endpoint` metadata.
    public var logger: Logger
    /// `Hxb-Request-Id` of the request (generated when the caller sent none).
    public let requestID: String
    /// This hop's trace context.
    public let trace: TraceContext
    /// When the caller stops waiting; handlers should not work past it.
    public let deadline: ContinuousClock.Instant?
    /// The raw bearer token, if any; use ``identity()`` to get a verified caller.
    public let bearerToken: String?
    /// All request headers as received.
    public let headers: [String: String]
    let authenticator: (any RequestAuthenticator)?

    /// Creates a context (the RPC server does this; tests may too).
    public init(
        logger: Logger, requestID: String, trace: TraceContext, deadline: ContinuousClock.Instant?,
        bearerToken: String?, headers: [String: String], authenticator: (any RequestAuthenticator)?
    ) {
        self.logger = logger
        self.requestID = requestID
        self.trace = trace
        self.deadline = deadline
        self.bearerToken = bearerToken
        self.headers = headers
        self.authenticator = authenticator
    }

    /// The verified caller. Throws a 401 when there is no token or it does not verify. The
    /// request's later log lines carry the caller (``RequestLogContext/identify(_:)``).
    public func identity() async throws -> Identity {
        guard let bearerToken, !bearerToken.isEmpty else {
            throw ServiceError(.unauthenticated, "A bearer token is required.")
        }
        guard let authenticator else {
            throw ServiceError(.internalError, "Internal error.", cause: ConfigurationError("this service has no token verifier"))
        }
        let identity = try await authenticator.authenticate(bearerToken: bearerToken)
        RequestLogContext.current?.identify(identity)
        return identity
    }

    /// The verified caller when it is a person: a service token gets a 403 (for methods that
    /// act for a signed-in user).
    public func userIdentity() async throws -> Identity {
        let identity = try await identity()
        guard identity.kind == .user else {
            throw ServiceError(.permissionDenied, "This method acts for a signed-in user, not a service.")
        }
        return identity
    }

    /// Metadata to forward on a downstream call made while handling this request.
    public var forwarded: CallMetadata {
        CallMetadata(
            authorization: bearerToken.map { "Bearer " + $0 }, trace: trace.child(),
            requestID: requestID, deadline: deadline
        )
    }
}

/// A misconfiguration found at run time (logged, never shown to a caller).
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
