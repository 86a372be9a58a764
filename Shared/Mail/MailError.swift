/// Why a mail could not be built or sent.
///
/// `code` is stable and meant for program logic (retry or not, what to tell the user);
/// `message` is a fixed, user-safe sentence. `description` never contains the SMTP password:
/// libcurl's own text, kept in ``detail`` for logs, is scrubbed of it.
public struct MailError: Error, CustomStringConvertible, Sendable {
    /// The stable category of a ``MailError`` (an extensible enumeration: new codes may be
    /// added, so `switch` over it with a `default` case).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidMessage, invalidConfiguration, connectionFailed, authenticationFailed
            case rejected, timeout, tlsFailed, other
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The message is not valid: a bad address, no recipient, a line break in a header.
        /// Nothing was sent.
        public static let invalidMessage = Code(.invalidMessage)
        /// The mail settings are not valid: a bad URL, an unknown TLS policy, an unreadable
        /// CA file.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The SMTP server could not be reached, or the connection broke.
        public static let connectionFailed = Code(.connectionFailed)
        /// The server refused the credentials (SMTP 535), or asked for some (530).
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The server refused the sender, a recipient or the message (an SMTP 4xx or 5xx reply);
        /// see ``MailError/smtpStatus``.
        public static let rejected = Code(.rejected)
        /// The connection or the whole transaction took longer than its timeout.
        public static let timeout = Code(.timeout)
        /// TLS could not be set up: no STARTTLS where TLS is required, a failed handshake, or a
        /// certificate that does not verify.
        public static let tlsFailed = Code(.tlsFailed)
        /// Any other failure.
        public static let other = Code(.other)

        /// The code's name, e.g. `rejected`.
        public var description: String { base.rawValue }
    }

    /// The stable category of the error.
    public var code: Code
    /// A fixed, user-safe sentence; it may name a header field, never a secret.
    public var message: String
    /// The SMTP server's last reply code (for instance 550 for a refused recipient), when it
    /// answered before the failure.
    public var smtpStatus: Int?
    /// libcurl's own description of the failure, for logs. Never contains the password.
    public var detail: String?

    /// Creates an error.
    public init(code: Code, message: String, smtpStatus: Int? = nil, detail: String? = nil) {
        self.code = code
        self.message = message
        self.smtpStatus = smtpStatus
        self.detail = detail
    }

    /// Whether sending the same message later may succeed: connection failures, timeouts and
    /// transient (4xx) refusals.
    public var isRetryable: Bool {
        switch code {
        case .connectionFailed, .timeout: true
        case .rejected: (400..<500).contains(smtpStatus ?? 0)
        default: false
        }
    }

    /// A log-safe summary: code, message, SMTP status and libcurl's text.
    public var description: String {
        var text = "MailError(\(code)): \(message)"
        if let smtpStatus { text += " [SMTP \(smtpStatus)]" }
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        return text
    }

    static func invalidMessage(_ message: String) -> MailError {
        MailError(code: .invalidMessage, message: message)
    }

    static func invalidConfiguration(_ message: String) -> MailError {
        MailError(code: .invalidConfiguration, message: message)
    }
}
