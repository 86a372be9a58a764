import Foundation
import HTTPClientKit

/// A browser stand-in for the OIDC flows: keeps its own cookie jar, never follows redirects
/// (tests read `Location`), posts forms, and can pull hidden fields out of a page.
public final class BrowserTestClient: @unchecked Sendable {
    // @unchecked: used by one test task at a time; the jar is guarded by a lock anyway.
    public let baseURL: String
    private let lock = NSLock()
    private var jar: [String: String] = [:]
    private let client = CurlHTTPClient(configuration: .init(timeout: .seconds(30)))

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    /// GET a path (or an absolute URL).
    public func get(_ pathOrURL: String, headers: [String: String] = [:]) async throws -> HTTPTestClient.Response {
        try await send("GET", pathOrURL, body: nil, headers: headers)
    }

    /// POST an `application/x-www-form-urlencoded` form.
    public func postForm(_ pathOrURL: String, _ fields: [(String, String)], headers: [String: String] = [:]) async throws -> HTTPTestClient.Response {
        let body = FormURLEncoding.encode(fields.map { (name: $0.0, value: $0.1) })
        return try await send("POST", pathOrURL, body: Data(body.utf8), headers: headers.merging(["Content-Type": "application/x-www-form-urlencoded"]) { a, _ in a })
    }

    /// The value of `<input … name="NAME" value="VALUE">` in an HTML page.
    public static func hiddenField(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
    }

    public func cookie(_ name: String) -> String? { lock.withLock { jar[name] } }

    public func setCookie(_ name: String, _ value: String?) { lock.withLock { jar[name] = value } }

    private func send(_ method: String, _ pathOrURL: String, body: Data?, headers: [String: String]) async throws -> HTTPTestClient.Response {
        let url = pathOrURL.hasPrefix("http") ? pathOrURL : baseURL + pathOrURL
        var fields = headers
        let cookies = lock.withLock { jar.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if !cookies.isEmpty { fields["Cookie"] = cookies }
        let response = try await client.send(HTTPClientRequest(method: .init(rawValue: method), url: url, headers: fields, body: body.map(Array.init)))
        if let setCookie = response.header("set-cookie") { absorb(setCookie) }
        return HTTPTestClient.Response(status: response.status, headers: response.headers, body: Data(response.body))
    }

    /// Reads `Set-Cookie` (several may arrive joined by ", "); Max-Age=0 deletes.
    private func absorb(_ header: String) {
        for cookie in header.components(separatedBy: ", ") {
            let attributes = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let pair = attributes.first, let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals])
            let value = String(pair[pair.index(after: equals)...])
            let deleted = attributes.contains("Max-Age=0") || value.isEmpty
            lock.withLock { jar[name] = deleted ? nil : value }
        }
    }
}

extension HTTPTestClient.Response {
    /// The `Location` header of a redirect.
    public var location: String? { headers["location"] }

    /// The query parameters of the `Location` header.
    public var locationQuery: [String: String] {
        guard let location, let components = URLComponents(string: location) else { return [:] }
        var result: [String: String] = [:]
        for item in components.queryItems ?? [] { result[item.name] = item.value ?? "" }
        return result
    }
}
