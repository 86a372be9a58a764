import CurlSupport

/// An ``HTTPClient`` on libcurl, so TLS, proxies (`HTTPS_PROXY`, `NO_PROXY`) and CA certificates
/// are the system's, as for other tools (unless ``Configuration/tls`` brings its own).
///
/// Guarantees: every status comes back as a response, a `401` with `WWW-Authenticate` included
/// (no credentials are negotiated or sent but the request's own headers); redirects are never
/// followed (the 3xx is returned); no cookies are kept between requests; a body larger than
/// ``Configuration/maximumResponseBodySize`` is refused with `.responseTooLarge` without being
/// read to the end; each exchange ends within its timeout (`.timeout`); cancelling the calling
/// task aborts the transfer (at libcurl's next progress check, about once a second at most).
///
/// libcurl blocks its thread, so each request runs on an easy handle and a thread of its own,
/// never on Swift's cooperative pool; connections are not reused between requests.
public struct CurlHTTPClient: HTTPClient {
    /// Limits applied to every request.
    public struct Configuration: Sendable {
        /// The timeout of a request that sets none itself: the whole exchange, connection included.
        public var timeout: Duration
        /// How long connecting (TCP and TLS) may take, within the request's timeout.
        public var connectTimeout: Duration
        /// The largest response body accepted, in bytes (1 MiB by default), after decoding any
        /// content coding.
        public var maximumResponseBodySize: Int
        /// Trusted authorities and client certificate (default: the system's store, none).
        public var tls: HTTPClientTLS

        /// Limits with defaults: 10 s per request and per connection, 1 MiB per body.
        public init(
            timeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(10),
            maximumResponseBodySize: Int = 1 << 20, tls: HTTPClientTLS = HTTPClientTLS()
        ) {
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            self.maximumResponseBodySize = maximumResponseBodySize
            self.tls = tls
        }
    }

    /// The limits this client applies.
    public let configuration: Configuration

    /// A client with the given limits.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Sends `request` within its timeout (or the configured one); see the type's guarantees.
    public func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        try Task.checkCancellation()
        let timeout = request.timeout ?? configuration.timeout
        let transfer = HTTPTransfer(
            request: request, timeout: timeout, connectTimeout: min(timeout, configuration.connectTimeout),
            limit: configuration.maximumResponseBodySize, tls: configuration.tls
        )
        return try await CurlThread.run(named: "hxb-http-request") { cancellation in
            try transfer.perform(cancellation: cancellation)
        }
    }
}
