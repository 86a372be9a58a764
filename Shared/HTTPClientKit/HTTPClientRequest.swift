/// One outbound HTTP request: method, absolute URL, headers and body bytes.
public struct HTTPClientRequest: Sendable, Equatable {
    /// An HTTP method; any token is allowed, the common ones have names.
    public struct Method: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The method token as sent, e.g. `GET`.
        public var rawValue: String

        /// A method from its token (case-sensitive, as HTTP says).
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// The common methods.
        public static let get = Method(rawValue: "GET")
        public static let head = Method(rawValue: "HEAD")
        public static let post = Method(rawValue: "POST")
        public static let put = Method(rawValue: "PUT")
        public static let patch = Method(rawValue: "PATCH")
        public static let delete = Method(rawValue: "DELETE")

        /// The token.
        public var description: String { rawValue }
    }

    /// The method, `GET` by default.
    public var method: Method
    /// An absolute `http` or `https` URL.
    public var url: String
    /// Header fields to send; names are case-insensitive on the wire.
    public var headers: [String: String]
    /// The body, or nil for none.
    public var body: [UInt8]?
    /// The longest the whole exchange may take; nil uses the client's default.
    public var timeout: Duration?

    /// A request; everything but the URL has a default.
    public init(
        method: Method = .get, url: String, headers: [String: String] = [:], body: [UInt8]? = nil,
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// A `POST` of an `application/x-www-form-urlencoded` body made of `fields`, in order.
    public static func form(
        url: String, fields: [(name: String, value: String)], headers: [String: String] = [:]
    ) -> HTTPClientRequest {
        var allHeaders = headers
        allHeaders["Content-Type"] = "application/x-www-form-urlencoded"
        return HTTPClientRequest(
            method: .post, url: url, headers: allHeaders, body: Array(FormURLEncoding.encode(fields).utf8)
        )
    }
}
