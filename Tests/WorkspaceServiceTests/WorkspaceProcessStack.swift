import AuthService
import Foundation
import HTTPClientKit
import ServiceKit
import Store
import Synchronization
import TestSupport
@testable import WorkspaceService

/// auth and workspace as the separate processes production runs (`hxb-auth`, `hxb-workspace`),
/// on a private nats-server, each with its own schema; the workspace processes use the
/// kubernetes provider against `Tests/Fixtures/fake_kube_apiserver.py` through a kubeconfig
/// file. Workspace processes are started by the test (``startWorkspace()``), so that it can
/// kill one and start another.
final class WorkspaceProcessStack: WorkspaceCaller, Sendable {
    static let kubeToken = "kube-token-\(UUID().uuidString.prefix(8))"
    /// How long a claimed task holds without renewal: short, so that a takeover comes soon.
    static let taskLeaseMilliseconds = 1500

    let rpc: RPCClient
    let authDatabase: TestDatabase
    let workspaceDatabase: TestDatabase
    let kube: PythonServer
    private let connection: NATSConnection
    private let auth: LaunchedProcess
    private let workspaceEnvironment: [String: String]
    private let workspaces = Mutex<[LaunchedProcess]>([])

    private init(
        rpc: RPCClient, connection: NATSConnection, authDatabase: TestDatabase, workspaceDatabase: TestDatabase,
        kube: PythonServer, auth: LaunchedProcess, workspaceEnvironment: [String: String]
    ) {
        self.rpc = rpc
        self.connection = connection
        self.authDatabase = authDatabase
        self.workspaceDatabase = workspaceDatabase
        self.kube = kube
        self.auth = auth
        self.workspaceEnvironment = workspaceEnvironment
    }

