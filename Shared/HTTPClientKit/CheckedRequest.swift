import CCurl

/// What ``HTTPTransfer`` checks before handing a request to libcurl: an absolute `http` or
/// `https` URL with a host and no credentials, parsed by libcurl's own URL parser (so the check
/// and the transfer agree), and header fields that cannot smuggle in other lines.
struct CheckedRequest {
    /// `scheme://host[:port]`: all of the URL that error messages may name.
    let origin: String
    /// The header fields as libcurl takes them, `Name: value`.
    let headerLines: [String]

    /// Checks `request`; libcurl must be initialized first (a `CurlEasyHandle` made).
    init(_ request: HTTPClientRequest) throws(HTTPClientError) {
        origin = try Self.origin(of: request.url)
        headerLines = try request.headers.sorted { $0.key < $1.key }.map { name, value throws(HTTPClientError) in
            try Self.headerLine(name: name, value: value)
        }
    }

    private static func origin(of text: String) throws(HTTPClientError) -> String {
        guard let url = curl_url() else {
            throw HTTPClientError(.invalidRequest, "libcurl could not parse the request URL")
        }
        defer { curl_url_cleanup(url) }
        guard curl_url_set(url, CURLUPART_URL, text, 0) == CURLUE_OK,
            let scheme = part(CURLUPART_SCHEME, of: url)?.lowercased(), scheme == "http" || scheme == "https",
            let host = part(CURLUPART_HOST, of: url), !host.isEmpty
        else {
            throw HTTPClientError(.invalidRequest, "the request URL is not an absolute http(s) URL")
        }
        guard part(CURLUPART_USER, of: url) == nil, part(CURLUPART_PASSWORD, of: url) == nil else {
            // libcurl would send them as HTTP Basic credentials, unasked.
            throw HTTPClientError(.invalidRequest, "the request URL must not hold credentials")
        }
        return "\(scheme)://\(host)" + (part(CURLUPART_PORT, of: url).map { ":\($0)" } ?? "")
    }

    /// The part of `url`, nil when it has none.
    private static func part(_ part: CURLUPart, of url: OpaquePointer) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(url, part, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }

    private static func headerLine(name: String, value: String) throws(HTTPClientError) -> String {
        let nameIsToken = !name.isEmpty && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
        let valueIsOneLine = !value.utf8.contains { $0 == 0 || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
        guard nameIsToken, valueIsOneLine else {
            throw HTTPClientError(.invalidRequest, "a request header field is not valid")
        }
        // libcurl reads `Name:` as "remove this header"; `Name;` is how it sends an empty one.
        return value.isEmpty ? "\(name);" : "\(name): \(value)"
    }
}
