import Foundation
import AuthService
import Store
import TestSupport

/// The whole slice as separate processes, the way `make run` starts it: a private nats-server,
/// a fresh auth schema and role, `replicas` hxb-auth processes, optionally one hxb-workspace
/// (its own schema and role, the manifests provider writing into a temporary folder), and one
/// hxb-edge.
struct SuiteStack {
    /// The secret of the configured confidential client `test-service` (client credentials).
    static let serviceSecret = "test-service-secret-\(UUID().uuidString)"
    /// The secret auth knows hxb-workspace by (`HXB_AUTH_SERVICE_CLIENTS=workspace=…`).
    static let workspaceSecret = "workspace-secret-\(UUID().uuidString)"
    let nats: NATSTestServer
    let database: TestDatabase
    let auth: [LaunchedProcess]
    let edge: LaunchedProcess
    let edgePort: Int
    let issuer: String
    /// The `auth.keys.encryption.key` the auth processes seal signing keys with.
    let keyEncryptionKey: String
    /// hxb-workspace, when the stack was started with `workspace: true`.
    let workspace: WorkspaceProcess?
    /// hxb-logging and its schema, when the stack was started with `logging: true`.
    let logging: (process: LaunchedProcess, database: TestDatabase)?
    /// The secret auth knows hxb-logging by.
    static let loggingSecret = "logging-secret-\(UUID().uuidString)"
    var http: HTTPTestClient { HTTPTestClient(baseURL: "http://127.0.0.1:\(edgePort)") }

    /// The workspace process and what it was given.
    struct WorkspaceProcess {
        let process: LaunchedProcess
        let database: TestDatabase
        /// The manifests provider's folder: one `<workspace id>/` per workspace.
        let manifests: URL

        /// Stops the process and removes its schema, role and folder.
        func stop() async -> Int32? {
            let status = await process.terminate()
            try? await database.drop()
            try? FileManager.default.removeItem(at: manifests)
            return status
        }
    }

    /// Starts the stack; `environment` is added to every hxb-auth process (e.g.
    /// `HXB_AUTH_UPSTREAM_PROVIDERS`). With `workspace`, hxb-workspace runs too and the edge
    /// waits for both services.
    static func start(
        authReplicas: Int = 1, workspace withWorkspace: Bool = false, logging withLogging: Bool = false, environment: [String: String] = [:]
    ) async throws -> SuiteStack {
        let nats = try await NATSTestServer.start()
        let database = try await TestDatabase.create(prefix: "auth")
        let edgePort = try NATSTestServer.freeTCPPort()
        let issuer = "http://127.0.0.1:\(edgePort)"
        let keyEncryptionKey = KeySealer.generateKeyText()
        var common = [
            "HXB_NATS_URL": nats.url, "HXB_ISSUER": issuer, "HXB_LOG_LEVEL": "info",
        ]
        var auth: [LaunchedProcess] = []
        var workspace: WorkspaceProcess?
        var logging: (process: LaunchedProcess, database: TestDatabase)?
        var edge: LaunchedProcess?
        var serviceClients = "test-service=\(Self.serviceSecret)"
        if withWorkspace { serviceClients += ",workspace=\(Self.workspaceSecret)" }
        if withLogging { serviceClients += ",logging=\(Self.loggingSecret)" }
        do {
            // All replicas start at once against the same empty schema: migrations and the
            // first signing key must be created exactly once.
            for _ in 0..<authReplicas {
                auth.append(try LaunchedProcess.start("hxb-auth", environment: common.merging([
                    "HXB_DATABASE_URL": database.url, "HXB_DATABASE_SCHEMA": database.schema,
                    "HXB_OPS_PORT": String(try NATSTestServer.freeTCPPort()),
                    "HXB_AUTH_KEYS_ENCRYPTION_KEY": keyEncryptionKey,
                    "HXB_AUTH_SERVICE_CLIENTS": serviceClients,
                ]) { _, new in new }.merging(environment) { _, new in new }))
            }
            if withWorkspace {
                workspace = try await startWorkspace(common: common)
            }
            if withLogging {
                let database = try await TestDatabase.create(prefix: "logging")
                do {
                    logging = (try LaunchedProcess.start("hxb-logging", environment: common.merging([
                        "HXB_DATABASE_URL": database.url, "HXB_DATABASE_SCHEMA": database.schema,
                        "HXB_OPS_PORT": String(try NATSTestServer.freeTCPPort()),
                        "HXB_LOGGING_AUTH_CLIENT_SECRET": Self.loggingSecret,
                    ]) { _, new in new }), database)
                } catch {
                    try? await database.drop()
                    throw error
                }
            }
            common["HXB_EDGE_PORT"] = String(edgePort)
            common["HXB_OPS_PORT"] = String(try NATSTestServer.freeTCPPort())
            common["HXB_EDGE_SERVICES"] = (["auth"] + (withWorkspace ? ["workspace"] : []) + (withLogging ? ["logging"] : [])).joined(separator: ",")
            edge = try LaunchedProcess.start("hxb-edge", environment: common)
            let client = HTTPTestClient(baseURL: issuer)
            try await waitUntil("the edge to become ready", timeout: .seconds(60), interval: .milliseconds(100)) {
                guard let response = try? await client.send("GET", "/readyz") else { return false }
                return response.status == 200
            }
            return SuiteStack(
                nats: nats, database: database, auth: auth, edge: edge!, edgePort: edgePort, issuer: issuer,
                keyEncryptionKey: keyEncryptionKey, workspace: workspace, logging: logging
            )
        } catch {
            for process in auth { print("--- \(process.name) log:\n\(process.output)"); await process.terminate() }
            if let workspace { print("--- workspace log:\n\(workspace.process.output)"); _ = await workspace.stop() }
            if let logging { print("--- logging log:\n\(logging.process.output)"); await logging.process.terminate(); try? await logging.database.drop() }
            if let edge { print("--- edge log:\n\(edge.output)"); await edge.terminate() }
            await nats.stop()
            try? await database.drop()
            throw error
        }
    }

