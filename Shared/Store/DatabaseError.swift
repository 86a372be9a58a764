/// An error from the database layer: a Postgres error, a connection or pool problem, or a
/// value that could not be decoded.
///
/// `code` is stable and meant for program logic (retries, HTTP-like status codes); `message`
/// is a fixed, user-safe sentence. `description` never contains SQL text, bind values or
/// passwords, so the error can be logged or returned as is. The server's own message, which
/// may quote data values, lives in ``serverMessage`` and is meant for logs only.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// The stable category of a ``DatabaseError`` (an extensible enumeration: new codes may be
    /// added, so `switch` over it with a `default` case).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case uniqueViolation, foreignKeyViolation, checkViolation, notNullViolation
            case exclusionViolation, dataException
            case serializationFailure, deadlockDetected, queryCanceled
            case connectionFailure, poolTimeout, poolClosed
            case decoding, invalidQuery, other
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A row would duplicate a unique key (SQLSTATE 23505).
        public static let uniqueViolation = Code(.uniqueViolation)
        /// A row references a missing row, or a referenced row is still in use (23503).
        public static let foreignKeyViolation = Code(.foreignKeyViolation)
        /// A row fails a `CHECK` constraint (23514).
        public static let checkViolation = Code(.checkViolation)
        /// A `NOT NULL` column would receive NULL (23502).
        public static let notNullViolation = Code(.notNullViolation)
        /// A row conflicts with an exclusion constraint (23P01).
        public static let exclusionViolation = Code(.exclusionViolation)
        /// Postgres rejected a value: bad input syntax, out of range, too long (class 22).
        public static let dataException = Code(.dataException)
        /// A serializable or repeatable-read transaction lost a conflict (40001); retry it.
        public static let serializationFailure = Code(.serializationFailure)
        /// The transaction was chosen as a deadlock victim (40P01); retry it.
        public static let deadlockDetected = Code(.deadlockDetected)
        /// The statement was cancelled: statement timeout or task cancellation (57014).
        public static let queryCanceled = Code(.queryCanceled)
        /// The connection could not be opened or broke (class 08, server shutdown).
        public static let connectionFailure = Code(.connectionFailure)
        /// No pooled connection became free within the acquire timeout.
        public static let poolTimeout = Code(.poolTimeout)
        /// The pool has been closed.
        public static let poolClosed = Code(.poolClosed)
        /// A column value could not be decoded into the requested Swift type.
        public static let decoding = Code(.decoding)
        /// The statement is invalid: syntax error, unknown table or column, missing privilege
        /// (class 42), or a query this library refuses to send.
        public static let invalidQuery = Code(.invalidQuery)
        /// Any other error.
        public static let other = Code(.other)

        /// The code's name, e.g. `uniqueViolation`.
        public var description: String { base.rawValue }
    }

    /// The stable category of the error.
    public var code: Code
    /// A fixed, user-safe sentence describing the error; never contains data values.
    public var message: String
    /// The five-character SQLSTATE reported by Postgres, when the error came from the server.
    public var sqlState: String?
    /// The name of the violated constraint (`PG_DIAG_CONSTRAINT_NAME`), when there is one.
    public var constraint: String?
    /// The column the error is about: the decoded column for `.decoding`, or the server's
    /// `PG_DIAG_COLUMN_NAME`.
    public var column: String?
    /// The server's or libpq's own message. It may quote data values (for instance the key of a
    /// unique violation) or connection details: write it to logs only, never to an API response.
    public var serverMessage: String?
    /// The error that caused this one, if any.
    public var underlying: (any Error)?

    /// Creates an error; `message` defaults to a fixed sentence for the code.
    public init(
        code: Code,
        message: String? = nil,
        sqlState: String? = nil,
        constraint: String? = nil,
        column: String? = nil,
        serverMessage: String? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message ?? Self.defaultMessage(for: code)
        self.sqlState = sqlState
        self.constraint = constraint
        self.column = column
        self.serverMessage = serverMessage
        self.underlying = underlying
    }

    /// Whether running the same work again may succeed: serialization failures, deadlocks and
    /// connection failures.
    public var isRetryable: Bool {
        code == .serializationFailure || code == .deadlockDetected || code == .connectionFailure
    }

    /// The HTTP-like status to report for this error: 409 for unique, foreign-key and exclusion
    /// violations, 422 for check and not-null violations and rejected values, 503 for pool and
    /// connection problems, 504 for cancelled statements, 500 otherwise.
    public var httpStatus: Int {
        switch code {
        case .uniqueViolation, .foreignKeyViolation, .exclusionViolation: 409
        case .checkViolation, .notNullViolation, .dataException: 422
        case .poolTimeout, .poolClosed, .connectionFailure: 503
        case .queryCanceled: 504
        default: 500
        }
    }

    /// A log-safe summary: code, message, SQLSTATE, constraint and column names.
    public var description: String {
        var text = "DatabaseError(\(code)): \(message)"
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        if let constraint { text += " [constraint \(constraint)]" }
        if let column { text += " [column \(column)]" }
        return text
    }

    static func defaultMessage(for code: Code) -> String {
        switch code {
        case .uniqueViolation: "a row with the same unique key already exists"
        case .foreignKeyViolation: "the row references a missing row or is still referenced"
        case .checkViolation: "a value violates a check constraint"
        case .notNullViolation: "a required value is missing"
        case .exclusionViolation: "the row conflicts with an existing row"
        case .dataException: "a value was rejected by the database"
        case .serializationFailure: "the transaction conflicted with a concurrent transaction"
        case .deadlockDetected: "the transaction was aborted to resolve a deadlock"
        case .queryCanceled: "the statement was cancelled or timed out"
        case .connectionFailure: "the database connection failed"
        case .poolTimeout: "no database connection became available in time"
        case .poolClosed: "the database connection pool is closed"
        case .decoding: "a database value could not be decoded"
        case .invalidQuery: "the database rejected the statement"
        default: "the database reported an error"
        }
    }
}

extension DatabaseError.Code {
    /// The code for a Postgres SQLSTATE, e.g. `23505` → `.uniqueViolation`.
    public init(sqlState: String) {
        switch sqlState {
        case "23505": self = .uniqueViolation
        case "23503": self = .foreignKeyViolation
        case "23514": self = .checkViolation
        case "23502": self = .notNullViolation
        case "23P01": self = .exclusionViolation
        case "40001": self = .serializationFailure
        case "40P01": self = .deadlockDetected
        case "57014": self = .queryCanceled
        // Server shutting down or crashed: the session is gone, like a network failure.
        case "57P01", "57P02", "57P03": self = .connectionFailure
        default:
            switch sqlState.prefix(2) {
            case "08": self = .connectionFailure
            case "22": self = .dataException
            case "42": self = .invalidQuery
            default: self = .other
            }
        }
    }
}
