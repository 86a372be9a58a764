import Foundation

/// `Tests/Fixtures/scripted_http_server.py` run as a child process: an HTTP server whose answers
/// a test sets per route and which records every request it received.
public final class ScriptedHTTPServer: Sendable {
    /// A request the server received.
    public struct RecordedRequest: Sendable, Decodable {
        /// The method, e.g. `POST`.
        public let method: String
        /// The path with its query string.
        public let path: String
        /// Header fields, names in lower case.
        public let headers: [String: String]
        /// The body, as UTF-8 text.
        public let body: String
    }

    private let server: PythonServer
    private let control: HTTPTestClient

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { server.baseURL }
    /// The port it listens on.
    public var port: Int { server.port }

    /// Starts a server with no routes.
    public static func start() async throws -> ScriptedHTTPServer {
        let server = try await PythonServer.start("scripted-http-server") { port in
            [PythonServer.fixture("scripted_http_server.py"), "--port", String(port)]
        }
        return ScriptedHTTPServer(server: server)
    }

    private init(server: PythonServer) {
        self.server = server
        self.control = HTTPTestClient(baseURL: server.baseURL)
    }

    /// Sets the answer to `method path` (path without query). `answer` holds the fields the
    /// script documents: status, headers, body or json, body_repeat, delay, no_content_length, raw.
    public func route(_ method: String, _ path: String, _ answer: [String: Any]) async throws {
        let response = try await control.send("PUT", "/__stand-in/routes", json: ["\(method) \(path)": answer])
        guard response.status == 204 else { throw PythonServerError("could not set a route: HTTP \(response.status)") }
    }

    /// The requests received so far (control requests excluded), oldest first.
    public func requests() async throws -> [RecordedRequest] {
        let response = try await control.send("GET", "/__stand-in/requests")
        return try JSONDecoder().decode([RecordedRequest].self, from: response.body)
    }

    /// Stops the server.
    public func stop() async {
        await server.stop()
    }
}
