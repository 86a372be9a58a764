import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Python HTTP server run as a child process for interoperability tests: a real third-party
/// server from PyPI (e.g. `oidc-provider-mock`) or a stand-in script from `Tests/Fixtures/`.
///
/// The interpreter is `HXB_TEST_PYTHON`, else `python3` on `PATH`. Required modules are checked
/// first, so a missing package fails the test with a message saying how to install it (the
/// harness, `make test`, installs `scripts/requirements-test.txt`). The server listens on
/// 127.0.0.1 on a free port; its output goes to a log file that ``output`` returns.
public final class PythonServer: Sendable {
    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Where its standard output and error go.
    public let logURL: URL
    private let process: Mutex<Process?>

    /// Starts `python3 <arguments(port)>` and returns once it listens on the port (its own
    /// socket, not another server's that took the port first; then another port is tried).
    /// `requiredModules` are imported first; `name` names the log file and error messages;
    /// `firstPort` is the port tried first (tests of this type), else a free one.
    public static func start(
        _ name: String, requiredModules: [String] = [], firstPort: Int? = nil, arguments: (Int) -> [String]
    ) async throws -> PythonServer {
        let python = try interpreter()
        for module in requiredModules {
            try await requireModule(module, python: python)
        }
        var lastError: (any Error)?
        // A port found free may be taken before the server binds it: retry with another.
        for attempt in 0..<3 {
            let port = try (attempt == 0 ? firstPort : nil) ?? NATSTestServer.freeTCPPort()
            let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(port)-\(UUID().uuidString.prefix(8)).log")
            let server = try PythonServer(python: python, arguments: arguments(port), port: port, logURL: logURL)
            do {
                try await server.waitUntilListening(name: name)
                return server
            } catch {
                await server.stop()
                lastError = error
            }
        }
        throw lastError ?? PythonServerError("\(name) did not start")
    }

    /// The path of `Tests/Fixtures/<file>` in this source tree.
    public static func fixture(_ file: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(file).path
    }

    private init(python: String, arguments: [String], port: Int, logURL: URL) throws {
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: python)
        child.arguments = arguments
        child.environment = ProcessInfo.processInfo.environment.merging(["PYTHONUNBUFFERED": "1", "NO_COLOR": "1"]) { _, new in new }
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = log
        child.standardError = log
        try child.run()
        self.port = port
        self.logURL = logURL
        self.process = Mutex(child)
    }

    deinit {
        process.withLock { child in
            if let child, child.isRunning { ProcessTree.killAll(child.processIdentifier) }
        }
    }

    /// What the server wrote so far.
    public var output: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// Kills the server and waits until it has exited. SIGKILL, not SIGTERM: a throwaway test
    /// server has nothing to flush, and children inherit the test runner's signal mask, which
    /// blocks SIGTERM (Python then never sees it).
    public func stop() async {
        guard let child = process.withLock({ running in
            defer { running = nil }
            return running
        }) else { return }
        if child.isRunning { ProcessTree.killAll(child.processIdentifier) }
        while child.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }

    private func waitUntilListening(name: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let exited = process.withLock { child in child.map { !$0.isRunning } ?? true }
            if exited {
                throw PythonServerError("\(name) exited while starting on port \(port); its output:\n\(output)")
            }
            if let pid = process.withLock({ $0?.processIdentifier }), ListeningSocket.isListening(pid: pid, port: port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw PythonServerError("\(name) did not accept connections on port \(port) within 30 s; its output:\n\(output)")
    }

    static func interpreter() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let configured = environment["HXB_TEST_PYTHON"], !configured.isEmpty { return configured }
        let directories = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PythonServerError("python3 not found on PATH: install Python 3 or set HXB_TEST_PYTHON")
    }

    static func requireModule(_ module: String, python: String) async throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import \(module)"]
        check.standardInput = FileHandle.nullDevice
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        try check.run()
        while check.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        guard check.terminationStatus == 0 else {
            throw PythonServerError(
                "the Python module \(module) is not importable by \(python): install the test requirements with "
                    + "`python3 -m pip install -r scripts/requirements-test.txt` (`make test` does)"
            )
        }
    }
}

/// A Python test server could not be started.
public struct PythonServerError: Error, CustomStringConvertible {
    /// What went wrong and how to fix it.
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
