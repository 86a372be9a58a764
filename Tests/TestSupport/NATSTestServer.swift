import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private `nats-server` process for tests that must control the server (stop it, restart it)
/// and so cannot share the harness's server.
///
/// The binary is `HXB_TEST_NATS_SERVER`, else `/usr/bin/nats-server`, else `/usr/sbin/nats-server`.
/// The server listens on 127.0.0.1 on a free port, which ``restart()`` reuses, with JetStream on
/// (its store in a temporary folder that survives restarts and is removed with the server).
public final class NATSTestServer: Sendable {
    /// The client port.
    public let port: Int
    /// `nats://127.0.0.1:<port>`.
    public var url: String { "nats://127.0.0.1:\(port)" }

    private let executable: String
    private let storeDirectory: String
    private let process = Mutex<Process?>(nil)

    /// Starts a server on a free port and returns once it accepts TCP connections.
    public static func start() async throws -> NATSTestServer {
        var lastError: (any Error)?
        // A port found free may be taken by someone else before the server binds it: retry.
        for _ in 0..<5 {
            let server = NATSTestServer(port: try freeTCPPort(), executable: try executablePath())
            do {
                try await server.launch()
                return server
            } catch {
                await server.stop()
                lastError = error
            }
        }
        throw lastError ?? NATSTestServerError(message: "could not start nats-server")
    }

    private init(port: Int, executable: String) {
        self.port = port
        self.executable = executable
        storeDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nats-js-\(port)-\(UUID().uuidString)").path
    }

    deinit {
        process.withLock { $0?.terminate() }
        try? FileManager.default.removeItem(atPath: storeDirectory)
    }

    /// Stops the server (SIGTERM, then SIGKILL if it lingers) and waits until it has exited.
    public func stop() async {
        guard let child = process.withLock({ running in
            defer { running = nil }
            return running
        }) else { return }
        if child.isRunning { child.terminate() }
        for _ in 0..<500 where child.isRunning {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if child.isRunning {
            kill(child.processIdentifier, SIGKILL)
            while child.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        }
    }

    /// Starts the server again on the same port (after ``stop()``).
    public func restart() async throws {
        await stop()
        // The old listening socket may take a moment to be released.
        var lastError: (any Error)?
        for _ in 0..<20 {
            do {
                try await launch()
                return
            } catch {
                lastError = error
                await stop()
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        throw lastError ?? NATSTestServerError(message: "could not restart nats-server on port \(port)")
    }

    private func launch() async throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDirectory]
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        process.withLock { $0 = child }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            guard child.isRunning else {
                throw NATSTestServerError(message: "nats-server exited with status \(child.terminationStatus) while starting on port \(port)")
            }
            // Its own socket: someone else may hold the port while our server fails to bind it.
            if ListeningSocket.isListening(pid: child.processIdentifier, port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw NATSTestServerError(message: "nats-server did not accept connections on port \(port) within 15 s")
    }

    private static func executablePath() throws -> String {
        var candidates = ["/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"]
        if let configured = ProcessInfo.processInfo.environment["HXB_TEST_NATS_SERVER"], !configured.isEmpty {
            candidates.insert(configured, at: 0)
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw NATSTestServerError(message: "nats-server not found: set HXB_TEST_NATS_SERVER (run the tests with `make test`)")
        }
        return found
    }

    /// A TCP port that was free a moment ago (bound to port 0 and released).
    public static func freeTCPPort() throws -> Int {
        let (socketDescriptor, port) = try boundLoopbackSocket()
        close(socketDescriptor)
        return port
    }

    /// A socket listening on a free loopback port, and the port: what another server that took
    /// a port first looks like (tests of the harness). Close the socket when done.
    public static func listeningLoopbackSocket() throws -> (socket: Int32, port: Int) {
        let (socketDescriptor, port) = try boundLoopbackSocket()
        guard listen(socketDescriptor, 16) == 0 else {
            close(socketDescriptor)
            throw NATSTestServerError(message: "listen() failed: \(errno)")
        }
        return (socketDescriptor, port)
    }

    /// A socket bound to 127.0.0.1 on a port the system picked, and that port.
    private static func boundLoopbackSocket() throws -> (Int32, Int) {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw NATSTestServerError(message: "socket() failed: \(errno)") }
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = bound == 0 && withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(socketDescriptor, $0, &length)
            }
        } == 0
        guard named else {
            let error = errno
            close(socketDescriptor)
            throw NATSTestServerError(message: "binding a loopback socket failed: \(error)")
        }
        return (socketDescriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// True when something accepts a TCP connection on 127.0.0.1:`port`.
    public static func acceptsConnections(port: Int) -> Bool {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { return false }
        defer { close(socketDescriptor) }
        var address = loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return connected == 0
    }

    static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// A private nats-server could not be started.
public struct NATSTestServerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
