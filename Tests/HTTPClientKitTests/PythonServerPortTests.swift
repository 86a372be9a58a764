import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The test harness's Python servers: a port someone else took is not mistaken for the server's.
@Suite("Python test servers")
struct PythonServerPortTests {
    @Test("a server whose port another listener holds moves to another port instead of handing out the other listener")
    func takenPortIsNotMistakenForTheServer() async throws {
        // Another process's listener, as a nats-server that took the "free" port first would be.
        let (holder, taken) = try NATSTestServer.listeningLoopbackSocket()
        defer { close(holder) }

        let server = try await PythonServer.start("port-taken", firstPort: taken) { port in
            [PythonServer.fixture("scripted_http_server.py"), "--port", String(port)]
        }
        #expect(server.port != taken)
        let answer = try await HTTPTestClient(baseURL: server.baseURL).send("GET", "/__stand-in/requests")
        #expect(answer.status == 200)
        #expect(answer.text.hasPrefix("["))
        await server.stop()
    }
}
