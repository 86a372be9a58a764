import Foundation

/// A private SMTP server for mail tests: `Tests/Fixtures/smtp_server.py` (aiosmtpd, from
/// `scripts/requirements-test.txt`) run as a child process on a free port of 127.0.0.1.
///
/// Every message it accepts is kept in a temporary folder and read back with ``messages()``,
/// parsed by Python's `email` package (an independent MIME parser). The interpreter is
/// `HXB_TEST_PYTHON`, else `python3` from `PATH`.
public final class SMTPTestServer: Sendable {
    /// What the server demands or refuses.
    public struct Options: Sendable {
        /// Require SMTP AUTH (PLAIN or LOGIN, allowed without TLS) with these credentials.
        public var credentials: (user: String, password: String)?
        /// Recipients answered with `550` at `RCPT TO`.
        public var rejectedRecipients: [String] = []
        /// A PEM certificate and key: STARTTLS is offered, or TLS from the start with `implicitTLS`.
        public var certificate: (certificateFile: String, keyFile: String)?
        /// TLS from the first byte (smtps) instead of STARTTLS.
        public var implicitTLS = false
        /// Refuse mail until the client has done STARTTLS.
        public var requireSTARTTLS = false
        /// Accept connections and never answer (no greeting).
        public var silent = false

        /// Options of a plain server that accepts everything.
        public init() {}
    }

    /// A message as the server received and parsed it.
    public struct ReceivedMessage: Decodable, Sendable {
        public var mailFrom: String
        public var rcptTos: [String]
        public var authenticated: Bool
        public var tls: Bool
        public var subject: String
        public var from: String
        public var to: [String]
        public var toNames: [String]
        public var contentType: String
        public var text: String?
        public var html: String?
        /// Problems Python's parser found in the message; empty for a well-formed one.
        public var defects: [String]
        /// The bytes received, dot-unstuffed, as written in the `.eml` file.
        public var raw: [UInt8] = []

        enum CodingKeys: String, CodingKey {
            case mailFrom, rcptTos, authenticated, tls, subject, from, to, toNames, contentType, text, html, defects
        }
    }

    /// The port the server listens on.
    public let port: Int
    /// The folder holding the received messages and the server's log.
    public let directory: URL
    private let process: Process

    /// `smtp://127.0.0.1:<port>` (`smtps://` for implicit TLS).
    public var url: String { "\(implicitTLS ? "smtps" : "smtp")://127.0.0.1:\(port)" }
    private let implicitTLS: Bool

    /// Starts a server and returns once it listens.
    public static func start(_ options: Options = Options()) async throws -> SMTPTestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-smtp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let readyFile = directory.appendingPathComponent("port")
        let logURL = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ProcessInfo.processInfo.environment["HXB_TEST_PYTHON"] ?? "python3", scriptPath()]
            + ["--directory", directory.path, "--ready-file", readyFile.path] + arguments(for: options)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: readyFile, encoding: .utf8), let port = Int(text) {
                return SMTPTestServer(port: port, directory: directory, process: process, implicitTLS: options.implicitTLS)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { ProcessTree.killAll(process.processIdentifier) }
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        throw TestFixtureError(
            message: "the test SMTP server did not start (is aiosmtpd installed? `pip install -r scripts/requirements-test.txt`):\n\(output)"
        )
    }

    /// Runs `body` with a new server and stops the server afterwards. When `body` throws,
    /// the server's log goes to standard error first.
    @discardableResult
    public static func withServer<Result>(
        _ options: Options = Options(), _ body: (SMTPTestServer) async throws -> Result
    ) async throws -> Result {
        let server = try await start(options)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            FileHandle.standardError.write(Data("test SMTP server log:\n\(server.log)\n".utf8))
            await server.stop()
            throw error
        }
    }

    private init(port: Int, directory: URL, process: Process, implicitTLS: Bool) {
        self.port = port
        self.directory = directory
        self.process = process
        self.implicitTLS = implicitTLS
    }

    deinit {
        if process.isRunning { ProcessTree.killAll(process.processIdentifier) }
    }

    /// The messages received so far, oldest first.
    public func messages() throws -> [ReceivedMessage] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let base = directory.appendingPathComponent(String(name.dropLast(".json".count)))
            var message = try JSONDecoder().decode(ReceivedMessage.self, from: Data(contentsOf: base.appendingPathExtension("json")))
            message.raw = Array(try Data(contentsOf: base.appendingPathExtension("eml")))
            return message
        }
    }

    /// What the server wrote to its log.
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
    }

    /// Stops the server and removes its folder.
    public func stop() async {
        if process.isRunning { ProcessTree.killAll(process.processIdentifier) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func arguments(for options: Options) -> [String] {
        var arguments: [String] = []
        if let credentials = options.credentials {
            arguments += ["--user", credentials.user, "--password", credentials.password]
        }
        for address in options.rejectedRecipients { arguments += ["--reject", address] }
        if let certificate = options.certificate {
            arguments += ["--cert", certificate.certificateFile, "--key", certificate.keyFile]
        }
        if options.implicitTLS { arguments.append("--implicit-tls") }
        if options.requireSTARTTLS { arguments.append("--require-starttls") }
        if options.silent { arguments.append("--silent") }
        return arguments
    }

    private static func scriptPath() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/smtp_server.py").path
    }
}

/// A test fixture (a server, a certificate) could not be set up.
public struct TestFixtureError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
