import Contracts
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// ServiceKit's request/reply round trip against a raw libnats C echo with the same payload
/// size, on the same nats-server, in alternating rounds (DESIGN §3 target: p50 within 1.2×).
/// Like the C client and server, the Swift client and server run in two processes.
struct RPCEchoBenchmark {
    let natsURL: String
    let cEchoDirectory: String
    let payloadBytes: Int
    let iterations: Int
    let warmup: Int
    let rounds: Int
    let logger: Logger

    struct Result {
        var swiftP50: [Double] = []
        var swiftP99: [Double] = []
        var cP50: [Double] = []
        var cP99: [Double] = []
        /// C client → ServiceKit server: isolates the server side's cost.
        var mixedP50: [Double] = []
        /// ServiceKit client → C server: isolates the client side's cost.
        var clientP50: [Double] = []
    }

    /// HXB_NATS_LOCK_SPIN: the libnats lock spin count of every side (the C echo reads it too).
    static let lockSpin = ProcessInfo.processInfo.environment["HXB_NATS_LOCK_SPIN"].flatMap(Int64.init) ?? 0

    static let description = ServiceDescription(name: "bench-echo", version: "0.1.0", description: "benchmark echo")

    /// The echo service: `Echo` (protobuf in and out) and `RawEcho` (bytes, for the C client).
    static func makeServer(connection: NATSConnection, logger: Logger) -> RPCServer {
        RPCServer(
            description: description,
            endpoints: [.unary("Echo", Hexabase_Diagnostics_V1_EchoRequest.self) { request, _ in
                var response = Hexabase_Diagnostics_V1_EchoResponse()
                response.payload = request.payload
                return response
            }, Endpoint(name: "RawEcho") { bytes, _ in bytes }],
            connection: connection, authenticator: nil, logger: logger
        )
    }

    /// `hxb-bench --serve-echo <nats-url>`: the echo service in a process of its own (as the C
    /// echo server is), so that client and server do not share libnats's process-wide locks.
    /// Prints `ready` once subscribed and serves until SIGTERM.
    static func serve(natsURL: String, logger: Logger) async throws {
        let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: natsURL, name: "hxb-bench-echo", lockSpinCount: Self.lockSpin), logger: logger)
        let server = makeServer(connection: connection, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while !server.isReady { try await Task.sleep(for: .milliseconds(5)) }
            FileHandle.standardOutput.write(Data("ready\n".utf8))
            try await tasks.waitForAll()
        }
        await connection.close()
    }

    func run() async throws -> Result {
        let server = try Self.startServer(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), ["--serve-echo", natsURL])
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let clientConnection = try await NATSConnection.connect(
            configuration: NATSConfiguration(servers: natsURL, name: "hxb-bench", lockSpinCount: Self.lockSpin), logger: logger
        )
        var result = Result()
        let client = RPCClient(connection: clientConnection)
        var request = Hexabase_Diagnostics_V1_EchoRequest()
        // The protobuf body is the payload plus 3 bytes of framing; the C echo gets as many bytes.
        request.payload = Data(repeating: 0x61, count: max(0, payloadBytes - 3))
        let subject = Self.description.subject(for: "Echo")
        // Like an RPC handler calling another service: the caller lives on the connection's executor.
        try await withTaskExecutorPreference(clientConnection.executor) {
            for round in 1...rounds {
                for _ in 0..<warmup { _ = try await client.call(subject, request, as: Hexabase_Diagnostics_V1_EchoResponse.self) }
                var latencies = Latencies()
                for _ in 0..<iterations {
                    let started = ContinuousClock.now
                    _ = try await client.call(subject, request, as: Hexabase_Diagnostics_V1_EchoResponse.self)
                    latencies.record(ContinuousClock.now - started)
                }
                result.swiftP50.append(latencies.percentile(50))
                result.swiftP99.append(latencies.percentile(99))
                let c = try await runCEcho()
                result.mixedP50.append(try runCClient(subject: Self.description.subject(for: "RawEcho")).p50)
                result.clientP50.append(try await runSwiftClientAgainstCServer(client, payload: try request.serializedBytes()))
                result.cP50.append(c.p50)
                result.cP99.append(c.p99)
                logger.info("echo round", metadata: [
                    "round": "\(round)", "swift_p50_us": "\(Int(latencies.percentile(50)))", "c_p50_us": "\(Int(c.p50))",
                ])
            }
        }
        await clientConnection.close()
        return result
    }

    /// ServiceKit's client (`callRaw`, with its headers) against Benchmarks/c-echo's server; returns the p50 (µs).
    private func runSwiftClientAgainstCServer(_ client: RPCClient, payload: [UInt8]) async throws -> Double {
        try await withCEchoServer { subject in
            for _ in 0..<warmup { _ = try await client.callRaw(subject, payload: payload) }
            var latencies = Latencies()
            for _ in 0..<iterations {
                let started = ContinuousClock.now
                _ = try await client.callRaw(subject, payload: payload)
                latencies.record(ContinuousClock.now - started)
            }
            return latencies.percentile(50)
        }
    }

    /// Runs Benchmarks/c-echo's server and client once; returns the client's p50 and p99 (µs).
    private func runCEcho() async throws -> (p50: Double, p99: Double) {
        try await withCEchoServer { try runCClient(subject: $0) }
    }

    /// Runs `body` with Benchmarks/c-echo's server serving a fresh subject, then stops it.
    private func withCEchoServer<T>(_ body: (String) async throws -> T) async throws -> T {
        let subject = "bench.c-echo.\(UUID().uuidString.prefix(8))"
        let server = try Self.startServer(URL(fileURLWithPath: cEchoDirectory + "/build/c-echo-server"), [natsURL, subject])
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        return try await body(subject)
    }

    /// Starts an echo server process and returns once it printed its `ready` line (log lines
    /// may come first).
    private static func startServer(_ executable: URL, _ arguments: [String]) throws -> Process {
        let server = Process()
        server.executableURL = executable
        server.arguments = arguments
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        var text = ""
        while !text.contains("ready\n") {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else {
                server.waitUntilExit()
                throw BenchmarkError("\(executable.lastPathComponent) exited before it was ready: \(text)")
            }
            text += String(decoding: data, as: UTF8.self)
        }
        return server
    }

    /// Runs Benchmarks/c-echo's client against `subject`; returns its p50 and p99 (µs).
    private func runCClient(subject: String) throws -> (p50: Double, p99: Double) {
        let client = Process()
        client.executableURL = URL(fileURLWithPath: cEchoDirectory + "/build/c-echo-client")
        client.arguments = [natsURL, subject, String(payloadBytes), String(warmup), String(iterations), "1"]
        let clientOutput = Pipe()
        client.standardOutput = clientOutput
        try client.run()
        let data = clientOutput.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        guard client.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let p50 = (json["p50_us"] as? NSNumber)?.doubleValue, let p99 = (json["p99_us"] as? NSNumber)?.doubleValue
        else { throw BenchmarkError("c-echo-client failed: \(String(decoding: data, as: UTF8.self))") }
        return (p50, p99)
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
