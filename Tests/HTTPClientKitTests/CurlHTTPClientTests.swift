import HTTPClientKit
import TestSupport
import Testing

@Suite("CurlHTTPClient limits and failures against a real HTTP server (scripted_http_server.py)")
struct CurlHTTPClientTests {
    @Test("sends method, headers and body; returns status, lower-cased headers and body")
    func roundTrip() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("POST", "/echo", ["status": 201, "headers": ["X-Answer": "42"], "body": "created"])
            let client = CurlHTTPClient()
            let response = try await client.send(HTTPClientRequest(
                method: .post, url: server.baseURL + "/echo?q=1", headers: ["X-Test": "yes", "Content-Type": "text/plain"],
                body: Array("hello".utf8)
            ))
            #expect(response.status == 201)
            #expect(response.text == "created")
            #expect(response.header("X-ANSWER") == "42")
            let received = try #require(try await server.requests().first)
            #expect(received.method == "POST")
            #expect(received.path == "/echo?q=1")
            #expect(received.headers["x-test"] == "yes")
            #expect(received.body == "hello")
        }
    }

    @Test("a redirect is returned as the 3xx response, never followed")
    func refusesRedirects() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("GET", "/from", ["status": 302, "headers": ["Location": server.baseURL + "/to"]])
            try await server.route("GET", "/to", ["body": "followed"])
            let response = try await CurlHTTPClient().send(HTTPClientRequest(url: server.baseURL + "/from"))
            #expect(response.status == 302)
            #expect(response.header("location") == server.baseURL + "/to")
            #expect(try await server.requests().map(\.path) == ["/from"])
        }
    }

    @Test("a body larger than the limit is refused, with or without Content-Length")
    func refusesLargeBodies() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("GET", "/declared", ["body": "x", "body_repeat": 2048])
            try await server.route("GET", "/streamed", ["body": "y", "body_repeat": 4096, "no_content_length": true])
            try await server.route("GET", "/fits", ["body": "z", "body_repeat": 1024])
            let client = CurlHTTPClient(configuration: .init(maximumResponseBodySize: 1024))
            for path in ["/declared", "/streamed"] {
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.send(HTTPClientRequest(url: server.baseURL + path))
                }
                #expect(error?.code == .responseTooLarge, "\(path)")
            }
            let fits = try await client.send(HTTPClientRequest(url: server.baseURL + "/fits"))
            #expect(fits.body.count == 1024)
        }
    }

    @Test("the default limit is 1 MiB")
    func defaultLimit() {
        #expect(CurlHTTPClient().configuration.maximumResponseBodySize == 1_048_576)
    }

    @Test("a server slower than the request's timeout gives a timeout error")
    func timesOut() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("GET", "/slow", ["body": "late", "delay": 5])
            let error = await #expect(throws: HTTPClientError.self) {
                try await CurlHTTPClient().send(HTTPClientRequest(url: server.baseURL + "/slow", timeout: .milliseconds(300)))
            }
            #expect(error?.code == .timeout)
        }
    }

    @Test("a port nobody listens on gives connectionFailed; its message names only the origin")
    func connectionRefused() async throws {
        let port = try NATSTestServer.freeTCPPort()
        let error = await #expect(throws: HTTPClientError.self) {
            try await CurlHTTPClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/token?secret=s3cr3t"))
        }
        #expect(error?.code == .connectionFailed)
        #expect(error.map { !$0.description.contains("s3cr3t") && $0.description.contains("127.0.0.1:\(port)") } == true)
    }

    @Test("a server whose certificate does not verify gives connectionFailed, naming the TLS failure")
    func untrustedCertificate() async throws {
        let certificate = try SelfSignedCertificate.make()
        defer { certificate.remove() }
        let server = try await PythonServer.start("tls-http-server") { port in
            ["-c", Self.tlsServerScript, certificate.certificateFile, certificate.keyFile, String(port)]
        }
        let error = await #expect(throws: HTTPClientError.self) {
            try await CurlHTTPClient().send(HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/"))
        }
        await server.stop()
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.hasPrefix("the TLS connection to https://127.0.0.1:\(server.port) failed") == true)
    }

    @Test("a CA given in the TLS settings is trusted instead of the system's store")
    func ownCertificateAuthority() async throws {
        let certificate = try SelfSignedCertificate.make()
        defer { certificate.remove() }
        let server = try await PythonServer.start("tls-http-server") { port in
            ["-c", Self.tlsServerScript, certificate.certificateFile, certificate.keyFile, String(port)]
        }
        let trusting = CurlHTTPClient(configuration: .init(tls: HTTPClientTLS(certificateAuthorityPEM: certificate.certificatePEM)))
        let response = try? await trusting.send(HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/"))
        #expect(response?.status == 501)
        // Another CA: the server's certificate does not chain to it, and the system store is not consulted.
        let other = try SelfSignedCertificate.make()
        defer { other.remove() }
        let error = await #expect(throws: HTTPClientError.self) {
            try await CurlHTTPClient(configuration: .init(tls: HTTPClientTLS(certificateAuthorityPEM: other.certificatePEM)))
                .send(HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/"))
        }
        await server.stop()
        #expect(error?.code == .connectionFailed)
    }

    /// An HTTPS server (answering 501 to everything) with the certificate and key of argv 1 and 2.
    private static let tlsServerScript = """
        import http.server, ssl, sys
        server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[3])), http.server.BaseHTTPRequestHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """

    @Test("a reply that is not HTTP gives invalidResponse")
    func garbageReply() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("GET", "/garbage", ["raw": "SSH-2.0-OpenSSH_9.2\r\n\r\n"])
            let error = await #expect(throws: HTTPClientError.self) {
                try await CurlHTTPClient().send(HTTPClientRequest(url: server.baseURL + "/garbage"))
            }
            #expect(error?.code == .invalidResponse)
        }
    }

    @Test("a URL that is not absolute http(s) is refused before sending")
    func invalidURL() async {
        for url in ["ftp://x.test/a", "/relative", "not a url", "file:///etc/passwd"] {
            let error = await #expect(throws: HTTPClientError.self) {
                try await CurlHTTPClient().send(HTTPClientRequest(url: url))
            }
            #expect(error?.code == .invalidRequest, "\(url)")
        }
    }

    @Test("cancelling the caller cancels the request")
    func cancellation() async throws {
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("GET", "/slow", ["body": "late", "delay": 5])
            let client = CurlHTTPClient()
            let url = server.baseURL + "/slow"
            let request = Task { try await client.send(HTTPClientRequest(url: url, timeout: .seconds(30))) }
            while try await server.requests().isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            request.cancel()
            await #expect(throws: CancellationError.self) { try await request.value }
        }
    }
}
