import Configuration
import ServiceKit
import ServiceStore

/// Everything the auth process is configured with.
public struct AuthConfiguration: Sendable {
    public var service: ServiceSettings
    public var database: DatabaseSettings
    /// The token issuer (`iss`): the public base URL of the platform, e.g. `https://hexabase.example.com`.
    public var issuer: String
    /// The `aud` of platform access tokens.
    public var audience: String
    public var accessTokenLifetime: Duration
    public var sessionLifetime: Duration
    public var passwordHasher: PasswordHasher

    public init(
        service: ServiceSettings, database: DatabaseSettings, issuer: String, audience: String = "hexabase",
        accessTokenLifetime: Duration = .seconds(900), sessionLifetime: Duration = .seconds(86_400),
        passwordHasher: PasswordHasher = PasswordHasher()
    ) {
        self.service = service
        self.database = database
        self.issuer = issuer
        self.audience = audience
        self.accessTokenLifetime = accessTokenLifetime
        self.sessionLifetime = sessionLifetime
        self.passwordHasher = passwordHasher
    }

    /// Reads `issuer`, `auth.access.token.ttl.seconds`, `auth.session.ttl.seconds`,
    /// `auth.argon2.memory.kib`, `auth.argon2.iterations` besides the shared keys.
    public init(reading config: ConfigReader) {
        self.init(
            service: ServiceSettings(reading: config, service: "auth", defaultOpsPort: 9101),
            database: DatabaseSettings(reading: config, defaultSchema: "auth"),
            issuer: config.string(forKey: "issuer", default: "http://127.0.0.1:8080"),
            accessTokenLifetime: .seconds(config.int(forKey: "auth.access.token.ttl.seconds", default: 900)),
            sessionLifetime: .seconds(config.int(forKey: "auth.session.ttl.seconds", default: 86_400)),
            passwordHasher: PasswordHasher(
                memoryKiB: UInt32(clamping: config.int(forKey: "auth.argon2.memory.kib", default: 19_456)),
                iterations: UInt32(clamping: config.int(forKey: "auth.argon2.iterations", default: 2))
            )
        )
    }
}
