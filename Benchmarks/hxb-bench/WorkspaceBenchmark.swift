import Contracts
import Foundation
import Logging
import ServiceKit
import Store
import SwiftProtobuf

/// The workspace service's figures (issue 4), with the release hxb-auth and hxb-workspace as
/// processes on the bench nats-server and Postgres, called over NATS as other services call:
/// - `CheckAccess` round trips from a service, with the per-user access cache warm, and again
///   with a workspace process whose cache is off (every check reads Postgres);
/// - `CreateWorkspace` accept latency (the reply comes once the workspace row, its task, audit
///   and event are committed);
/// - create → `running` with the manifests provider (claim, OIDC client registration at auth,
///   render, atomic folder write, readiness), observed by polling `GetWorkspace`.
struct WorkspaceBenchmark {
    let natsURL: String
    let postgresURL: String
    let binDirectory: String
    let checks: Int
    let workspaces: Int
    let logger: Logger

    struct Figures {
        var checkCached = Latencies()
        var checkUncached = Latencies()
        var createAccept = Latencies()
        var createToRunning = Latencies()
        /// The service's own mean time in the CheckAccess handler (ADR-32 `$SRV.STATS`), in µs.
        var checkCachedHandler: Double = 0
        var checkUncachedHandler: Double = 0
    }

    static let serviceSecret = "bench-secret-\(UUID().uuidString)"

