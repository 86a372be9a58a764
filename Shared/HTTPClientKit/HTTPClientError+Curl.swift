import CurlSupport

extension HTTPClientError {
    /// The error for a transfer that libcurl ended with `failure`. The message names only
    /// `origin`; libcurl's own text, which may say more, stays in ``cause``.
    init(_ failure: CurlFailure, origin: String) {
        let code = "(libcurl error \(failure.code.rawValue))"
        switch failure.kind {
        case .timeout:
            self.init(.timeout, "\(origin) did not answer in time", cause: failure)
        case .connection:
            self.init(.connectionFailed, "the connection to \(origin) failed \(code)", cause: failure)
        case .tls:
            self.init(.connectionFailed, "the TLS connection to \(origin) failed \(code)", cause: failure)
        case .configuration, .other:
            // The URL was checked before the transfer, so what libcurl rejects now is the reply
            // (an HTTP/0.9 reply is "unsupported protocol", for one).
            self.init(.invalidResponse, "\(origin) sent an invalid response \(code)", cause: failure)
        }
    }
}
