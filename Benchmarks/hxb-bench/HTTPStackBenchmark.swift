import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Store

/// `GET /api/v1/auth/me` through the whole stack — wrk → hxb-edge (token check) → NATS →
/// hxb-auth (token check, session and user lookup in Postgres) → back — with the release
/// executables as separate processes, at 1 and 64 concurrent connections.
struct HTTPStackBenchmark {
    let natsURL: String
    let postgresURL: String
    let binDirectory: String
    let duration: Int
    let logger: Logger

    struct Figures {
        let label: String
        let connections: Int
        let p50: Double
        let p99: Double
        let requestsPerSecond: Double
    }

    func run() async throws -> [Figures] {
        let admin = PostgresPool(configuration: PostgresConfiguration(url: postgresURL, poolSize: 1))
        let (schema, roleURL) = try await BenchProcesses.createSchema(admin, postgresURL: postgresURL, prefix: "bench_auth")
        let edgePort = try BenchProcesses.freePort()
        let issuer = "http://127.0.0.1:\(edgePort)"
        var processes: [Process] = []
        defer { for process in processes where process.isRunning { process.terminate(); process.waitUntilExit() } }
        let common = ["HXB_NATS_URL": natsURL, "HXB_ISSUER": issuer, "HXB_LOG_LEVEL": "warning"]
        let keyText = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        processes.append(try BenchProcesses.launch(binDirectory, "hxb-auth", common.merging([
            "HXB_DATABASE_URL": roleURL, "HXB_DATABASE_SCHEMA": schema, "HXB_OPS_PORT": String(try BenchProcesses.freePort()),
            "HXB_AUTH_KEYS_ENCRYPTION_KEY": keyText, "HXB_AUTH_SERVICE_CLIENTS": "bench=\(Self.serviceSecret)",
        ]) { _, new in new }))
        processes.append(try BenchProcesses.launch(binDirectory, "hxb-edge", common.merging([
            "HXB_EDGE_PORT": String(edgePort), "HXB_OPS_PORT": String(try BenchProcesses.freePort()), "HXB_EDGE_SERVICES": "auth",
        ]) { _, new in new }))
        try await waitForReady(issuer)
        let token = try await signUpAndLogIn(issuer)
        var figures: [Figures] = []
        for connections in [1, 64] {
            figures.append(try wrk(label: "GET /api/v1/auth/me", url: issuer + "/api/v1/auth/me", headers: ["Authorization: Bearer \(token)"], connections: connections))
            logger.info("http round", metadata: ["connections": "\(connections)", "p50_us": "\(Int(figures.last!.p50))"])
        }
        // The token endpoint: client credentials (client authentication, RS256 signature, audit row).
        let basic = "Basic " + Data("bench:\(Self.serviceSecret)".utf8).base64EncodedString()
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-bench-token-\(UUID().uuidString.prefix(8)).lua")
        try #"wrk.method = "POST"; wrk.body = "grant_type=client_credentials"; wrk.headers["Content-Type"] = "application/x-www-form-urlencoded""#
            .write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        for connections in [1, 64] {
            figures.append(try wrk(label: "POST /oauth2/token (client_credentials)", url: issuer + "/oauth2/token", headers: ["Authorization: \(basic)"], connections: connections, script: script.path))
            logger.info("token round", metadata: ["connections": "\(connections)", "rate": "\(Int(figures.last!.requestsPerSecond))"])
        }
        for process in processes { process.terminate(); process.waitUntilExit() }
        try await BenchProcesses.dropSchema(admin, schema)
        await admin.close()
        return figures
    }

    private func waitForReady(_ base: String) async throws {
        for _ in 0..<600 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: base + "/readyz")!),
               (response as? HTTPURLResponse)?.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkError("the edge did not become ready")
    }

    private func signUpAndLogIn(_ base: String) async throws -> String {
        let credentials = ["email": "bench-\(UUID().uuidString.prefix(8))@example.com", "password": "correct horse battery staple"]
        for path in ["/api/v1/auth/signup", "/api/v1/auth/login"] {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: credentials)
            let (data, _) = try await URLSession.shared.data(for: request)
            if path.hasSuffix("login"), let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
               let token = json["access_token"] as? String {
                return token
            }
        }
        throw BenchmarkError("could not log in")
    }

    static let serviceSecret = "bench-secret-\(UUID().uuidString)"

    /// Runs wrk with `--latency` (and a Lua `script` for POSTs) and parses its percentile and rate lines.
    private func wrk(label: String, url: String, headers: [String], connections: Int, script: String? = nil) throws -> Figures {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        var arguments: [String] = ["-t", String(min(connections, 2)), "-c", String(connections), "-d", "\(duration)s", "--latency"]
        for header in headers { arguments += ["-H", header] }
        if let script { arguments += ["-s", script] }
        process.arguments = arguments + [url]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let p50 = Self.wrkLatency(text, "50%"), let p99 = Self.wrkLatency(text, "99%"),
              let rate = text.split(separator: "\n").first(where: { $0.contains("Requests/sec:") })?
                .split(separator: " ").last.flatMap({ Double($0) }),
              !text.contains("Non-2xx")
        else { throw BenchmarkError("unexpected wrk output:\n\(text)") }
        return Figures(label: label, connections: connections, p50: p50, p99: p99, requestsPerSecond: rate)
    }

    /// wrk prints e.g. `     50%  412.00us` or `     99%    2.31ms`.
    static func wrkLatency(_ text: String, _ label: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }),
              let value = line.split(separator: " ").last
        else { return nil }
        let units: [(String, Double)] = [("us", 1), ("ms", 1000), ("s", 1_000_000)]
        for (suffix, factor) in units where value.hasSuffix(suffix) {
            return Double(value.dropLast(suffix.count)).map { $0 * factor }
        }
        return nil
    }
}
