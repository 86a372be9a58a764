import AuthKit
import Foundation
import HTTPClientKit
import Mail
import Logging
import Prometheus
import ServiceKit
import ServiceStore
import Store

/// The auth service's description (ADR-32 name `auth`, subjects `hxb.auth.v1.*`).
public let authServiceDescription = ServiceDescription(
    name: "auth", version: "0.2.0", description: "Accounts, sessions and tokens; the platform's OIDC provider."
)

/// Builds the auth process: used by `hxb-auth`'s `main` and by the tests.
///
/// `mailSender` replaces the configured mail delivery (tests capture mails with it).
public func buildAuthService(
    configuration: AuthConfiguration, logger: Logger, registry: PrometheusCollectorRegistry? = nil,
    mailSender: (any MailSender)? = nil
) -> ServiceProcess {
    ServiceProcess(description: authServiceDescription, settings: configuration.service, logger: logger, registry: registry) { connection in
        let sealer = try KeySealer(current: configuration.keyEncryptionKey, previous: configuration.previousKeyEncryptionKeys)
        let upstream = try UpstreamProviderConfiguration.makeProviders(
            try UpstreamProviderConfiguration.load(json: configuration.upstreamProvidersJSON),
            httpClient: CurlHTTPClient(), logger: logger
        )
        let pool = try await configuration.database.open(service: "auth", migrations: embeddedSQLFiles, logger: logger)
        do {
            let store = AuthStore(pool: pool)
            let keys = SigningKeyRing(
                store: store, sealer: sealer,
                policy: KeyRotationPolicy(
                    rotationInterval: configuration.keyRotationInterval,
                    maximumTokenLifetime: max(configuration.accessTokenLifetime, configuration.idTokenLifetime),
                    cacheLifetime: configuration.keyCacheLifetime
                ),
                logger: logger
            )
            let audit = AuditTrail(store: store)
            if let kid = try await keys.rotateIfDue() {
                await audit.record(AuditEvent(action: "auth.key.rotate", outcome: .success, initiatedBy: .service, subject: kid), .service(logger: logger))
            }
            let kid = try await keys.signer().kid
            let issuer = TokenIssuer(
                keys: keys, issuer: configuration.issuer, audience: configuration.audience,
                accessTokenLifetime: configuration.accessTokenLifetime, idTokenLifetime: configuration.idTokenLifetime
            )
            let verifier = TokenVerifier(
                source: KeyRingJWKSSource(keys: keys), issuer: configuration.issuer, audience: configuration.audience, logger: logger
            )
            let accounts = AccountService(
                store: store, hasher: configuration.passwordHasher, decoyHash: try await configuration.passwordHasher.decoyHash(),
                throttle: configuration.loginThrottle, audit: audit, publicURL: configuration.issuer
            )
            let sessions = SessionService(
                store: store, issuer: issuer, audit: audit,
                groups: NATSGroupDirectory(client: RPCClient(connection: connection), issuer: issuer),
                sessionLifetime: configuration.sessionLifetime, refreshTokenLifetime: configuration.refreshTokenLifetime,
                sessionLimit: configuration.maxSessionsPerUser
            )
            let clients = ClientRegistry(store: store, audit: audit)
            let platformClient = try await ConfiguredClients(configuration: configuration).write(to: store)
            let provider = OIDCProvider(
                settings: OIDCProvider.Settings(issuer: configuration.issuer), store: store, accounts: accounts, sessions: sessions,
                clients: clients, keys: keys, verifier: verifier, upstream: upstream
            )
            let api = AuthAPI(
                store: store, accounts: accounts, sessions: sessions, clients: clients, keys: keys, provider: provider,
                platformClient: platformClient
            )
            let from = try configuration.mail?.from ?? MailAddress(parsing: MailSettings.defaultFrom)
            let mail: any MailSender = mailSender ?? MailerSender(
                mailer: configuration.mail?.makeMailer(logger: logger) ?? LogMailer(logger: logger), from: from
            )
            // Events go to JetStream (HXB_EVENTS) with the event id as dedup id, audit records to
            // HXB_LOGS with the record id; mails to the sender.
            let relay = OutboxRelay.events(
                pool: pool, logger: logger, publisher: try EventPublisher(connection: connection),
                audit: try EventPublisher(connection: connection, stream: .logs), otherKinds: mail.deliver
            )
            logger.info("signing key ready", metadata: ["kid": "\(kid)"])
            return ServiceComponents(
                endpoints: api.endpoints,
                authenticator: verifier,
                readinessChecks: [ReadinessCheck("postgres") { await pool.ping() }],
                services: [
                    PeriodicJob(name: "outbox", interval: .seconds(1), logger: logger) { try await relay.runOnce() },
                    PeriodicJob(name: "maintenance", interval: .seconds(60), logger: logger) {
                        if let kid = try await keys.rotateIfDue() {
                            await audit.record(AuditEvent(action: "auth.key.rotate", outcome: .success, initiatedBy: .service, subject: kid), .service(logger: logger))
                        }
                        _ = try await store.deleteExpired()
                        try await relay.deleteSent(olderThan: .seconds(24 * 3600))
                    },
                ],
                onShutdown: { await pool.close() }
            )
        } catch {
            await pool.close()
            throw error
        }
    }
}

/// The auth service reads its own keys from its own schema: no NATS round trip to itself.
struct KeyRingJWKSSource: JWKSSource {
    let keys: SigningKeyRing

    func fetchJWKS() async throws -> String {
        try await keys.jwks()
    }
}

/// The clients that come from configuration, written at every start: the platform's own
/// public client and the services' confidential ones.
struct ConfiguredClients: Sendable {
    let configuration: AuthConfiguration

    /// Writes the clients; returns the platform client.
    func write(to store: AuthStore) async throws -> OAuthClient {
        let platform = OAuthClient(
            id: SessionService.platformClientID, name: "Hexabase", kind: .public, redirectURIs: configuration.platformRedirectURIs,
            grantTypes: [.authorizationCode, .refreshToken, .deviceCode], workspaceID: nil, createdAt: AuthClock.now()
        )
        try await store.insertClient(platform, secretHash: nil, createdBy: "configuration", replacing: true)
        for (id, secret) in configuration.serviceClients.sorted(by: { $0.key < $1.key }) {
            let client = OAuthClient(
                id: id, name: "service \(id)", kind: .confidential, redirectURIs: [], grantTypes: [.clientCredentials],
                workspaceID: nil, createdAt: AuthClock.now()
            )
            try await store.insertClient(client, secretHash: OpaqueToken.hash(secret), createdBy: "configuration", replacing: true)
        }
        return platform
    }
}
