import AuthKit
@testable import AuthService
import Contracts
import Foundation
import Logging
import ServiceKit
import ServiceStore
import Store
import Testing
import TestSupport

@Suite("Signing keys: sealing, rotation, retention")
struct KeyRotationTests {
    @Test("the rotation policy creates a first key, keeps a young one, rotates an old one; retention covers token lifetime, cache and skew")
    func policy() {
        let policy = KeyRotationPolicy(rotationInterval: .seconds(3_600), maximumTokenLifetime: .seconds(900), cacheLifetime: .seconds(10))
        let now = Date()
        #expect(policy.action(activeCreatedAt: nil, now: now) == .create)
        #expect(policy.action(activeCreatedAt: now.addingTimeInterval(-60), now: now) == .keep(until: now.addingTimeInterval(3_540)))
        #expect(policy.action(activeCreatedAt: now.addingTimeInterval(-3_600), now: now) == .rotate)
        #expect(policy.retention == .seconds(970))
    }

    @Test("sealed keys open only with the right encryption key and their own kid; earlier keys still open")
    func sealing() throws {
        let old = try KeySealer(current: KeySealer.generateKeyText())
        let sealed = try old.seal("PEM", kid: "kid-1")
        #expect(try old.open(sealed, keyID: old.currentKeyID, kid: "kid-1") == "PEM")
        #expect(throws: KeySealer.Failure.self) { try old.open(sealed, keyID: old.currentKeyID, kid: "kid-2") }
        var tampered = sealed
        tampered[tampered.count - 1] ^= 0x01
        #expect(throws: KeySealer.Failure.self) { try old.open(tampered, keyID: old.currentKeyID, kid: "kid-1") }
        let rotatedKeyText = KeySealer.generateKeyText()
        #expect(throws: KeySealer.Failure.self) { try KeySealer(current: rotatedKeyText).open(sealed, keyID: old.currentKeyID, kid: "kid-1") }
        #expect(throws: KeySealer.Failure.self) { try KeySealer(current: "too-short") }
    }

    @Test("rotation by one replica: both keys in the JWKS, the old token still verifies, new tokens use the new key, replicas agree")
    func rotation() async throws {
        try await AuthServiceTests.withAuth(configure: { $0.keyCacheLifetime = .zero }) { client, database, configuration in
            _ = try await AuthServiceTests.signUp(client, email: "rotate-keys@example.com")
            let before = try await AuthServiceTests.login(client, email: "rotate-keys@example.com")
            let oldKid = try Self.kid(of: before.accessToken)

            // Another replica finds the key due and rotates it (a rotation interval of zero).
            let pool = try await configuration.database.open(service: "auth", migrations: embeddedSQLFiles, logger: TestLogging.logger("replica"))
            let ring = SigningKeyRing(
                store: AuthStore(pool: pool), sealer: try KeySealer(current: configuration.keyEncryptionKey),
                policy: KeyRotationPolicy(rotationInterval: .zero, maximumTokenLifetime: .seconds(900), cacheLifetime: .zero),
                logger: TestLogging.logger("replica")
            )
            let newKid = try #require(try await ring.rotateIfDue())
            #expect(newKid != oldKid)
            await pool.close()

            let jwks = try await client.auth("GetJWKS", Hexabase_Auth_V1_GetJWKSRequest(), as: Hexabase_Auth_V1_GetJWKSResponse.self)
            #expect(jwks.jwksJson.contains(oldKid) && jwks.jwksJson.contains(newKid))
            _ = try await client.auth("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, token: before.accessToken)
            let after = try await AuthServiceTests.login(client, email: "rotate-keys@example.com")
            #expect(try Self.kid(of: after.accessToken) == newKid, "the service signs with the key another replica created")
            let active = try await database.query("SELECT count(*) AS n FROM signing_keys WHERE retired_at IS NULL")
            #expect(try active.first?.decode(Int.self, column: "n") == 1)
            let plaintext = try await database.query("SELECT count(*) AS n FROM signing_keys WHERE private_key_pem IS NOT NULL")
            #expect(try plaintext.first?.decode(Int.self, column: "n") == 0)
        }
    }

    @Test("a plaintext key left by migration 0001 is sealed at start and keeps signing")
    func legacyKeyIsSealed() async throws {
        let nats = try await NATSTestServer.start()
        let database = try await TestDatabase.create(prefix: "auth")
        let configuration = AuthServiceTests.configuration(nats: nats.url, database: database)
        // The schema as the previous version left it: migration 1 and a plaintext key.
        let pool = PostgresPool(configuration: database.configuration(poolSize: 1))
        let legacyOnly = try Migration.parse(files: embeddedSQLFiles.filter { $0.name.hasPrefix("0001") })
        _ = try await Migrator(schema: database.schema, migrations: legacyOnly, logger: TestLogging.logger("migrate")).migrate(on: pool)
        let legacy = try SigningKey.generate()
        try await pool.execute("""
            INSERT INTO signing_keys (kid, private_key_pem, public_jwk) VALUES (\(legacy.kid), \(legacy.privateKeyPEM), \(legacy.publicJWK)::jsonb)
            """)
        await pool.close()
        let logger = TestLogging.logger("auth")
        let service = buildAuthService(configuration: configuration, logger: logger)
        try await withRunningService(service, logger: logger, isReady: { service.isReady }) { _ in
            let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: nats.url), logger: logger)
            let client = RPCClient(connection: connection)
            _ = try await AuthServiceTests.signUp(client, email: "legacy@example.com")
            let login = try await AuthServiceTests.login(client, email: "legacy@example.com")
            #expect(try Self.kid(of: login.accessToken) == legacy.kid)
            await connection.close()
        }
        let rows = try await database.query("SELECT private_key_pem IS NULL AS sealed FROM signing_keys WHERE kid = \(legacy.kid)")
        #expect(try rows.first?.decode(Bool.self, column: "sealed") == true)
        await nats.stop()
        try await database.drop()
    }

    static func kid(of token: String) throws -> String {
        let header = try #require(Base64URL.decode(String(token.split(separator: ".")[0])))
        let object = try #require(try JSONSerialization.jsonObject(with: header) as? [String: Any])
        return try #require(object["kid"] as? String)
    }
}
