import Contracts
import Foundation

/// Builds the provider's HTTP responses, each with the headers OAuth requires (`no-store`)
/// and browser hardening (CSP, framing, referrer).
struct HTTPReply: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    static let securityHeaders: [(String, String)] = [
        ("Cache-Control", "no-store"),
        ("Pragma", "no-cache"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]

    static func json(_ object: [String: Any], status: Int = 200, extraHeaders: [(String, String)] = []) -> HTTPReply {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return HTTPReply(status: status, headers: securityHeaders + [("Content-Type", "application/json")] + extraHeaders, body: Array(data))
    }

    /// An OAuth error body (RFC 6749 §5.2).
    static func oauthError(_ error: OAuthError, basicAuthUsed: Bool = false) -> HTTPReply {
        var extra: [(String, String)] = []
        if error.status == 401 { extra.append(("WWW-Authenticate", basicAuthUsed ? #"Basic realm="hexabase""# : #"Bearer realm="hexabase""#)) }
        return json(["error": error.code, "error_description": error.message], status: error.status, extraHeaders: extra)
    }

    static func html(_ page: String, status: Int = 200, cookies: [String] = []) -> HTTPReply {
        HTTPReply(
            status: status,
            headers: securityHeaders + [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
                ("X-Frame-Options", "DENY"),
            ] + cookies.map { ("Set-Cookie", $0) },
            body: Array(page.utf8)
        )
    }

    /// A redirect: 303 after a form post, 302 for the authorization response.
    static func redirect(_ location: String, status: Int = 302, cookies: [String] = []) -> HTTPReply {
        HTTPReply(status: status, headers: securityHeaders + [("Location", location)] + cookies.map { ("Set-Cookie", $0) }, body: [])
    }

    var message: Hexabase_Common_V1_HTTPResponse {
        var response = Hexabase_Common_V1_HTTPResponse()
        response.status = Int32(status)
        response.headers = headers.map {
            var header = Hexabase_Common_V1_HTTPHeader()
            header.name = $0.0
            header.value = $0.1
            return header
        }
        response.body = Data(body)
        return response
    }
}
