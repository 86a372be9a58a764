import Configuration
import Foundation
import Logging

/// Settings every service process shares, read from configuration (flags, then `HXB_*`
/// environment variables, then an optional JSON file; see ``ConfigurationLoader``).
public struct ServiceSettings: Sendable {
    public var nats: NATSConfiguration
    /// Address of the operations HTTP server (`/healthz`, `/readyz`, `/metrics`); port 0 picks a free one.
    public var opsHost: String
    public var opsPort: Int
    public var logLevel: Logger.Level
    /// Requests handled at once by this process.
    public var maxInFlight: Int
    /// How long graceful shutdown may take in total before the process gives up waiting.
    public var shutdownTimeout: Duration
    /// How the process's logs are shipped to the logging service (when its logger ships, see
    /// ``ProcessMain/bootstrap(service:level:)``).
    public var logShipping: LogShipper.Configuration

    public init(
        nats: NATSConfiguration = NATSConfiguration(), opsHost: String = "127.0.0.1", opsPort: Int = 0,
        logLevel: Logger.Level = .info, maxInFlight: Int = 64, shutdownTimeout: Duration = .seconds(30),
        logShipping: LogShipper.Configuration = LogShipper.Configuration()
    ) {
        self.nats = nats
        self.opsHost = opsHost
        self.opsPort = opsPort
        self.logLevel = logLevel
        self.maxInFlight = maxInFlight
        self.shutdownTimeout = shutdownTimeout
        self.logShipping = logShipping
    }

    /// Reads the shared keys: `nats.url`, `nats.creds`, `nats.token`, `nats.tls.required`,
    /// `nats.tls.ca`, `nats.tls.cert`, `nats.tls.key`, `nats.executor.threads`, `nats.lock.spin`, `ops.host`,
    /// `ops.port`, `log.level`, `rpc.max.in.flight`, `shutdown.timeout.seconds`, and the
    /// `log.ship.*` keys of ``LogShipper/Configuration/init(reading:)``.
    public init(reading config: ConfigReader, service: String, defaultOpsPort: Int) {
        nats = NATSConfiguration(
            servers: config.string(forKey: "nats.url", default: "nats://127.0.0.1:4222"),
            name: "hxb-\(service)",
            credentialsFile: config.string(forKey: "nats.creds"),
            token: config.string(forKey: "nats.token", isSecret: true),
            tlsRequired: config.bool(forKey: "nats.tls.required", default: false),
            tlsCAFile: config.string(forKey: "nats.tls.ca"),
            tlsCertificateFile: config.string(forKey: "nats.tls.cert"),
            tlsKeyFile: config.string(forKey: "nats.tls.key"),
            executorThreads: config.int(forKey: "nats.executor.threads", default: ProcessInfo.processInfo.activeProcessorCount),
            lockSpinCount: Int64(config.int(forKey: "nats.lock.spin", default: 0))
        )
        opsHost = config.string(forKey: "ops.host", default: "127.0.0.1")
        opsPort = config.int(forKey: "ops.port", default: defaultOpsPort)
        logLevel = Logger.Level(rawValue: config.string(forKey: "log.level", default: "info").lowercased()) ?? .info
        maxInFlight = config.int(forKey: "rpc.max.in.flight", default: 64)
        shutdownTimeout = .seconds(config.int(forKey: "shutdown.timeout.seconds", default: 30))
        logShipping = LogShipper.Configuration(reading: config)
    }
}

/// Builds the configuration reader of a process: command-line flags (`--nats-url …`) win over
/// `HXB_*` environment variables (`HXB_NATS_URL`), which win over a JSON file named by
/// `--config-file` or `HXB_CONFIG_FILE` (keys nested: `{"nats": {"url": …}}`).
public enum ConfigurationLoader {
    public static func load(
        arguments: [String] = CommandLine.arguments,
        environment: [String: String]? = nil
    ) async throws -> ConfigReader {
        let flags = CommandLineArgumentsProvider(arguments: arguments)
        let environmentProvider = (environment.map { EnvironmentVariablesProvider(environmentVariables: $0) } ?? EnvironmentVariablesProvider())
            .prefixKeys(with: "hxb")
        var providers: [any ConfigProvider] = [flags, environmentProvider]
        let bootstrap = ConfigReader(providers: providers)
        if let file = bootstrap.string(forKey: "config.file") {
            providers.append(try await FileProvider<JSONSnapshot>(filePath: .init(file)))
        }
        return ConfigReader(providers: providers)
    }
}
