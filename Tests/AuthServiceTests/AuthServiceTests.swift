import AuthService
import Contracts
import Foundation
import ServiceKit
import Store
import Testing
import TestSupport

/// The auth service in process, against a private nats-server and a fresh schema and role.
@Suite("Auth service over NATS and Postgres")
struct AuthServiceTests {
    static let serviceSecret = "test-service-secret"
    static func configuration(nats: String, database: TestDatabase) -> AuthConfiguration {
        AuthConfiguration(
            service: ServiceSettings(nats: NATSConfiguration(servers: nats), opsPort: 0),
            database: .init(url: database.url, schema: database.schema, poolSize: 2),
            issuer: "https://hexabase.test", keyEncryptionKey: KeySealer.generateKeyText(),
            passwordHasher: PasswordHasher(memoryKiB: 8_192, iterations: 1),
            serviceClients: ["test-service": serviceSecret]
        )
    }

    /// Runs the service, then `body` with a client on the same NATS.
    static func withAuth(
        mail: CapturedMail = CapturedMail(), configure: (inout AuthConfiguration) -> Void = { _ in },
        _ body: (RPCClient, TestDatabase, AuthConfiguration) async throws -> Void
    ) async throws {
        let nats = try await NATSTestServer.start()
        let database = try await TestDatabase.create(prefix: "auth")
        var configuration = configuration(nats: nats.url, database: database)
        configure(&configuration)
        let logger = TestLogging.logger("auth")
        let service = buildAuthService(configuration: configuration, logger: logger, mailSender: mail)
        do {
            try await withRunningService(service, logger: logger, isReady: { service.isReady }) { _ in
                let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: nats.url), logger: logger)
                do {
                    try await body(RPCClient(connection: connection), database, configuration)
                } catch {
                    await connection.close()
                    throw error
                }
                await connection.close()
            }
        } catch {
            await nats.stop()
            try? await database.drop()
            throw error
        }
        await nats.stop()
        try await database.drop()
    }

    static func signUp(_ client: RPCClient, email: String, password: String = "correct horse battery staple") async throws(ServiceError) -> Hexabase_Auth_V1_SignUpResponse {
        var request = Hexabase_Auth_V1_SignUpRequest()
        request.email = email
        request.password = password
        return try await client.call("hxb.auth.v1.SignUp", request, as: Hexabase_Auth_V1_SignUpResponse.self)
    }

    static func login(_ client: RPCClient, email: String, password: String = "correct horse battery staple") async throws(ServiceError) -> Hexabase_Auth_V1_LoginResponse {
        var request = Hexabase_Auth_V1_LoginRequest()
        request.email = email
        request.password = password
        return try await client.call("hxb.auth.v1.Login", request, as: Hexabase_Auth_V1_LoginResponse.self)
    }

    @Test("sign-up, login and WhoAmI round-trip; WhoAmI needs a valid token and a live session")
    func accountLifecycle() async throws {
        try await Self.withAuth { client, database, _ in
            let created = try await Self.signUp(client, email: "Bob@Example.com")
            #expect(created.user.email == "bob@example.com")
            #expect(PrefixedID.isValid(created.user.id, prefix: "usr"))

            let login = try await Self.login(client, email: "bob@example.com")
            #expect(login.tokenType == "Bearer")
            #expect(login.expiresIn == 900)
            #expect(login.user.id == created.user.id)

            let me = try await client.call("hxb.auth.v1.WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, metadata: .bearer(login.accessToken))
            #expect(me.user.id == created.user.id)
            #expect(me.sessionID.hasPrefix("ses-"))

            await #expect(throws: ServiceError.self) {
                try await client.call("hxb.auth.v1.WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self)
            }
            // A revoked session makes its still-unexpired token useless.
            let pool = PostgresPool(configuration: database.configuration(poolSize: 1))
            try await pool.execute("UPDATE sessions SET revoked_at = now() WHERE id = \(me.sessionID)")
            await pool.close()
            do {
                _ = try await client.call("hxb.auth.v1.WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, metadata: .bearer(login.accessToken))
                Issue.record("a revoked session's token was accepted")
            } catch let error as ServiceError {
                #expect(error.code == .unauthenticated)
            }
        }
    }

    @Test("duplicate e-mail is 409, weak password 422, bad credentials 401, undecodable body 400")
    func refusals() async throws {
        try await Self.withAuth { client, _, _ in
            _ = try await Self.signUp(client, email: "carol@example.com")
            do {
                _ = try await Self.signUp(client, email: " CAROL@example.com")
                Issue.record("duplicate accepted")
            } catch let error as ServiceError {
                #expect(error.code == .conflict)
                #expect(error.fieldViolations.map(\.field) == ["email"])
            }
            do {
                _ = try await Self.signUp(client, email: "dave@example.com", password: "qwerty1234")
                Issue.record("weak password accepted")
            } catch let error as ServiceError {
                #expect(error.code == .unprocessableEntity)
            }
            for (email, password) in [("carol@example.com", "wrong password here"), ("nobody@example.com", "correct horse battery staple"), ("", "")] {
                do {
                    _ = try await Self.login(client, email: email, password: password)
                    Issue.record("login accepted for \(email)")
                } catch let error as ServiceError {
                    #expect(error.code == .unauthenticated)
                    #expect(error.message == "Invalid e-mail or password.")
                }
            }
            do {
                _ = try await client.callRaw("hxb.auth.v1.SignUp", payload: [0xFF, 0xFF, 0xFF, 0xFF])
                Issue.record("garbage accepted")
            } catch let error as ServiceError {
                #expect(error.code == .invalidArgument)
            }
        }
    }

    @Test("the signing key is persisted: a restarted service signs with the same kid and old tokens still verify")
    func signingKeyPersists() async throws {
        let nats = try await NATSTestServer.start()
        let database = try await TestDatabase.create(prefix: "auth")
        let configuration = Self.configuration(nats: nats.url, database: database)
        let logger = TestLogging.logger("auth")
        var tokens: [String] = []
        var kids: [String] = []
        for run in 0..<2 {
            let service = buildAuthService(configuration: configuration, logger: logger)
            try await withRunningService(service, logger: logger, isReady: { service.isReady }) { _ in
                let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: nats.url), logger: logger)
                let client = RPCClient(connection: connection)
                if run == 0 { _ = try await Self.signUp(client, email: "erin@example.com") }
                let login = try await Self.login(client, email: "erin@example.com")
                tokens.append(login.accessToken)
                let jwks = try await client.call("hxb.auth.v1.GetJWKS", Hexabase_Auth_V1_GetJWKSRequest(), as: Hexabase_Auth_V1_GetJWKSResponse.self)
                let keys = try #require((try JSONSerialization.jsonObject(with: Data(jwks.jwksJson.utf8)) as? [String: Any])?["keys"] as? [[String: Any]])
                kids.append(contentsOf: keys.compactMap { $0["kid"] as? String })
                // The first run's token verifies in the second run.
                let me = try await client.call("hxb.auth.v1.WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, metadata: .bearer(tokens[0]))
                #expect(me.user.email == "erin@example.com")
                await connection.close()
            }
        }
        #expect(kids.count == 2)
        #expect(Set(kids).count == 1, "the key was regenerated at start")
        await nats.stop()
        try await database.drop()
    }
}
