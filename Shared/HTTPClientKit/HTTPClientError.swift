/// Why an HTTP exchange produced no usable response.
///
/// `message` is safe to show and to log: it names at most the scheme, host and port of the
/// request, never its path, query, headers or body, so no token or secret can leak through it.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    /// A stable error code (extensible: compare with `==`, do not switch exhaustively).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case timeout
            case connectionFailed = "connection_failed"
            case responseTooLarge = "response_too_large"
            case invalidResponse = "invalid_response"
            case invalidRequest = "invalid_request"
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// The exchange did not finish within the request's timeout.
        public static let timeout = Code(.timeout)
        /// The server could not be reached: DNS, refused or reset connection, TLS failure.
        public static let connectionFailed = Code(.connectionFailed)
        /// The response body is larger than the client's limit; it was not read to the end.
        public static let responseTooLarge = Code(.responseTooLarge)
        /// The server answered something that is not a valid HTTP response.
        public static let invalidResponse = Code(.invalidResponse)
        /// The request itself cannot be sent (for example a URL that is not absolute http(s)).
        public static let invalidRequest = Code(.invalidRequest)

        /// The snake_case name of the code.
        public var description: String { value.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A message safe to show a user or write to a log.
    public var message: String
    /// The underlying error (libcurl's, …), for diagnostics; never part of ``description``.
    public var cause: (any Error)?

    /// An error with a code, a safe message and an optional cause.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// `<code>: <message>`.
    public var description: String { "\(code): \(message)" }
}