    func run() async throws -> Figures {
        let admin = PostgresPool(configuration: PostgresConfiguration(url: postgresURL, poolSize: 1))
        let auth = try await BenchProcesses.createSchema(admin, postgresURL: postgresURL, prefix: "bench_auth")
        let workspace = try await BenchProcesses.createSchema(admin, postgresURL: postgresURL, prefix: "bench_ws")
        let manifests = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-bench-manifests-\(UUID().uuidString.prefix(8))")
        var processes: [Process] = []
        defer {
            for process in processes where process.isRunning { process.terminate(); process.waitUntilExit() }
            try? FileManager.default.removeItem(at: manifests)
        }
        let common = ["HXB_NATS_URL": natsURL, "HXB_ISSUER": "http://127.0.0.1:1", "HXB_LOG_LEVEL": "warning"]
        processes.append(try BenchProcesses.launch(binDirectory, "hxb-auth", common.merging([
            "HXB_DATABASE_URL": auth.url, "HXB_DATABASE_SCHEMA": auth.schema, "HXB_OPS_PORT": String(try BenchProcesses.freePort()),
            "HXB_AUTH_KEYS_ENCRYPTION_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
            "HXB_AUTH_SERVICE_CLIENTS": "workspace=\(Self.serviceSecret),bench=\(Self.serviceSecret)",
        ]) { _, new in new }))
        func startWorkspace(cacheMilliseconds: Int) throws -> Process {
            try BenchProcesses.launch(binDirectory, "hxb-workspace", common.merging([
                "HXB_DATABASE_URL": workspace.url, "HXB_DATABASE_SCHEMA": workspace.schema, "HXB_OPS_PORT": String(try BenchProcesses.freePort()),
                "HXB_WORKSPACE_AUTH_CLIENT_SECRET": Self.serviceSecret, "HXB_WORKSPACE_MANIFESTS_DIR": manifests.path,
                "HXB_WORKSPACE_ACCESS_CACHE_MS": String(cacheMilliseconds),
            ]) { _, new in new })
        }
        processes.append(try startWorkspace(cacheMilliseconds: 5_000))

        let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: natsURL, name: "hxb-bench"), logger: logger)
        let rpc = RPCClient(connection: connection)
        let (token, userID, organization) = try await signUp(rpc)
        var figures = Figures()

        // Creation: a few unmeasured, then `workspaces` one after the other.
        var created: [String] = []
        for index in 0..<(workspaces + 3) {
            var request = Hexabase_Workspace_V1_CreateWorkspaceRequest()
            request.organizationID = organization
            request.name = "bench-\(index)"
            request.planID = "shared"
            let started = ContinuousClock.now
            let accepted = try await rpc.call("hxb.workspace.v1.CreateWorkspace", request, as: Hexabase_Workspace_V1_Workspace.self, metadata: .bearer(token))
            let acceptedAt = ContinuousClock.now
            try await waitForRunning(rpc, accepted.id, token: token)
            if index >= 3 {
                figures.createAccept.record(acceptedAt - started)
                figures.createToRunning.record(ContinuousClock.now - started)
            }
            created.append(accepted.id)
        }
        logger.info("workspace creation measured", metadata: ["p50_accept_us": "\(Int(figures.createAccept.percentile(50)))"])

        // CheckAccess from a service, as functions or logging would ask it.
        let serviceToken = try await serviceToken(rpc)
        var check = Hexabase_Workspace_V1_CheckAccessRequest()
        check.userID = userID
        check.resource = "workspaces/\(created[0])"
        check.action = "workspace.read"
        figures.checkCached = try await measureChecks(rpc, check, token: serviceToken)
        figures.checkCachedHandler = try await handlerMicroseconds(rpc, endpoint: "CheckAccess")

        // The same with the cache off: a second process replaces the first.
        processes[1].terminate()
        processes[1].waitUntilExit()
        processes[1] = try startWorkspace(cacheMilliseconds: 0)
        try await Self.retrying("the restarted workspace service") {
            _ = try await rpc.call("hxb.workspace.v1.CheckAccess", check, as: Hexabase_Workspace_V1_CheckAccessResponse.self, metadata: .bearer(serviceToken))
        }
        figures.checkUncached = try await measureChecks(rpc, check, token: serviceToken)
        figures.checkUncachedHandler = try await handlerMicroseconds(rpc, endpoint: "CheckAccess")

        await connection.close()
        for process in processes { process.terminate(); process.waitUntilExit() }
        try await BenchProcesses.dropSchema(admin, workspace.schema)
        try await BenchProcesses.dropSchema(admin, auth.schema)
        await admin.close()
        return figures
    }

    private func measureChecks(_ rpc: RPCClient, _ check: Hexabase_Workspace_V1_CheckAccessRequest, token: String) async throws -> Latencies {
        let metadata = CallMetadata.bearer(token)
        for _ in 0..<(checks / 10) {
            _ = try await rpc.call("hxb.workspace.v1.CheckAccess", check, as: Hexabase_Workspace_V1_CheckAccessResponse.self, metadata: metadata)
        }
        var latencies = Latencies()
        for _ in 0..<checks {
            let started = ContinuousClock.now
            let answer = try await rpc.call("hxb.workspace.v1.CheckAccess", check, as: Hexabase_Workspace_V1_CheckAccessResponse.self, metadata: metadata)
            latencies.record(ContinuousClock.now - started)
            guard answer.allowed else { throw BenchmarkError("CheckAccess refused the workspace's creator: \(answer.reason)") }
        }
        return latencies
    }

    private func waitForRunning(_ rpc: RPCClient, _ id: String, token: String) async throws {
        var request = Hexabase_Workspace_V1_GetWorkspaceRequest()
        request.workspaceID = id
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let workspace = try await rpc.call("hxb.workspace.v1.GetWorkspace", request, as: Hexabase_Workspace_V1_Workspace.self, metadata: .bearer(token))
            if workspace.state == "running" { return }
            if workspace.state == "failed" { throw BenchmarkError("workspace \(id) failed: \(workspace.task.lastError)") }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw BenchmarkError("workspace \(id) did not reach running within 60 s")
    }

    /// Signs a user up (retrying while auth starts) and waits for their personal organization.
    private func signUp(_ rpc: RPCClient) async throws -> (token: String, userID: String, organization: String) {
        var signUp = Hexabase_Auth_V1_SignUpRequest()
        signUp.email = "bench-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        signUp.password = "correct horse battery staple 42"
        signUp.displayName = "Bench"
        try await Self.retrying("auth to answer SignUp") {
            _ = try await rpc.call("hxb.auth.v1.SignUp", signUp, as: Hexabase_Auth_V1_SignUpResponse.self)
        }
        var login = Hexabase_Auth_V1_LoginRequest()
        login.email = signUp.email
        login.password = signUp.password
        let session = try await rpc.call("hxb.auth.v1.Login", login, as: Hexabase_Auth_V1_LoginResponse.self)
        for _ in 0..<600 {
            if let list = try? await rpc.call(
                "hxb.workspace.v1.ListOrganizations", Hexabase_Workspace_V1_ListOrganizationsRequest(),
                as: Hexabase_Workspace_V1_ListOrganizationsResponse.self, metadata: .bearer(session.accessToken)
            ), let personal = list.organizations.first(where: \.personal) {
                return (session.accessToken, session.user.id, personal.id)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkError("no personal organization for the bench user")
    }

    /// The mean processing time of one endpoint of the (single) workspace process, from its
    /// `$SRV.STATS` document (nanoseconds there), in µs.
    private func handlerMicroseconds(_ rpc: RPCClient, endpoint: String) async throws -> Double {
        let reply = try await rpc.callRaw("$SRV.STATS.workspace", payload: [])
        guard let stats = try JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any],
              let endpoints = stats["endpoints"] as? [[String: Any]],
              let figures = endpoints.first(where: { $0["name"] as? String == endpoint }),
              let nanoseconds = figures["average_processing_time"] as? NSNumber
        else { throw BenchmarkError("no \(endpoint) figures in $SRV.STATS.workspace") }
        return nanoseconds.doubleValue / 1000
    }

    /// Runs `body` until it succeeds (a process starting), for at most a minute.
    private static func retrying(_ what: String, _ body: () async throws -> Void) async throws {
        var lastError: (any Error)?
        for _ in 0..<600 {
            do {
                try await body()
                return
            } catch {
                lastError = error
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkError("waiting for \(what): \(lastError.map { "\($0)" } ?? "")")
    }

    private func serviceToken(_ rpc: RPCClient) async throws -> String {
        var request = Hexabase_Auth_V1_GetServiceTokenRequest()
        request.clientID = "bench"
        request.clientSecret = Self.serviceSecret
        return try await rpc.call("hxb.auth.v1.GetServiceToken", request, as: Hexabase_Auth_V1_GetServiceTokenResponse.self).accessToken
    }
}
