import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A built executable (`hxb-auth`, `hxb-edge`, …) started as its own process, the way
/// `make run` and production start it. Output goes to a log file that failing tests can print.
public final class LaunchedProcess: @unchecked Sendable {
    // @unchecked: Foundation's Process is used from one test at a time; its state is only read
    // after launch.
    public let name: String
    public let logURL: URL
    private let process: Process

    /// Starts `HXB_BIN_DIR/<executable>` (or `.build/debug/<executable>`) with `environment`
    /// added to the current one.
    public static func start(_ executable: String, environment: [String: String]) throws -> LaunchedProcess {
        let binDirectory = ProcessInfo.processInfo.environment["HXB_BIN_DIR"]
            ?? FileManager.default.currentDirectoryPath + "/.build/debug"
        let path = binDirectory + "/" + executable
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestEnvironmentError(variable: "HXB_BIN_DIR (no executable at \(path))")
        }
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(executable)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = []
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return LaunchedProcess(name: executable, logURL: logURL, process: process)
    }

    private init(name: String, logURL: URL, process: Process) {
        self.name = name
        self.logURL = logURL
        self.process = process
    }

    public var isRunning: Bool { process.isRunning }
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Sends SIGTERM and waits (up to `timeout`) for the exit; returns the exit status, or nil
    /// when it had to be killed.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(20)) async -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        deliver(SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            deliver(SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Kills the process with SIGKILL and waits until it has exited: no shutdown at all, what a
    /// crash, an OOM kill or a lost node looks like to everything it talked to.
    public func kill() async {
        guard process.isRunning else { return }
        deliver(SIGKILL)
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private func deliver(_ signal: Int32) {
        #if canImport(Glibc)
        _ = Glibc.kill(process.processIdentifier, signal)
        #else
        _ = Darwin.kill(process.processIdentifier, signal)
        #endif
    }

    /// What the process wrote so far.
    public var output: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }
}
