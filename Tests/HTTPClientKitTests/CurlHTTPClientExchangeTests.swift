import HTTPClientKit
import TestSupport
import Testing

@Suite("CurlHTTPClient exchanges with a real HTTP server (scripted_http_server.py)")
struct CurlHTTPClientExchangeTests {
    @Test("a 401 with a Basic challenge is returned as a response, body intact (RFC 6749 §5.2)")
    func basicChallengeIsAResponse() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("POST", "/token", [
                "status": 401, "headers": ["WWW-Authenticate": #"Basic realm="x""#],
                "json": ["error": "invalid_client"],
            ])
            let request = HTTPClientRequest.form(
                url: server.baseURL + "/token", fields: [("grant_type", "authorization_code")],
                headers: ["Authorization": "Basic Yzpz"]
            )
            let response = try await CurlHTTPClient(configuration: .init(timeout: .seconds(5))).send(request)
            #expect(response.status == 401)
            #expect(response.header("www-authenticate") == #"Basic realm="x""#)
            #expect(response.text == #"{"error": "invalid_client"}"#)
            // Sent once, as given: no retry with other credentials, no negotiation.
            #expect(try await server.requests().map { $0.headers["authorization"] } == ["Basic Yzpz"])
        }
    }

    @Test("a POST body arrives byte for byte: NUL bytes, non-ASCII, and more than 1 MiB")
    func postBodiesArriveIntact() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("POST", "/upload", ["status": 201, "body": "stored"])
            let client = CurlHTTPClient()
            let small = "a=1\u{0}b=é&c=%20+"
            // Over 1 MiB libcurl asks `Expect: 100-continue`: the interim 100's header block
            // must not hide the final response's fields.
            let large = String(repeating: "0123456789abcdef", count: 100_000)
            for body in [small, large, ""] {
                let response = try await client.send(HTTPClientRequest(
                    method: .post, url: server.baseURL + "/upload", headers: ["Content-Type": "text/plain"],
                    body: Array(body.utf8)
                ))
                #expect(response.status == 201)
                #expect(response.header("content-length") == "6")
                #expect(response.text == "stored")
            }
            let received = try await server.requests()
            #expect(received.map(\.body) == [small, large, ""])
            #expect(received.map { $0.headers["content-length"] } == ["\(small.utf8.count)", "\(large.utf8.count)", "0"])
        }
    }

    @Test("other methods are sent as given, empty header values too; HEAD does not wait for a body")
    func methods() async throws {
        try await ScriptedHTTPServer.start().use { server in
            for method in ["PUT", "PATCH", "DELETE", "HEAD", "GET"] {
                try await server.route(method, "/thing", ["status": 200, "body": "thing"])
            }
            let client = CurlHTTPClient(configuration: .init(timeout: .seconds(5)))
            let put = try await client.send(HTTPClientRequest(method: .put, url: server.baseURL + "/thing", body: Array("v=1".utf8)))
            let patch = try await client.send(HTTPClientRequest(method: .patch, url: server.baseURL + "/thing", body: Array("v=2".utf8)))
            let delete = try await client.send(HTTPClientRequest(method: .delete, url: server.baseURL + "/thing"))
            let head = try await client.send(HTTPClientRequest(method: .head, url: server.baseURL + "/thing"))
            let get = try await client.send(HTTPClientRequest(url: server.baseURL + "/thing", headers: ["X-Empty": ""]))
            #expect([put, patch, delete, get].map(\.text) == ["thing", "thing", "thing", "thing"])
            #expect(head.status == 200 && head.body.isEmpty && head.header("content-length") == "5")
            let received = try await server.requests()
            #expect(received.map(\.method) == ["PUT", "PATCH", "DELETE", "HEAD", "GET"])
            #expect(received.map(\.body) == ["v=1", "v=2", "", "", ""])
            #expect(received.last?.headers["x-empty"] == "")
        }
    }

    @Test("repeated Set-Cookie fields are all visible, joined with \", \"")
    func repeatedHeaders() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("GET", "/login", [
                "status": 303,
                "headers": ["Set-Cookie": ["a=1; Path=/; HttpOnly", "b=2; Path=/"], "Location": "/home"],
            ])
            let response = try await CurlHTTPClient().send(HTTPClientRequest(url: server.baseURL + "/login"))
            #expect(response.status == 303)
            #expect(response.header("set-cookie") == "a=1; Path=/; HttpOnly, b=2; Path=/")
            #expect(response.header("location") == "/home")
        }
    }

    @Test("no cookies are kept: a Set-Cookie is not sent back on the next request")
    func noCookieEngine() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("GET", "/a", ["headers": ["Set-Cookie": "session=s1; Path=/"]])
            let client = CurlHTTPClient()
            _ = try await client.send(HTTPClientRequest(url: server.baseURL + "/a"))
            _ = try await client.send(HTTPClientRequest(url: server.baseURL + "/a"))
            #expect(try await server.requests().map { $0.headers["cookie"] } == [nil, nil])
        }
    }

    @Test("header fields that would add lines, and URLs with credentials, are refused before sending")
    func refusesUnsafeRequests() async throws {
        try await ScriptedHTTPServer.start().use { server in
            let client = CurlHTTPClient()
            let requests = [
                HTTPClientRequest(url: server.baseURL + "/x", headers: ["X-Evil": "a\r\nX-Injected: 1"]),
                HTTPClientRequest(url: server.baseURL + "/x", headers: ["Bad Name": "v"]),
                HTTPClientRequest(url: "http://user:secret@127.0.0.1:\(server.port)/x"),
            ]
            for request in requests {
                let error = await #expect(throws: HTTPClientError.self) { try await client.send(request) }
                #expect(error?.code == .invalidRequest)
                let text = error.map { "\($0)" } ?? ""
                #expect(!text.contains("secret"), "\(text)")
            }
            let received = try await server.requests()
            #expect(received.isEmpty)
        }
    }
}
