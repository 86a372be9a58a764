import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A JSON-over-HTTP client for end-to-end tests, on Foundation's URLSession (libcurl on Linux).
public struct HTTPTestClient: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }
        /// `error.code` of the JSON error envelope.
        public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    /// Sends a request; a `[String: Any]` body is encoded as JSON, a `String` body sent as is.
    public func send(
        _ method: String, _ path: String, json: [String: Any]? = nil, raw: String? = nil,
        headers: [String: String] = [:], contentType: String? = "application/json"
    ) async throws -> Response {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let json { request.httpBody = try JSONSerialization.data(withJSONObject: json) }
        if let raw { request.httpBody = Data(raw.utf8) }
        if request.httpBody != nil, let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            fields[String(describing: name).lowercased()] = String(describing: value)
        }
        return Response(status: http.statusCode, headers: fields, body: data)
    }
}
