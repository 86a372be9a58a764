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
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(holder >= 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(holder, pointer, length) == 0 && listen(holder, 16) == 0 && getsockname(holder, pointer, &length) == 0
            }
        }
        #expect(bound)
        let taken = Int(UInt16(bigEndian: address.sin_port))

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
