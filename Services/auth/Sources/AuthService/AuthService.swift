import AuthKit
import Logging
import Prometheus
import ServiceKit
import ServiceStore
import Store

/// The auth service's description (ADR-32 name `auth`, subjects `hxb.auth.v1.*`).
public let authServiceDescription = ServiceDescription(
    name: "auth", version: "0.1.0", description: "Accounts, sessions and tokens; the platform's OIDC issuer."
)

/// Builds the auth process: used by `hxb-auth`'s `main` and by the tests.
public func buildAuthService(
    configuration: AuthConfiguration, logger: Logger, registry: PrometheusCollectorRegistry? = nil
) -> ServiceProcess {
    ServiceProcess(description: authServiceDescription, settings: configuration.service, logger: logger, registry: registry) { _ in
        let pool = try await configuration.database.open(service: "auth", migrations: embeddedSQLFiles, logger: logger)
        do {
            let store = AuthStore(pool: pool)
            let key = try await store.activeSigningKey { try SigningKey.generate() }
            let issuer = try await TokenIssuer(
                key: key, issuer: configuration.issuer, audience: configuration.audience,
                accessTokenLifetime: configuration.accessTokenLifetime
            )
            let verifier = TokenVerifier(
                source: StoreJWKSSource(store: store, retention: configuration.accessTokenLifetime + .seconds(60)),
                issuer: configuration.issuer, audience: configuration.audience, logger: logger
            )
            let api = AuthAPI(
                store: store, hasher: configuration.passwordHasher, issuer: issuer,
                decoyHash: try await configuration.passwordHasher.decoyHash(),
                sessionLifetime: configuration.sessionLifetime,
                jwksRetention: configuration.accessTokenLifetime + .seconds(60)
            )
            logger.info("signing key loaded", metadata: ["kid": "\(key.kid)"])
            return ServiceComponents(
                endpoints: api.endpoints,
                authenticator: verifier,
                readinessChecks: [ReadinessCheck("postgres") { await pool.ping() }],
                onShutdown: { await pool.close() }
            )
        } catch {
            await pool.close()
            throw error
        }
    }
}

/// The auth service reads its own keys from its own schema: no NATS round trip to itself.
struct StoreJWKSSource: JWKSSource {
    let store: AuthStore
    let retention: Duration

    func fetchJWKS() async throws -> String {
        SigningKey.jwks(try await store.publishedKeys(retention: retention))
    }
}
