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
            try await waitUntil("the service to become ready") {
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

/// A minimal HTTP/1.1 client for the operations endpoints (no proxies, no connection reuse).
public enum TestHTTP {
    public struct Response: Sendable {
        public let status: Int
        /// Header names lowercased.
        public let headers: [String: String]
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// `GET http://127.0.0.1:<port><path>`.
    public static func get(port: Int, path: String) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingGet(port: port, path: path) })
            }
        }
    }

    private static func blockingGet(port: Int, path: String) throws -> Response {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestHTTPError(message: "socket() failed: \(errno)") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = NATSTestServer.loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TestHTTPError(message: "could not connect to 127.0.0.1:\(port): \(errno)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw TestHTTPError(message: "send() failed: \(errno)") }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw TestHTTPError(message: "recv() failed: \(errno)") }
            received += buffer[0..<count]
        }
        return try parse(received)
    }

    private static func parse(_ bytes: [UInt8]) throws -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headerEnd = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw TestHTTPError(message: "no end of headers in the response")
        }
        let lines = String(decoding: bytes[..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw TestHTTPError(message: "malformed status line: \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(headerEnd + separator.count)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try dechunk(body)
        }
        return Response(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        let crlf: [UInt8] = [13, 10]
        while index < bytes.count {
            guard let lineEnd = bytes[index...].indices.first(where: { bytes[$0...].starts(with: crlf) }),
                  let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16)
            else { throw TestHTTPError(message: "malformed chunked body") }
            if size == 0 { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { throw TestHTTPError(message: "truncated chunk") }
            result += bytes[start..<(start + size)]
            index = start + size + 2
        }
        return result
    }
}

/// The test HTTP client failed.
public struct TestHTTPError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
