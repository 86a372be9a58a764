import AuthKit
import AuthService
import EdgeService
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import ServiceKit
import TestSupport

/// Router-level tests of the edge: its real responder (route table, authentication, error
/// mapping), a private nats-server and one stand-in service behind it.
enum EdgeHarness {
    static let issuer = "https://edge.test"

    /// Runs `body` with a test client of the edge (`testing`: `.router` in process, `.live` on
    /// a port) and `Bearer <a valid access token>`, while `standIn` runs on the private server.
    static func run(
        standIn: @escaping @Sendable (_ nats: String) -> ServiceProcess,
        testing: TestingSetup = .router, logger: Logger = TestLogging.logger("edge"),
        _ body: @escaping @Sendable (any TestClientProtocol, _ bearer: String) async throws -> Void
    ) async throws {
        let nats = try await NATSTestServer.start()
        let key = try SigningKey.generate()
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: key.privateKeyPEM), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
        let now = Date()
        let claims = AccessTokenClaims(
            issuer: issuer, subject: "usr-test", audience: ["hexabase"], issuedAt: now,
            expiresAt: now.addingTimeInterval(600), tokenID: UUID().uuidString, sessionID: "ses-test"
        )
        let token = try await keys.sign(claims, kid: JWKIdentifier(string: key.kid))
        let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: nats.url), logger: logger)
        let client = RPCClient(connection: connection)
        let builder = EdgeApplicationBuilder(
            configuration: EdgeConfiguration(service: ServiceSettings(nats: NATSConfiguration(servers: nats.url), opsPort: 0), issuer: issuer),
            client: client,
            verifier: TokenVerifier(source: StaticJWKS(json: SigningKey.jwks([key.publicJWK])), issuer: issuer, logger: logger),
            logger: logger
        )
        let service = standIn(nats.url)
        do {
            try await withRunningService(service, logger: logger, isReady: { service.isReady }) { _ in
                try await Application(responder: builder.makeResponder(), logger: logger).test(testing) { http in
                    try await body(http, "Bearer " + token)
                }
            }
        } catch {
            await connection.close()
            await nats.stop()
            throw error
        }
        await connection.close()
        await nats.stop()
    }
}

extension TestClientProtocol {
    /// One request with an optional `Authorization` value and JSON body.
    func send(_ method: HTTPRequest.Method, _ uri: String, _ authorization: String?, json: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let authorization { headers[.authorization] = authorization }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
}
