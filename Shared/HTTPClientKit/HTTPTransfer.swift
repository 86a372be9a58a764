import CCurl
import CurlSupport

/// One HTTP exchange on its own libcurl easy handle, created, performed and cleaned up on the
/// calling thread. `perform` blocks until the whole response has arrived.
struct HTTPTransfer: Sendable {
    let request: HTTPClientRequest
    let timeout: Duration
    let connectTimeout: Duration
    let limit: Int
    let tls: HTTPClientTLS

    /// Sends the request; throws an ``HTTPClientError``, or `CancellationError` when
    /// `cancellation` was cancelled first.
    func perform(cancellation: CurlCancellation) throws -> HTTPClientResponse {
        var handle: CurlEasyHandle
        do {
            handle = try CurlEasyHandle()
        } catch {
            throw HTTPClientError(.invalidRequest, "libcurl could not be set up", cause: error)
        }
        // After CurlEasyHandle: checking the URL calls libcurl, which must be initialized first.
        let checked = try CheckedRequest(request)
        let collector = ResponseCollector(limit: limit)
        do {
            try handle.setList(CURLOPT_HTTPHEADER, checked.headerLines)
            try handle.check(options(handle.raw) + collector.install(on: handle.raw))
        } catch {
            throw HTTPClientError(.invalidRequest, "libcurl refused the request to \(checked.origin)", cause: error)
        }
        do {
            try handle.perform(cancellation: cancellation)
        } catch let failure as CurlFailure {
            if collector.exceededLimit {
                throw HTTPClientError(
                    .responseTooLarge, "the response of \(checked.origin) is larger than \(limit) bytes", cause: failure
                )
            }
            throw HTTPClientError(failure, origin: checked.origin)
        }
        guard let status = handle.responseCode else {
            throw HTTPClientError(.invalidResponse, "\(checked.origin) sent no HTTP response")
        }
        return HTTPClientResponse(status: status, headers: collector.headers, body: collector.body)
    }

    /// URL, limits and method. No cookie engine, no authentication and no redirects are set up:
    /// libcurl then returns a 401 or a 3xx as it came.
    private func options(_ handle: UnsafeMutableRawPointer) -> [CURLcode] {
        [
            hxb_curl_setopt_str(handle, CURLOPT_URL, request.url),
            hxb_curl_setopt_str(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            hxb_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0),
            hxb_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeout.curlMilliseconds),
            hxb_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeout.curlMilliseconds),
            // "": offer every coding this libcurl decodes, and hand over the decoded body.
            hxb_curl_setopt_str(handle, CURLOPT_ACCEPT_ENCODING, ""),
        ] + methodOptions(handle) + tlsOptions(handle)
    }

    /// The client's own trust and certificate, as in-memory PEM.
    private func tlsOptions(_ handle: UnsafeMutableRawPointer) -> [CURLcode] {
        func blob(_ option: CURLoption, _ pem: String) -> CURLcode {
            var bytes = Array(pem.utf8)
            return bytes.withUnsafeMutableBytes { hxb_curl_setopt_blob(handle, option, $0.baseAddress, $0.count) }
        }
        var results: [CURLcode] = []
        if let authority = tls.certificateAuthorityPEM { results.append(blob(CURLOPT_CAINFO_BLOB, authority)) }
        if let certificate = tls.clientCertificatePEM {
            results.append(hxb_curl_setopt_str(handle, CURLOPT_SSLCERTTYPE, "PEM"))
            results.append(blob(CURLOPT_SSLCERT_BLOB, certificate))
        }
        if let key = tls.clientKeyPEM {
            results.append(hxb_curl_setopt_str(handle, CURLOPT_SSLKEYTYPE, "PEM"))
            results.append(blob(CURLOPT_SSLKEY_BLOB, key))
        }
        return results
    }

    private func methodOptions(_ handle: UnsafeMutableRawPointer) -> [CURLcode] {
        let method = request.method
        if method == .head {
            // NOBODY, not CUSTOMREQUEST: libcurl must not wait for a body after the headers.
            return [hxb_curl_setopt_long(handle, CURLOPT_NOBODY, 1)]
        }
        // A POST always carries a body, if an empty one, so that it has a Content-Length.
        guard let body = request.body ?? (method == .post ? [] : nil) else {
            return [
                method == .get
                    ? hxb_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
                    : hxb_curl_setopt_str(handle, CURLOPT_CUSTOMREQUEST, method.rawValue)
            ]
        }
        // The size first, so that libcurl copies exactly these bytes, NULs included.
        var results = [hxb_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)]
        results.append(
            body.isEmpty
                ? hxb_curl_setopt_str(handle, CURLOPT_COPYPOSTFIELDS, "")
                : body.withUnsafeBytes { bytes in
                    hxb_curl_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress!))
                }
        )
        if method != .post {
            results.append(hxb_curl_setopt_str(handle, CURLOPT_CUSTOMREQUEST, method.rawValue))
        }
        return results
    }
}
