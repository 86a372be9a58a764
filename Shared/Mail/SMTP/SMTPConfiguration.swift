import Foundation

/// Where and how ``SMTPMailer`` submits mail.
///
/// The URL is `smtp://host[:port][/ehlo-name]` (plain connection, upgraded with STARTTLS per
/// ``tls``) or `smtps://host[:port]` (TLS from the first byte, RFC 8314). The EHLO name is the
/// URL's path, `localhost` when there is none (libcurl's rule). Credentials never go in the URL.
public struct SMTPConfiguration: Sendable, CustomStringConvertible {
    /// Whether an `smtp://` connection must, may or must not be upgraded with STARTTLS.
    public enum TLSPolicy: String, Sendable, CaseIterable {
        /// Never use TLS. Credentials and messages travel in clear text.
        case none
        /// Use STARTTLS when the server offers it, go on in clear text otherwise
        /// (libcurl's `CURLUSESSL_TRY`). A failed handshake still fails the send.
        case opportunistic
        /// Use STARTTLS or fail (`CURLUSESSL_ALL`). Always the case for `smtps://`.
        case required
    }

    /// The server URL, e.g. `smtp://mail.example.com:587`.
    public let url: String
    /// The user name for SMTP AUTH; nil sends without authenticating.
    public let username: String?
    /// The password for SMTP AUTH. Never logged, never in an error description.
    public let password: String?
    /// The STARTTLS policy (see ``defaultTLSPolicy(for:)``).
    public let tls: TLSPolicy
    /// A PEM file of CA certificates to verify the server with instead of the system's store.
    /// Certificates are always verified when TLS is used.
    public let caFile: String?
    /// How long connecting (TCP and TLS) may take.
    public let connectTimeout: Duration
    /// How long a whole send may take, connection included.
    public let timeout: Duration
    /// How many sends may run at once; more wait for a free slot.
    public let maxConcurrentSends: Int

    /// Creates a configuration; throws ``MailError/Code/invalidConfiguration`` for a URL that
    /// is not `smtp://` or `smtps://` with a host, that holds credentials, or for `smtps://`
    /// with the policy `none`. A nil `tls` picks ``defaultTLSPolicy(for:)``.
    public init(
        url: String, username: String? = nil, password: String? = nil, tls: TLSPolicy? = nil,
        caFile: String? = nil, connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(30),
        maxConcurrentSends: Int = 4
    ) throws(MailError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = parsed.host, !host.isEmpty
        else {
            throw .invalidConfiguration("the SMTP URL must look like smtp://host:port or smtps://host:port")
        }
        guard parsed.user == nil, parsed.password == nil else {
            throw .invalidConfiguration("the SMTP URL must not hold credentials: set the user name and password apart")
        }
        let policy = tls ?? Self.defaultTLSPolicy(for: url)
        guard scheme == "smtp" || policy != .none else {
            throw .invalidConfiguration("smtps:// always uses TLS: the TLS policy cannot be none")
        }
        guard maxConcurrentSends > 0, connectTimeout > .zero, timeout > .zero else {
            throw .invalidConfiguration("SMTP timeouts and the concurrency limit must be positive")
        }
        self.url = url
        self.username = username
        self.password = password
        self.tls = scheme == "smtps" ? .required : policy
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxConcurrentSends = maxConcurrentSends
    }

    /// `required`, except `none` for an `smtp://` server on the loopback interface
    /// (`localhost`, `127.0.0.0/8`, `::1`): a local relay or mail catcher gains nothing from
    /// TLS and often offers STARTTLS with a certificate that cannot verify.
    public static func defaultTLSPolicy(for url: String) -> TLSPolicy {
        guard let parsed = URL(string: url), parsed.scheme?.lowercased() == "smtp", let host = parsed.host else {
            return .required
        }
        return isLoopback(host) ? .none : .required
    }

    /// True for `localhost`, `127.x.y.z` and `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The settings without the password.
    public var description: String {
        var text = "SMTPConfiguration(url: \(url), tls: \(tls.rawValue)"
        if let username { text += ", username: \(username), password: \(password == nil ? "none" : "<redacted>")" }
        if let caFile { text += ", caFile: \(caFile)" }
        return text + ")"
    }
}