    /// hxb-workspace with its own schema and a temporary manifests folder. Provisioning polls
    /// and retries quickly: the manifests provider is ready at once.
    private static func startWorkspace(common: [String: String]) async throws -> WorkspaceProcess {
        let database = try await TestDatabase.create(prefix: "workspace")
        let manifests = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-suite-manifests-\(UUID().uuidString)")
        do {
            let process = try LaunchedProcess.start("hxb-workspace", environment: common.merging([
                "HXB_DATABASE_URL": database.url, "HXB_DATABASE_SCHEMA": database.schema,
                "HXB_OPS_PORT": String(try NATSTestServer.freeTCPPort()),
                "HXB_WORKSPACE_AUTH_CLIENT_SECRET": Self.workspaceSecret,
                "HXB_WORKSPACE_MANIFESTS_DIR": manifests.path,
                "HXB_WORKSPACE_TASKS_POLL_MS": "100",
                "HXB_WORKSPACE_TASKS_RETRY_BASE_MS": "200",
            ]) { _, new in new })
            return WorkspaceProcess(process: process, database: database, manifests: manifests)
        } catch {
            try? await database.drop()
            throw error
        }
    }

    /// Starts a stack, runs `body` with it, and stops it; when `body` throws, the processes'
    /// logs are printed first, for the failure report.
    static func with<T>(
        authReplicas: Int = 1, workspace: Bool = false, logging: Bool = false, environment: [String: String] = [:],
        _ body: (SuiteStack) async throws -> T
    ) async throws -> T {
        let stack = try await start(authReplicas: authReplicas, workspace: workspace, logging: logging, environment: environment)
        do {
            let result = try await body(stack)
            await stack.stop()
            return result
        } catch {
            print(stack.logs)
            await stack.stop()
            throw error
        }
    }

    /// Stops every process (SIGTERM: graceful) and returns their exit statuses.
    @discardableResult
    func stop() async -> [Int32?] {
        var statuses: [Int32?] = [await edge.terminate()]
        if let logging {
            statuses.append(await logging.process.terminate())
            try? await logging.database.drop()
        }
        if let workspace { statuses.append(await workspace.stop()) }
        for process in auth { statuses.append(await process.terminate()) }
        await nats.stop()
        try? await database.drop()
        return statuses
    }

    /// Runs SQL as superuser in the auth schema (to inspect what the service stored).
    func query(_ sql: String) async throws -> PostgresRows {
        try await database.query(PostgresQuery(unsafeSQL: sql))
    }

    /// Everything the processes logged, for failure messages.
    var logs: String {
        (auth.map { "--- \($0.name):\n\($0.output)" } + (workspace.map { ["--- workspace:\n\($0.process.output)"] } ?? [])
            + (logging.map { ["--- logging:\n\($0.process.output)"] } ?? [])
            + ["--- edge:\n\(edge.output)"]).joined(separator: "\n")
    }
}
