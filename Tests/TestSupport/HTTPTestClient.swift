import Foundation
import HTTPClientKit

/// A JSON-over-HTTP client for end-to-end tests, on the project's own `CurlHTTPClient`.
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
    // Tests read whatever the servers send (stand-ins echo large bodies): no 1 MiB cap here.
    private let client = CurlHTTPClient(configuration: .init(timeout: .seconds(30), maximumResponseBodySize: 64 << 20))

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    /// Sends a request; a `[String: Any]` body is encoded as JSON, a `String` body sent as is.
    public func send(
        _ method: String, _ path: String, json: [String: Any]? = nil, raw: String? = nil,
        headers: [String: String] = [:], contentType: String? = "application/json"
    ) async throws -> Response {
        var body: Data?
        if let json { body = try JSONSerialization.data(withJSONObject: json) }
        if let raw { body = Data(raw.utf8) }
        var fields = headers
        if body != nil, let contentType, fields["Content-Type"] == nil { fields["Content-Type"] = contentType }
        let response = try await client.send(HTTPClientRequest(
            method: .init(rawValue: method), url: baseURL + path, headers: fields, body: body.map(Array.init)
        ))
        return Response(status: response.status, headers: response.headers, body: Data(response.body))
    }
}
