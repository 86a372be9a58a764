import Foundation

/// How a process connects to NATS: servers, identity, TLS and reconnect policy.
///
/// The defaults suit a local `nats-server`; production adds TLS and credentials.
public struct NATSConfiguration: Sendable {
    /// Comma-separated server URLs, e.g. `nats://127.0.0.1:4222,nats://10.0.0.2:4222`.
    public var servers: String
    /// The client name shown by `nats-server` monitoring (`/connz`).
    public var name: String
    /// A `.creds` file (JWT + NKey seed) for decentralized auth, if any.
    public var credentialsFile: String?
    /// A plain token, if the server uses token auth.
    public var token: String?
    /// Require TLS (also implied by a `tls://` URL).
    public var tlsRequired: Bool
    /// PEM file with the CA certificates that sign the server certificate.
    public var tlsCAFile: String?
    /// PEM client certificate and key, for mutual TLS.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// How long one connection attempt may take.
    public var connectTimeout: Duration
    /// First reconnect delay; doubles per attempt up to `maxReconnectDelay`, with jitter.
    public var reconnectBaseDelay: Duration
    /// Upper bound of the reconnect delay.
    public var maxReconnectDelay: Duration
    /// How long a drain at shutdown may take before the connection is closed anyway.
    public var drainTimeout: Duration
    /// Dedicated threads of the connection's ``ThreadPoolExecutor`` (default: one per core).
    public var executorThreads: Int
    /// How often libnats retries a contended lock before sleeping. libnats's default (-1, i.e.
    /// 2000 spins) burns the CPU the lock holder needs on small machines: 0 measured ~20 %
    /// faster round trips on 2 cores. Process-wide; the first connection's value applies.
    public var lockSpinCount: Int64

    /// Creates a configuration; only `servers` is required.
    public init(
        servers: String = "nats://127.0.0.1:4222",
        name: String = "hxb",
        credentialsFile: String? = nil,
        token: String? = nil,
        tlsRequired: Bool = false,
        tlsCAFile: String? = nil,
        tlsCertificateFile: String? = nil,
        tlsKeyFile: String? = nil,
        connectTimeout: Duration = .seconds(2),
        reconnectBaseDelay: Duration = .milliseconds(100),
        maxReconnectDelay: Duration = .seconds(5),
        drainTimeout: Duration = .seconds(30),
        executorThreads: Int = ProcessInfo.processInfo.activeProcessorCount,
        lockSpinCount: Int64 = 0
    ) {
        self.executorThreads = executorThreads
        self.lockSpinCount = lockSpinCount
        self.servers = servers
        self.name = name
        self.credentialsFile = credentialsFile
        self.token = token
        self.tlsRequired = tlsRequired
        self.tlsCAFile = tlsCAFile
        self.tlsCertificateFile = tlsCertificateFile
        self.tlsKeyFile = tlsKeyFile
        self.connectTimeout = connectTimeout
        self.reconnectBaseDelay = reconnectBaseDelay
        self.maxReconnectDelay = maxReconnectDelay
        self.drainTimeout = drainTimeout
    }
}
