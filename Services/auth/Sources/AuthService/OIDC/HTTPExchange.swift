import Contracts
import Foundation
import HTTPClientKit

/// A forwarded HTTP request (``Hexabase_Common_V1_HTTPRequest``) with what the provider's
/// endpoints read from it: query and form parameters, headers, cookies, HTTP Basic.
struct HTTPExchange: Sendable {
    let method: String
    let path: String
    let query: [String: String]
    /// Form fields of an `application/x-www-form-urlencoded` body (POST only).
    let form: [String: String]
    /// Names of parameters that occurred more than once (RFC 6749 §3.1 forbids it).
    let repeatedParameters: Set<String>
    let clientAddress: String?
    private let headers: [(String, String)]

    init(_ request: Hexabase_Common_V1_HTTPRequest) {
        method = request.method.uppercased()
        path = request.path
        headers = request.headers.map { ($0.name.lowercased(), $0.value) }
        clientAddress = request.clientAddress.isEmpty ? nil : request.clientAddress
        let (query, repeatedInQuery) = Self.parseForm(request.rawQuery)
        self.query = query
        let contentType = headers.first { $0.0 == "content-type" }?.1.lowercased() ?? ""
        if method == "POST", contentType.hasPrefix("application/x-www-form-urlencoded") {
            let (form, repeatedInForm) = Self.parseForm(String(decoding: request.body, as: UTF8.self))
            self.form = form
            repeatedParameters = repeatedInQuery.union(repeatedInForm)
        } else {
            form = [:]
            repeatedParameters = repeatedInQuery
        }
    }

    /// The first value of a header (name case-insensitive).
    func header(_ name: String) -> String? {
        let name = name.lowercased()
        return headers.first { $0.0 == name }?.1
    }

    /// A cookie's value.
    func cookie(_ name: String) -> String? {
        for (headerName, value) in headers where headerName == "cookie" {
            for pair in value.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return String(parts[1]).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// A parameter of the query (GET) or the form (POST).
    func parameter(_ name: String) -> String? {
        let value = method == "POST" ? form[name] : query[name]
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `Authorization: Basic` credentials, each part form-url-decoded (RFC 6749 §2.3.1).
    var basicCredentials: (id: String, secret: String)? {
        guard let header = header("authorization"), header.lowercased().hasPrefix("basic "),
              let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let decoded = String(data: data, encoding: .utf8)
        else { return nil }
        let parts = decoded.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return (FormURLEncoding.unescape(parts[0]), FormURLEncoding.unescape(parts[1]))
    }

    /// `Authorization: Bearer` token.
    var bearerToken: String? {
        guard let header = header("authorization"), header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Parses `a=1&b=2` (form-url-encoded): the values and the names seen more than once.
    static func parseForm(_ text: String) -> ([String: String], Set<String>) {
        var values: [String: String] = [:]
        var repeated: Set<String> = []
        for (name, value) in FormURLEncoding.decode(text) where !name.isEmpty {
            if values[name] != nil { repeated.insert(name) }
            values[name] = value
        }
        return (values, repeated)
    }
}
