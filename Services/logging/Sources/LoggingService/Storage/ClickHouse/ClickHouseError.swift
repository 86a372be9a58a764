/// Why a ``ClickHouseLogStore`` call failed.
///
/// `message` and ``description`` are safe to show and log: they name at most the server's origin,
/// the HTTP status and ClickHouse's exception code and name, never SQL, a bound value, the
/// password or the server's error text (which quotes the query). That text is kept in
/// ``serverMessage`` for diagnostics, with the password removed.
public struct ClickHouseError: Error, CustomStringConvertible, Sendable {
    /// A stable error code (extensible: compare with `==`, do not switch exhaustively).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The snake_case name of the code.
        public let description: String

        private init(_ name: String) {
            description = name
        }

        /// ClickHouse could not be reached, or answered 5xx, 408 or 429, on every attempt.
        public static let unavailable = Code("unavailable")
        /// ClickHouse refused the request (any other 4xx): retrying the same request cannot help.
        public static let rejected = Code("rejected")
        /// ClickHouse answered 2xx with a body that is not what the query asked for.
        public static let invalidResponse = Code("invalid_response")
        /// The query cannot be sent as asked: a value too long, a scope with an empty id, a tier
        /// that has no table.
        public static let invalidQuery = Code("invalid_query")
        /// The settings are unusable: a database name that is not an identifier, a URL that is
        /// not absolute http(s) or holds credentials.
        public static let configuration = Code("configuration")
    }

    /// What kind of failure.
    public var code: Code
    /// A message safe to show a user or write to a log.
    public var message: String
    /// The HTTP status of the last answer, when there was one.
    public var status: Int?
    /// ClickHouse's exception code (`X-ClickHouse-Exception-Code`), when it sent one.
    public var exceptionCode: Int?
    /// ClickHouse's name for the exception (`SYNTAX_ERROR`, `UNKNOWN_TABLE`, …), when its text
    /// ends with one.
    public var exceptionName: String?
    /// The body ClickHouse answered with, password removed. It may quote the query: never show it
    /// to a user.
    public var serverMessage: String?
    /// The underlying error (``HTTPClientError``, a JSON decoding error), for diagnostics; never
    /// part of ``description``.
    public var cause: (any Error)?

    /// An error with a code and a safe message.
    public init(
        _ code: Code, _ message: String, status: Int? = nil, exceptionCode: Int? = nil, exceptionName: String? = nil,
        serverMessage: String? = nil, cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.exceptionCode = exceptionCode
        self.exceptionName = exceptionName
        self.serverMessage = serverMessage
        self.cause = cause
    }

    /// `<code>: <message>`, then the exception code and name when ClickHouse sent them.
    public var description: String {
        guard let exceptionCode else { return "\(code): \(message)" }
        return "\(code): \(message) (ClickHouse exception \(exceptionCode)" + (exceptionName.map { " \($0)" } ?? "") + ")"
    }
}
