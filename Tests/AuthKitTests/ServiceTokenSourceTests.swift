import AuthKit
import Contracts
import Foundation
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// The client-credentials token cache against a stand-in auth service on a private nats-server.
@Suite("Service token source")
struct ServiceTokenSourceTests {
    /// What the stand-in answered.
    final class Issued: Sendable {
        private let count = Mutex(0)
        func next() -> Int { count.withLock { $0 += 1; return $0 } }
        var total: Int { count.withLock { $0 } }
    }

    /// Answers `GetServiceToken` for `svc-a`/`secret` with `token-<n>` valid `expiresIn` seconds,
    /// after `delay`; anything else is refused with 401, like auth.
    static func authStandIn(nats: String, issued: Issued, expiresIn: Int32, delay: Duration) -> ServiceProcess {
        ServiceProcess.standIn(name: "auth", nats: nats, endpoints: [
            .unary("GetServiceToken", Hexabase_Auth_V1_GetServiceTokenRequest.self) { request, _ in
                guard request.clientID == "svc-a", request.clientSecret == "secret" else {
                    throw ServiceError(.unauthenticated, "invalid client credentials")
                }
                try await Task.sleep(for: delay)
                var response = Hexabase_Auth_V1_GetServiceTokenResponse()
                response.accessToken = "token-\(issued.next())"
                response.expiresIn = expiresIn
                return response
            },
        ])
    }

    static func withStandIn(expiresIn: Int32, delay: Duration = .zero, _ body: (RPCClient, Issued) async throws -> Void) async throws {
        let server = try await NATSTestServer.start()
        let issued = Issued()
        let auth = authStandIn(nats: server.url, issued: issued, expiresIn: expiresIn, delay: delay)
        let logger = TestLogging.logger("tokens")
        do {
            try await withRunningService(auth, logger: logger, isReady: { auth.isReady }) { _ in
                let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: server.url), logger: logger)
                do {
                    try await body(RPCClient(connection: connection), issued)
                } catch {
                    await connection.close()
                    throw error
                }
                await connection.close()
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("the token is cached; concurrent callers share one request; metadata carries it as a bearer token")
    func cachesAndSharesOneRequest() async throws {
        try await Self.withStandIn(expiresIn: 900, delay: .milliseconds(200)) { client, issued in
            let source = ServiceTokenSource(client: client, clientID: "svc-a", clientSecret: "secret")
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await source.token() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(tokens) == ["token-1"])
            #expect(try await source.token() == "token-1")
            #expect(try await source.metadata().authorization == "Bearer token-1")
            #expect(issued.total == 1)
            source.invalidate()
            #expect(try await source.token() == "token-2")
        }
    }

    @Test("a token is refreshed once it is within the refresh margin of its expiry (at most half its lifetime)")
    func refreshesBeforeExpiry() async throws {
        // A 2 s lifetime: the margin (60 s, at most half the lifetime) leaves it fresh for 1 s.
        try await Self.withStandIn(expiresIn: 2) { client, issued in
            let source = ServiceTokenSource(client: client, clientID: "svc-a", clientSecret: "secret")
            #expect(try await source.token() == "token-1")
            #expect(try await source.token() == "token-1")
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await source.token() == "token-2")
            #expect(issued.total == 2)
        }
    }

    @Test("wrong credentials fail with 401, and no responder with 503; nothing is cached")
    func errorsAreServiceErrors() async throws {
        try await Self.withStandIn(expiresIn: 900) { client, issued in
            let wrong = ServiceTokenSource(client: client, clientID: "svc-a", clientSecret: "nope")
            await #expect(throws: ServiceError.self) { try await wrong.token() }
            do throws(ServiceError) {
                _ = try await wrong.token()
            } catch {
                #expect(error.code == .unauthenticated)
            }
            #expect(issued.total == 0)
        }
        let server = try await NATSTestServer.start()
        let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: server.url), logger: TestLogging.logger("tokens"))
        let orphan = ServiceTokenSource(client: RPCClient(connection: connection), clientID: "svc-a", clientSecret: "secret")
        do throws(ServiceError) {
            _ = try await orphan.token()
            Issue.record("a token without an auth service")
        } catch {
            #expect(error.code == .unavailable)
        }
        await connection.close()
        await server.stop()
    }
}
