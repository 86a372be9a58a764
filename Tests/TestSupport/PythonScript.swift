import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Python program run to completion as a child process, e.g. a third-party client library
/// driven against the suite (`Tests/Interop/`). Same interpreter and package checks as
/// ``PythonServer``: `HXB_TEST_PYTHON` or `python3`, and a missing module fails with a message
/// saying how to install it rather than skipping.
public enum PythonScript {
    /// How a run ended.
    public struct Outcome: Sendable {
        /// The exit status; nil when the run was killed after `limit`.
        public let status: Int32?
        /// Standard output and error, interleaved as written.
        public let output: String
    }

    /// The path of `Tests/<folder>/<file>` in this source tree.
    public static func path(_ folder: String, _ file: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(folder).appendingPathComponent(file).path
    }

    /// Runs `python3 <script> <arguments>` after checking that `requiredModules` import. A run
    /// still going after `limit` is killed (status nil): a safety net against a hang, not a
    /// timing assertion.
    public static func run(
        _ script: String, arguments: [String], requiredModules: [String] = [], limit: Duration = .seconds(300)
    ) async throws -> Outcome {
        let python = try PythonServer.interpreter()
        for module in requiredModules {
            try await PythonServer.requireModule(module, python: python)
        }
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("python-script-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: logURL) }
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: python)
        child.arguments = [script] + arguments
        child.environment = ProcessInfo.processInfo.environment.merging(["PYTHONUNBUFFERED": "1", "NO_COLOR": "1"]) { _, new in new }
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = log
        child.standardError = log
        try child.run()
        let deadline = ContinuousClock.now + limit
        while child.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        var status: Int32?
        if child.isRunning {
            ProcessTree.killAll(child.processIdentifier)
            child.waitUntilExit()
        } else {
            status = child.terminationStatus
        }
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return Outcome(status: status, output: output)
    }
}
