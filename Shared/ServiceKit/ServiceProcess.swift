import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// What a service contributes to its process once NATS is connected.
public struct ServiceComponents: Sendable {
    /// The RPC endpoints, served on `hxb.<service>.v1.<name>`.
    public var endpoints: [Endpoint]
    /// Verifies bearer tokens for ``RequestContext/identity()``.
    public var authenticator: (any RequestAuthenticator)?
    /// Extra readiness checks (e.g. Postgres); NATS and the subscriptions are always checked.
    public var readinessChecks: [ReadinessCheck]
    /// Long-lived components started with the RPC server (HTTP servers, workers).
    public var services: [any Service]
    /// Runs after the RPC server and `services` stopped, before NATS closes (close pools here).
    public var onShutdown: @Sendable () async -> Void

    public init(
        endpoints: [Endpoint] = [], authenticator: (any RequestAuthenticator)? = nil,
        readinessChecks: [ReadinessCheck] = [], services: [any Service] = [],
        onShutdown: @escaping @Sendable () async -> Void = {}
    ) {
        self.endpoints = endpoints
        self.authenticator = authenticator
        self.readinessChecks = readinessChecks
        self.services = services
        self.onShutdown = onShutdown
    }
}

/// One service process: the operations HTTP server, the NATS connection, the service's own
/// set-up (database, migrations, handlers), the RPC server with ADR-32, and an orderly
/// shutdown (stop intake, finish in-flight requests, stop workers, close pools, drain NATS).
///
/// Run it in a `ServiceGroup`, which turns SIGTERM/SIGINT into a graceful shutdown.
public final class ServiceProcess: Service, Sendable {
    public let description: ServiceDescription
    public let settings: ServiceSettings
    /// The ADR-32 instance id of this process.
    public let instanceID = RPCServer.makeInstanceID()
    private let logger: Logger
    private let registry: PrometheusCollectorRegistry?
    private let setUp: @Sendable (NATSConnection) async throws -> ServiceComponents
    private let state = Mutex(State())

    private struct State {
        var checks: [ReadinessCheck] = []
        var opsPort: Int?
        var ready = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var portWaiters: [CheckedContinuation<Int, Never>] = []
    }

    /// - Parameters:
    ///   - registry: where `/metrics` reads from (the registry bootstrapped into swift-metrics).
    ///   - setUp: called once NATS is connected; opens the database, migrates, builds handlers.
    public init(
        description: ServiceDescription, settings: ServiceSettings, logger: Logger,
        registry: PrometheusCollectorRegistry?,
        setUp: @escaping @Sendable (NATSConnection) async throws -> ServiceComponents
    ) {
        self.description = description
        self.settings = settings
        self.logger = logger
        self.registry = registry
        self.setUp = setUp
    }

    public func run() async throws {
        let router = OperationsServer.makeRouter(checks: { [self] in state.withLock { $0.checks } }, registry: registry)
        let operations = Application(
            router: router,
            configuration: .init(address: .hostname(settings.opsHost, port: settings.opsPort), serverName: "hxb-\(description.name)"),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? 0
                let waiters = state.withLock { state in
                    state.opsPort = port
                    defer { state.portWaiters = [] }
                    return state.portWaiters
                }
                for waiter in waiters { waiter.resume(returning: port) }
            },
            logger: logger
        )
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await operations.run() }
            group.addTask { try await self.runMessaging() }
        }
    }

    private func runMessaging() async throws {
        let connection = try await cancelWhenGracefulShutdown {
            try await NATSConnection.connect(configuration: self.settings.nats, logger: self.logger)
        }
        do {
            try await withLogShipping(on: connection) { try await self.serve(on: connection) }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    /// Runs `body` while the logger's ``LogShipper`` (when its handler is a
    /// ``JSONLogHandler`` with one) sends the process's logs over `connection`; when `body` ends,
    /// the shipper flushes once (bounded by its flush timeout), before NATS closes.
    private func withLogShipping(on connection: NATSConnection, _ body: () async throws -> Void) async throws {
        guard let shipper = (logger.handler as? JSONLogHandler)?.shipper else {
            try await body()
            return
        }
        let configuration = settings.logShipping
        // A failed body still lets the shipper flush (e.g. the line saying why set-up failed).
        let outcome = await withDiscardingTaskGroup { group -> Result<Void, any Error> in
            group.addTask { await shipper.run(connection: connection, configuration: configuration) }
            defer { shipper.finish() }
            do {
                try await body()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
    }

    /// Sets the service up on `connection` and serves until graceful shutdown.
    private func serve(on connection: NATSConnection) async throws {
        let components: ServiceComponents
        do {
            components = try await setUp(connection)
        } catch {
            logger.critical("service set-up failed", metadata: ["error": "\(error)"])
            throw error
        }
        let server = RPCServer(
            description: description, endpoints: components.endpoints, connection: connection,
            authenticator: components.authenticator, maxInFlight: settings.maxInFlight,
            drainTimeout: settings.shutdownTimeout, instanceID: instanceID, logger: logger
        )
        state.withLock { state in
            state.checks = [
                ReadinessCheck("nats") { connection.isConnected },
                ReadinessCheck("rpc") { server.isReady },
            ] + components.readinessChecks
        }
        do {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.run() }
                for service in components.services {
                    group.addTask { try await service.run() }
                }
                group.addTask { [self] in
                    while !server.isReady { try await Task.sleep(for: .milliseconds(5)) }
                    markReady()
                }
            }
        } catch {
            await components.onShutdown()
            throw error
        }
        await components.onShutdown()
        logger.info("shut down cleanly")
    }

    private func markReady() {
        let waiters = state.withLock { state in
            state.ready = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// True once the RPC server is subscribed and serving.
    public var isReady: Bool { state.withLock { $0.ready } }

    /// Returns once the RPC server is subscribed (used by tests and benchmarks).
    public func waitUntilReady() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.ready { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// The bound port of the operations server (useful when configured with port 0).
    public func operationsPort() async -> Int {
        await withCheckedContinuation { continuation in
            let port = state.withLock { state -> Int? in
                if let port = state.opsPort { return port }
                state.portWaiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }
}
