import Foundation
import TestSupport

/// `Tests/Fixtures/clickhouse_standin.py` run as a child process: ClickHouse's HTTP interface in
/// front of chDB (the ClickHouse engine from PyPI's chdb-core), with a data directory of its own
/// that ``stop()`` removes.
final class ClickHouseStandIn: TestServer {
    /// A request the stand-in received.
    struct RecordedRequest: Sendable, Decodable {
        /// The method, e.g. `POST`.
        let method: String
        /// The path with its query string.
        let path: String
        /// Header fields, names in lower case.
        let headers: [String: String]
        /// The body, as UTF-8 text.
        let body: String
    }

    private let server: PythonServer
    private let control: HTTPTestClient
    private let dataDirectory: URL
    /// The password it checks.
    let password: String

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { server.baseURL }

    /// Starts a stand-in with an empty data directory, user `default` and `password`.
    static func start(password: String = "stand-in-password") async throws -> ClickHouseStandIn {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("clickhouse-standin-\(UUID().uuidString.prefix(8))")
        let server = try await PythonServer.start("clickhouse-standin", requiredModules: ["chdb"]) { port in
            [PythonServer.fixture("clickhouse_standin.py"), "--port", String(port), "--data", data.path, "--password", password]
        }
        return ClickHouseStandIn(server: server, dataDirectory: data, password: password)
    }

    private init(server: PythonServer, dataDirectory: URL, password: String) {
        self.server = server
        self.control = HTTPTestClient(baseURL: server.baseURL)
        self.dataDirectory = dataDirectory
        self.password = password
    }

    /// Makes the next `count` ClickHouse requests whose SQL contains `matching` answer `status`
    /// without being executed, or, with `afterExecuting`, once executed (an answer lost on the way).
    func failNext(_ count: Int, status: Int = 503, afterExecuting: Bool = false, matching: String = "") async throws {
        let answer: [String: Any] = ["count": count, "status": status, "after": afterExecuting, "match": matching]
        let response = try await control.send("POST", "/__stand-in/fail", json: answer)
        guard response.status == 204 else { throw StandInError(description: "could not set failures: HTTP \(response.status)") }
    }

    /// The ClickHouse requests received so far, oldest first.
    func requests() async throws -> [RecordedRequest] {
        let response = try await control.send("GET", "/__stand-in/requests")
        return try JSONDecoder().decode([RecordedRequest].self, from: response.body)
    }

    /// Forgets the requests received so far.
    func forgetRequests() async throws {
        _ = try await control.send("DELETE", "/__stand-in/requests")
    }

    /// Stops the stand-in and removes its data.
    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}

/// The stand-in's control API refused a request.
struct StandInError: Error, CustomStringConvertible {
    let description: String
}