    /// Starts nats-server, the fake API server and hxb-auth, runs `body`, and stops everything;
    /// when `body` throws, every process's log is printed first.
    static func with(_ body: (WorkspaceProcessStack) async throws -> Void) async throws {
        let nats = try await NATSTestServer.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-process-stack-\(UUID().uuidString)")
        var cleanups: [() async -> Void] = [
            { await nats.stop() },
            { try? FileManager.default.removeItem(at: folder) },
        ]
        func cleanUp() async {
            for cleanup in cleanups.reversed() { await cleanup() }
        }
        let stack: WorkspaceProcessStack
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let authDatabase = try await TestDatabase.create(prefix: "procauth")
            cleanups.append { try? await authDatabase.drop() }
            let workspaceDatabase = try await TestDatabase.create(prefix: "procws")
            cleanups.append { try? await workspaceDatabase.drop() }
            let kube = try await PythonServer.start("fake-kube-apiserver") { port in
                [PythonServer.fixture("fake_kube_apiserver.py"), "--port", "\(port)", "--token", kubeToken]
            }
            cleanups.append { await kube.stop() }
            let kubeconfig = folder.appendingPathComponent("kubeconfig")
            try Data(Self.kubeconfig(server: kube.baseURL).utf8).write(to: kubeconfig)

            let secret = "workspace-secret-\(UUID().uuidString)"
            let common = ["HXB_NATS_URL": nats.url, "HXB_ISSUER": "http://127.0.0.1:\(try NATSTestServer.freeTCPPort())", "HXB_LOG_LEVEL": "info"]
            let authOpsPort = try NATSTestServer.freeTCPPort()
            let auth = try LaunchedProcess.start("hxb-auth", environment: common.merging([
                "HXB_DATABASE_URL": authDatabase.url, "HXB_DATABASE_SCHEMA": authDatabase.schema,
                "HXB_OPS_PORT": String(authOpsPort),
                "HXB_AUTH_KEYS_ENCRYPTION_KEY": KeySealer.generateKeyText(),
                "HXB_AUTH_SERVICE_CLIENTS": "workspace=\(secret)",
            ]) { _, new in new })
            cleanups.append {
                await auth.terminate()
                try? FileManager.default.removeItem(at: auth.logURL)
            }
            try await Self.waitUntilReady(auth, opsPort: authOpsPort)

            let logger = TestLogging.logger("workspace-process-tests")
            let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: nats.url), logger: logger)
            cleanups.append { await connection.close() }
            stack = WorkspaceProcessStack(
                rpc: RPCClient(connection: connection), connection: connection, authDatabase: authDatabase,
                workspaceDatabase: workspaceDatabase, kube: kube, auth: auth,
                workspaceEnvironment: common.merging([
                    "HXB_DATABASE_URL": workspaceDatabase.url, "HXB_DATABASE_SCHEMA": workspaceDatabase.schema,
                    "HXB_WORKSPACE_AUTH_CLIENT_SECRET": secret,
                    "HXB_WORKSPACE_PROVIDER": "kubernetes",
                    "HXB_WORKSPACE_KUBERNETES_KUBECONFIG": kubeconfig.path,
                    "HXB_WORKSPACE_TASKS_LEASE_MS": String(taskLeaseMilliseconds),
                    "HXB_WORKSPACE_TASKS_POLL_MS": "100",
                    "HXB_WORKSPACE_TASKS_RETRY_BASE_MS": "200",
                    // One task at a time: no second slot of the same process takes a task over.
                    "HXB_WORKSPACE_TASKS_CONCURRENCY": "1",
                ]) { _, new in new }
            )
            cleanups.append { await stack.stopWorkspaces() }
        } catch {
            await cleanUp()
            throw error
        }
        do {
            try await body(stack)
        } catch {
            print(stack.logs)
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    /// Starts one more hxb-workspace process and waits until it is ready.
    @discardableResult
    func startWorkspace() async throws -> LaunchedProcess {
        let opsPort = try NATSTestServer.freeTCPPort()
        let process = try LaunchedProcess.start("hxb-workspace", environment: workspaceEnvironment.merging(["HXB_OPS_PORT": String(opsPort)]) { _, new in new })
        workspaces.withLock { $0.append(process) }
        try await Self.waitUntilReady(process, opsPort: opsPort)
        return process
    }

    private func stopWorkspaces() async {
        for process in workspaces.withLock({ $0 }) {
            await process.terminate()
            try? FileManager.default.removeItem(at: process.logURL)
        }
    }

    private static func waitUntilReady(_ process: LaunchedProcess, opsPort: Int) async throws {
        let ops = HTTPTestClient(baseURL: "http://127.0.0.1:\(opsPort)")
        try await waitUntil("\(process.name) to become ready", timeout: .seconds(60), interval: .milliseconds(100)) {
            guard process.isRunning else { throw TimedOut("\(process.name), which exited:\n\(process.output)") }
            return (try? await ops.send("GET", "/readyz"))?.status == 200
        }
    }

    /// A kubeconfig as K3s writes one, with a static token user.
    private static func kubeconfig(server: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: host
          cluster:
            server: \(server)
        contexts:
        - name: host
          context:
            cluster: host
            user: hexabase
        current-context: host
        users:
        - name: hexabase
          user:
            token: \(kubeToken)
        """
    }

    // MARK: - The fake API server

    /// Everything the fake stores, keyed `<group/version>/<resource>/<namespace>/<name>`.
    func kubeObjects() async throws -> [String: JSONValue] {
        let response = try await CurlHTTPClient().send(HTTPClientRequest(url: kube.baseURL + "/_fake/objects"))
        return JSONValue(jsonText: response.body)?.objectValue ?? [:]
    }

    /// Changes the fake's settings (`POST /_fake/config`) and returns them all, with `held` and
    /// `dropped`; an empty `settings` only reads them.
    @discardableResult
    func configureKube(_ settings: JSONValue = [:]) async throws -> [String: JSONValue] {
        let request = HTTPClientRequest(method: .post, url: kube.baseURL + "/_fake/config", body: Array(settings.jsonText.utf8))
        let response = try await CurlHTTPClient().send(request)
        return JSONValue(jsonText: response.body)?.objectValue ?? [:]
    }

    /// How many `method` requests for API objects the fake answered so far (from its request log).
    func kubeRequests(_ method: String) -> Int {
        kube.output.split(separator: "\n").filter { $0.hasPrefix("\(method) /api/") || $0.hasPrefix("\(method) /apis/") }.count
    }

    // MARK: - What the services stored

    /// Ids of auth's OIDC clients for `workspaceID` (auth's own table, read as superuser).
    func oidcClients(workspaceID: String) async throws -> [String] {
        let rows = try await authDatabase.query("SELECT id FROM \(unescaped: authDatabase.schema).clients WHERE workspace_id = \(workspaceID)")
        return try rows.map { try $0.decode(String.self, column: "id") }
    }

    /// The `n` that `query` (a `SELECT count(*) AS n …` in the workspace schema) counts.
    func count(_ query: PostgresQuery) async throws -> Int {
        let rows = try await workspaceDatabase.query(query)
        return Int(try rows[0].decode(Int64.self, column: "n"))
    }

    /// The database's clock now (task timestamps are on it).
    func databaseNow() async throws -> Date {
        try await workspaceDatabase.query("SELECT now() AS now")[0].decode(Date.self, column: "now")
    }

    /// Every process's log, for failure reports.
    var logs: String {
        let processes = [auth] + workspaces.withLock { $0 }
        return (processes.map { "--- \($0.name) (pid \($0.processIdentifier)):\n\($0.output)" } + ["--- fake kube-apiserver:\n\(kube.output)"])
            .joined(separator: "\n")
    }
}
