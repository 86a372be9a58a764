import CCurl

/// A libcurl call that failed: its result code and libcurl's own text about it.
///
/// `detail` may name hosts, ports and, for some protocols, server replies; callers decide what
/// of it reaches a user or a log.
public struct CurlFailure: Error, Sendable, CustomStringConvertible {
    /// What kind of failure a result code stands for, for mapping to a module's own errors.
    public enum Kind: Sendable {
        /// The connection or the whole transfer took longer than its timeout.
        case timeout
        /// The server could not be reached, or the connection broke.
        case connection
        /// TLS could not be set up, or the peer's certificate did not verify.
        case tls
        /// The options or the URL are not usable by this libcurl.
        case configuration
        /// Anything else (a malformed reply, a callback's refusal, no memory).
        case other

        /// The kind of `code`.
        public init(_ code: CURLcode) {
            if code == CURLE_OPERATION_TIMEDOUT {
                self = .timeout
            } else if Self.tlsCodes.contains(code) {
                self = .tls
            } else if Self.connectionCodes.contains(code) {
                self = .connection
            } else if Self.configurationCodes.contains(code) {
                self = .configuration
            } else {
                self = .other
            }
        }

        private static let connectionCodes: Set<CURLcode> = [
            CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT,
            CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
        ]

        private static let tlsCodes: Set<CURLcode> = [
            CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_SHUTDOWN_FAILED,
        ]

        private static let configurationCodes: Set<CURLcode> = [
            CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_UNKNOWN_OPTION,
            CURLE_BAD_FUNCTION_ARGUMENT,
        ]
    }

    /// libcurl's result code.
    public let code: CURLcode
    /// libcurl's message for this failure (its error buffer, or `curl_easy_strerror`).
    public let detail: String
    /// The server's last reply code before the failure (an HTTP status, an SMTP reply), or
    /// nil when it sent none.
    public let responseCode: Int?

    /// A failure with its code, libcurl's message and the server's last reply code.
    public init(code: CURLcode, detail: String, responseCode: Int? = nil) {
        self.code = code
        self.detail = detail
        self.responseCode = responseCode
    }

    /// The kind of ``code``.
    public var kind: Kind { Kind(code) }

    /// `libcurl error <code>: <detail>`.
    public var description: String { "libcurl error \(code.rawValue): \(detail)" }
}
