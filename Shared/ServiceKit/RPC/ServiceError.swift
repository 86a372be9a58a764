/// The one error type of the RPC contract (DESIGN §4): a stable code, a message safe to show a
/// user, optional field violations, and an underlying cause that is logged, never sent.
///
/// Over NATS it travels as the `Nats-Service-Error` / `Nats-Service-Error-Code` headers plus a
/// `hexabase.common.v1.ErrorDetail` body; at the edge it becomes the HTTP status and JSON envelope.
public struct ServiceError: Error, CustomStringConvertible, Sendable {
    /// A stable error code: an HTTP-like status and a snake_case name.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The HTTP-like status sent in `Nats-Service-Error-Code`.
        public let status: Int
        /// The machine-readable name used in JSON error bodies.
        public let name: String

        public static let invalidArgument = Code(status: 400, name: "invalid_argument")
        public static let unauthenticated = Code(status: 401, name: "unauthenticated")
        public static let permissionDenied = Code(status: 403, name: "permission_denied")
        public static let notFound = Code(status: 404, name: "not_found")
        public static let methodNotAllowed = Code(status: 405, name: "method_not_allowed")
        public static let conflict = Code(status: 409, name: "conflict")
        public static let failedPrecondition = Code(status: 412, name: "failed_precondition")
        public static let payloadTooLarge = Code(status: 413, name: "payload_too_large")
        public static let unprocessableEntity = Code(status: 422, name: "unprocessable_entity")
        public static let rateLimited = Code(status: 429, name: "rate_limited")
        public static let internalError = Code(status: 500, name: "internal")
        public static let unavailable = Code(status: 503, name: "unavailable")
        public static let deadlineExceeded = Code(status: 504, name: "deadline_exceeded")

        static let all: [Code] = [
            .invalidArgument, .unauthenticated, .permissionDenied, .notFound, .methodNotAllowed,
            .conflict, .failedPrecondition, .payloadTooLarge, .unprocessableEntity, .rateLimited,
            .internalError, .unavailable, .deadlineExceeded,
        ]

        /// The known code for a status; unknown 4xx become `invalid_argument`, the rest `internal`.
        public init(status: Int) {
            if let known = Code.all.first(where: { $0.status == status }) {
                self = known
            } else {
                self = (400..<500).contains(status) ? .invalidArgument : .internalError
            }
        }

        private init(status: Int, name: String) {
            self.status = status
            self.name = name
        }

        public var description: String { "\(status) \(name)" }
    }

    /// One invalid field of a request.
    public struct FieldViolation: Hashable, Sendable {
        public var field: String
        public var description: String
        public init(field: String, description: String) {
            self.field = field
            self.description = description
        }
    }

    /// Why a 503 happened, when the RPC client knows: nobody subscribed, versus a service that said so.
    public enum Reason: Sendable, Equatable {
        case noResponders
        case timeout
    }

    public var code: Code
    /// A message safe to show to a user: no SQL, secrets, tokens or stack traces.
    public var message: String
    public var fieldViolations: [FieldViolation]
    /// Set by the RPC client for transport-level failures.
    public var reason: Reason?
    /// The underlying error, for logs only.
    public var cause: (any Error)?
    /// For 429 and 503: when the caller may try again, in whole seconds (sent as `Retry-After`).
    public var retryAfterSeconds: Int?

    public init(
        _ code: Code, _ message: String,
        fieldViolations: [FieldViolation] = [], reason: Reason? = nil, cause: (any Error)? = nil, retryAfterSeconds: Int? = nil
    ) {
        self.retryAfterSeconds = retryAfterSeconds
        self.code = code
        self.message = message
        self.fieldViolations = fieldViolations
        self.reason = reason
        self.cause = cause
    }

    /// An error for a single invalid field (400 by default, 422 for semantic problems).
    public static func invalidField(_ field: String, _ description: String, code: Code = .invalidArgument) -> ServiceError {
        ServiceError(code, "\(field): \(description)", fieldViolations: [FieldViolation(field: field, description: description)])
    }

    /// Wraps any error: a `ServiceError` passes through; anything else becomes a 500 whose
    /// message leaks nothing internal (the original is kept as `cause` for the log).
    public init(wrapping error: any Error) {
        if let error = error as? ServiceError {
            self = error
        } else if let convertible = error as? any ServiceErrorConvertible {
            self = convertible.serviceError
        } else if error is CancellationError {
            self = ServiceError(.unavailable, "The request was cancelled.")
        } else {
            self = ServiceError(.internalError, "Internal error.", cause: error)
        }
    }

    public var description: String { "\(code): \(message)" }
}

/// An error type that knows its RPC-level meaning (for example a database error that maps
/// unique violations to 409). Conform a module's error type to make `ServiceError(wrapping:)` use it.
public protocol ServiceErrorConvertible: Error {
    /// The RPC error to send; its message must be safe to show to a user.
    var serviceError: ServiceError { get }
}
