import Configuration
import Mail
import ServiceKit
import ServiceStore

/// Everything the auth process is configured with (docs/operations.md lists every key).
public struct AuthConfiguration: Sendable {
    public var service: ServiceSettings
    public var database: DatabaseSettings
    /// The token issuer (`iss`): the public base URL of the platform, e.g. `https://hexabase.example.com`.
    public var issuer: String
    /// The `aud` of platform access tokens.
    public var audience: String
    public var accessTokenLifetime: Duration
    public var idTokenLifetime: Duration
    /// Absolute lifetime of a session.
    public var sessionLifetime: Duration
    /// A refresh token unused for this long expires.
    public var refreshTokenLifetime: Duration
    /// Most active sessions per user; a new sign-in beyond it revokes the least recently used.
    public var maxSessionsPerUser: Int
    public var passwordHasher: PasswordHasher
    public var loginThrottle: LoginThrottle
    /// Base64 of the 32-byte key that seals signing keys, and earlier ones still accepted.
    public var keyEncryptionKey: String
    public var previousKeyEncryptionKeys: [String]
    public var keyRotationInterval: Duration
    /// How long a replica signs with the key it loaded before checking for a newer one.
    public var keyCacheLifetime: Duration = .seconds(10)
    /// Redirect URIs of the built-in `hexabase` client (the web UI and the CLI).
    public var platformRedirectURIs: [String]
    /// Confidential clients for services (client credentials): id → secret.
    public var serviceClients: [String: String]
    /// JSON array of upstream providers (see docs/operations.md).
    public var upstreamProvidersJSON: String
    /// Where mail goes (`mail.*`); nil: to the log.
    public var mail: MailSettings?

    public init(
        service: ServiceSettings, database: DatabaseSettings, issuer: String, keyEncryptionKey: String,
        audience: String = "hexabase", accessTokenLifetime: Duration = .seconds(900), idTokenLifetime: Duration = .seconds(900),
        sessionLifetime: Duration = .seconds(604_800), refreshTokenLifetime: Duration = .seconds(259_200), maxSessionsPerUser: Int = 3,
        passwordHasher: PasswordHasher = PasswordHasher(), loginThrottle: LoginThrottle = LoginThrottle(),
        previousKeyEncryptionKeys: [String] = [], keyRotationInterval: Duration = .seconds(2_592_000),
        platformRedirectURIs: [String] = ["http://localhost:8000", "http://localhost:18000"],
        serviceClients: [String: String] = [:], upstreamProvidersJSON: String = "[]"
    ) {
        self.service = service
        self.database = database
        self.issuer = issuer
        self.keyEncryptionKey = keyEncryptionKey
        self.audience = audience
        self.accessTokenLifetime = accessTokenLifetime
        self.idTokenLifetime = idTokenLifetime
        self.sessionLifetime = sessionLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.maxSessionsPerUser = maxSessionsPerUser
        self.passwordHasher = passwordHasher
        self.loginThrottle = loginThrottle
        self.previousKeyEncryptionKeys = previousKeyEncryptionKeys
        self.keyRotationInterval = keyRotationInterval
        self.platformRedirectURIs = platformRedirectURIs
        self.serviceClients = serviceClients
        self.upstreamProvidersJSON = upstreamProvidersJSON
    }

    /// Reads the `auth.*` and `mail.*` keys, `issuer`, and the shared service and database keys.
    public init(reading config: ConfigReader) throws {
        func seconds(_ key: String, _ fallback: Int) -> Duration { .seconds(config.int(forKey: ConfigKey(key), default: fallback)) }
        func list(_ key: String, _ fallback: String, isSecret: Bool = false) -> [String] {
            config.string(forKey: ConfigKey(key), isSecret: isSecret, default: fallback).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var serviceClients: [String: String] = [:]
        for pair in list("auth.service.clients", "", isSecret: true) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { serviceClients[String(parts[0])] = String(parts[1]) }
        }
        self.init(
            service: ServiceSettings(reading: config, service: "auth", defaultOpsPort: 9101),
            database: DatabaseSettings(reading: config, defaultSchema: "auth"),
            issuer: config.string(forKey: "issuer", default: "http://127.0.0.1:8080"),
            keyEncryptionKey: config.string(forKey: "auth.keys.encryption.key", isSecret: true, default: ""),
            accessTokenLifetime: seconds("auth.access.token.ttl.seconds", 900),
            idTokenLifetime: seconds("auth.id.token.ttl.seconds", 900),
            sessionLifetime: seconds("auth.session.ttl.seconds", 604_800),
            refreshTokenLifetime: seconds("auth.refresh.token.ttl.seconds", 259_200),
            maxSessionsPerUser: max(1, config.int(forKey: "auth.sessions.max.per.user", default: 3)),
            passwordHasher: PasswordHasher(
                memoryKiB: UInt32(clamping: config.int(forKey: "auth.argon2.memory.kib", default: 19_456)),
                iterations: UInt32(clamping: config.int(forKey: "auth.argon2.iterations", default: 2))
            ),
            loginThrottle: LoginThrottle(
                maxFailuresPerAccount: config.int(forKey: "auth.login.max.failures.per.account", default: 10),
                maxFailuresPerAddress: config.int(forKey: "auth.login.max.failures.per.address", default: 100),
                maxDeviceCodeFailuresPerSession: config.int(forKey: "auth.device.max.failures.per.session", default: 10),
                window: seconds("auth.login.failure.window.seconds", 900)
            ),
            previousKeyEncryptionKeys: list("auth.keys.encryption.previous", "", isSecret: true),
            keyRotationInterval: seconds("auth.keys.rotation.seconds", 2_592_000),
            platformRedirectURIs: list("auth.platform.redirect.uris", "http://localhost:8000,http://localhost:18000"),
            serviceClients: serviceClients,
            upstreamProvidersJSON: config.string(forKey: "auth.upstream.providers", isSecret: true, default: "[]")
        )
        mail = try MailSettings(reading: config)
    }
}
