import Configuration
import ServiceKit

/// Everything the edge process is configured with.
public struct EdgeConfiguration: Sendable {
    public var service: ServiceSettings
    /// Where the public HTTP server listens (port 0 picks a free one).
    public var host: String
    public var port: Int
    /// The token issuer and audience the edge accepts (must match auth's).
    public var issuer: String
    public var audience: String
    /// Services whose `$SRV.PING` must answer for `/readyz` to be green, by process name
    /// (`logging`) or ADR-32 name (`logs`); see ``serviceName(of:)``.
    public var requiredServices: [String]
    /// How long one REST call may wait for its service.
    public var requestTimeout: Duration
    /// Largest accepted request body (NATS's default max payload is 1 MiB).
    public var maxBodyBytes: Int

    public init(
        service: ServiceSettings, host: String = "127.0.0.1", port: Int = 8080, issuer: String,
        audience: String = "hexabase", requiredServices: [String] = ["auth", "workspace"],
        requestTimeout: Duration = .seconds(10), maxBodyBytes: Int = 512 * 1024
    ) {
        self.service = service
        self.host = host
        self.port = port
        self.issuer = issuer
        self.audience = audience
        self.requiredServices = requiredServices
        self.requestTimeout = requestTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// Reads `edge.host`, `edge.port`, `edge.services`, `edge.request.timeout.ms`,
    /// `edge.max.body.bytes` and `issuer` besides the shared keys.
    public init(reading config: ConfigReader) {
        self.init(
            service: ServiceSettings(reading: config, service: "edge", defaultOpsPort: 9100),
            host: config.string(forKey: "edge.host", default: "127.0.0.1"),
            port: config.int(forKey: "edge.port", default: 8080),
            issuer: config.string(forKey: "issuer", default: "http://127.0.0.1:8080"),
            requiredServices: config.string(forKey: "edge.services", default: "auth,workspace")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            requestTimeout: .milliseconds(config.int(forKey: "edge.request.timeout.ms", default: 10_000)),
            maxBodyBytes: config.int(forKey: "edge.max.body.bytes", default: 512 * 1024)
        )
    }

    /// The ADR-32 names of the services whose process is named otherwise: `hxb-logging` is the
    /// `logs` service (subjects `hxb.logs.v1.*`), so `make run`'s service list (process names)
    /// can be given as it is.
    static let serviceNames: [String: String] = ["logging": "logs"]

    /// The ADR-32 name to ping (`$SRV.PING.<name>`) for an entry of ``requiredServices``.
    public static func serviceName(of service: String) -> String {
        serviceNames[service] ?? service
    }
}
