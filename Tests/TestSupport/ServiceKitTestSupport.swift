import Dispatch
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The harness's nats-server (`HXB_TEST_NATS_URL`) and connections to it.
public enum TestNATS {
    /// The URL of the harness's server; throws a clear error when `HXB_TEST_NATS_URL` is missing.
    public static func url() throws -> String {
        try TestEnvironment.natsURL()
    }

    /// Connects to `url` (default: the harness's server) with one attempt, so a missing server
    /// fails the test instead of retrying forever.
    public static func connect(
        url: String? = nil, name: String = "hxb-test",
        reconnectBaseDelay: Duration = .milliseconds(50), maxReconnectDelay: Duration = .milliseconds(500)
    ) async throws -> NATSConnection {
        let configuration = NATSConfiguration(
            servers: try url ?? Self.url(), name: name,
            reconnectBaseDelay: reconnectBaseDelay, maxReconnectDelay: maxReconnectDelay,
            drainTimeout: .seconds(10)
        )
        return try await NATSConnection.connectOnce(configuration: configuration, logger: TestLogging.logger("nats"))
    }

    /// A service name no other test uses, so parallel tests never share subjects.
    public static func uniqueServiceName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Starts a private nats-server (JetStream on, see ``NATSTestServer``), runs `body` with a
/// connection to it, then closes the connection and stops the server, also when `body` throws.
public func withPrivateNATS<Result>(
    name: String = "hxb-test", _ body: (NATSConnection, NATSTestServer) async throws -> Result
) async throws -> Result {
    let server = try await NATSTestServer.start()
    let connection: NATSConnection
    do {
        connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: server.url, name: name), logger: TestLogging.logger("nats"))
    } catch {
        await server.stop()
        throw error
    }
    do {
        let result = try await body(connection, server)
        await connection.close()
        await server.stop()
        return result
    } catch {
        await connection.close()
        await server.stop()
        throw error
    }
}

/// Loggers for tests: silent unless `HXB_TEST_LOG` names a level (e.g. `debug`).
public enum TestLogging {
    public static func logger(_ label: String) -> Logger {
        guard let levelName = ProcessInfo.processInfo.environment["HXB_TEST_LOG"],
              let level = Logger.Level(rawValue: levelName.lowercased())
        else {
            return Logger(label: "hexabase.test.\(label)", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        var logger = Logger(label: "hexabase.test.\(label)", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = level
        return logger
    }
}

/// A service running in its own `ServiceGroup` (no signal handling), for tests.
public struct RunningService: Sendable {
    let group: ServiceGroup

    /// Triggers graceful shutdown (idempotent); ``withRunningService(_:logger:isReady:_:)`` waits for the end.
    public func triggerGracefulShutdown() async {
        await group.triggerGracefulShutdown()
    }
}

/// A test condition that did not become true in time.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public init(_ what: String) { self.what = what }
    public var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds; throws ``TimedOut`` after `timeout` (a generous bound, not a
/// measurement).
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(20), interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what) }
        try await Task.sleep(for: interval)
    }
}

/// The result of `operation`, or ``TimedOut`` after `timeout` even when `operation` ignores
/// cancellation (for waits that cannot be cancelled, such as a continuation nobody resumes).
public func withTimeout<Value: Sendable>(
    _ what: String, _ timeout: Duration = .seconds(20),
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let pending = ResumeOnce<Value>()
    return try await withCheckedThrowingContinuation { continuation in
        pending.set(continuation)
        let worker = Task {
            let result: Swift.Result<Value, any Error>
            do {
                result = .success(try await operation())
            } catch {
                result = .failure(error)
            }
            pending.take()?.resume(with: result)
        }
        Task {
            try? await Task.sleep(for: timeout)
            if let waiting = pending.take() {
                worker.cancel()
                waiting.resume(throwing: TimedOut(what))
            }
        }
    }
}

/// A continuation that exactly one of several racers resumes.
private final class ResumeOnce<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, any Error>?>(nil)

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    func take() -> CheckedContinuation<Value, any Error>? {
        continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
    }
}

/// The service returned before it became ready.
public struct ServiceEndedEarly: Error, CustomStringConvertible {
    public var description: String { "the service returned before it became ready" }
}

private final class EndFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// Runs `service` in a `ServiceGroup`, waits until `isReady()` holds, runs `body`, then shuts the
/// group down gracefully and waits until the service has returned (also when `body` throws).
/// A service that fails while `body` runs makes this throw its error.
public func withRunningService<Result>(
    _ service: some Service, logger: Logger,
    isReady: @escaping @Sendable () async -> Bool,
    _ body: (RunningService) async throws -> Result
) async throws -> Result {
    let group = ServiceGroup(configuration: .init(
        services: [.init(service: service)], gracefulShutdownSignals: [], logger: logger
    ))
    let running = RunningService(group: group)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        let ended = EndFlag()
        tasks.addTask {
            defer { ended.set() }
            try await group.run()
        }
        do {
            try await waitUntil("the service to become ready", timeout: .seconds(60)) {
                if ended.isSet {
                    // Report why the service stopped rather than a readiness timeout.
                    try await tasks.next()
                    throw ServiceEndedEarly()
                }
                return await isReady()
            }
            let result = try await body(running)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// Runs an RPC server until `body` returns (see ``withRunningService(_:logger:isReady:_:)``).
public func withRunningServer<Result>(
    _ server: RPCServer, logger: Logger = TestLogging.logger("rpc"),
    _ body: (RunningService) async throws -> Result
) async throws -> Result {
    try await withRunningService(server, logger: logger, isReady: { server.isReady }, body)
}

extension ServiceProcess {
    /// A stand-in for another service in tests (one that comes with its own issue, or a
    /// controllable auth): `name`'s `endpoints` on the server at `nats`, no ops port.
    public static func standIn(name: String, nats: String, endpoints: [Endpoint]) -> ServiceProcess {
        ServiceProcess(
            description: ServiceDescription(name: name, version: "0.0.0-test", description: "stand-in"),
            settings: ServiceSettings(nats: NATSConfiguration(servers: nats), opsPort: 0),
            logger: TestLogging.logger(name), registry: nil
        ) { _ in
            ServiceComponents(endpoints: endpoints)
        }
    }
}
