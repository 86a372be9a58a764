/// Why a ``ClusterProvider`` call failed. `message` is safe to show and log: it never holds a
/// token, a kubeconfig or a response body beyond the API server's own status message.
public struct ClusterProviderError: Error, CustomStringConvertible, Sendable {
    /// A stable error code (extensible: compare with `==`, do not switch exhaustively).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The snake_case name of the code.
        public let description: String

        private init(_ name: String) {
            description = name
        }

        /// The cluster refused the credentials (401) or their rights (403): configuration.
        public static let unauthorized = Code("unauthorized")
        /// The object changed under us or is owned by another field manager (409).
        public static let conflict = Code("conflict")
        /// The cluster rejected an object as invalid (400, 404 of a type, 415, 422).
        public static let invalid = Code("invalid")
        /// The cluster or the network is unavailable for now (5xx, 429, timeouts, refused).
        public static let unavailable = Code("unavailable")
        /// The provider is configured wrongly (no kubeconfig, a bad server URL, …).
        public static let configuration = Code("configuration")
        /// A local file or git operation failed.
        public static let storage = Code("storage")
    }

    /// What kind of failure.
    public var code: Code
    /// A message safe to show a user or write to a log.
    public var message: String
    /// True when the same call may succeed later without any change (the task worker retries
    /// with backoff); false when it never will (the task fails).
    public var isRetryable: Bool
    /// The underlying error, for diagnostics; never part of ``description``.
    public var cause: (any Error)?

    /// An error; `isRetryable` defaults to what the code implies.
    public init(_ code: Code, _ message: String, isRetryable: Bool? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.isRetryable = isRetryable ?? (code == .unavailable || code == .conflict || code == .storage)
        self.cause = cause
    }

    /// `<code>: <message>`.
    public var description: String { "\(code): \(message)" }
}
