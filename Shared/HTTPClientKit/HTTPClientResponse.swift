/// A complete HTTP response: status, headers and the whole body.
public struct HTTPClientResponse: Sendable, Equatable {
    /// The status code, e.g. 200; a redirect (3xx) is returned as is, never followed.
    public var status: Int
    /// Header fields, names in lower case; repeated fields are joined with ", ".
    public var headers: [String: String]
    /// The body bytes (decompressed when the server used a content coding).
    public var body: [UInt8]

    /// A response; header names are lower-cased.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }) { first, second in
            first + ", " + second
        }
        self.body = body
    }

    /// The value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }

    /// True for a 2xx status.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
