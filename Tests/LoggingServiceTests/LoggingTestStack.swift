import AuthService
import Contracts
import Foundation
import Logging
@testable import LoggingService
import ServiceKit
import ServiceStore
import Store
import SwiftProtobuf
import Testing
import TestSupport
import WorkspaceService

/// auth, workspace (manifests provider) and logging in-process on a private nats-server, each
/// with its own schema. `admin` is a platform admin (signed up before workspace starts, so its
/// id can be configured).
struct LoggingTestStack: WorkspaceCaller {
    static let secret = "logging-secret-\(UUID().uuidString)"
    let rpc: RPCClient
    let admin: (token: String, id: String, personal: String)
    let logsDatabase: TestDatabase
    let natsURL: String

    static func with(
        configure: (inout LoggingConfiguration) -> Void = { _ in },
        _ body: (LoggingTestStack) async throws -> Void
    ) async throws {
        let nats = try await NATSTestServer.start()
        let authDatabase = try await TestDatabase.create(prefix: "lgauth")
        let workspaceDatabase = try await TestDatabase.create(prefix: "lgws")
        let logsDatabase = try await TestDatabase.create(prefix: "lglogs")
        let manifests = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-manifests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: manifests) }
        let logger = TestLogging.logger("logging-tests")
        let settings = ServiceSettings(nats: NATSConfiguration(servers: nats.url), opsPort: 0)
        let auth = buildAuthService(
            configuration: AuthConfiguration(
                service: settings, database: .init(url: authDatabase.url, schema: authDatabase.schema, poolSize: 2),
                issuer: "https://hexabase.test", keyEncryptionKey: KeySealer.generateKeyText(),
                passwordHasher: PasswordHasher(memoryKiB: 8_192, iterations: 1),
                serviceClients: ["workspace": secret, "logging": secret]
            ),
            logger: logger
        )
        var logging = LoggingConfiguration(
            service: settings, database: .init(url: logsDatabase.url, schema: logsDatabase.schema, poolSize: 4),
            issuer: "https://hexabase.test", authClientSecret: secret
        )
        logging.tailMaxWait = .seconds(5)
        configure(&logging)
        let loggingService = buildLoggingService(configuration: logging, logger: logger)
        defer { Task { await nats.stop() } }
        do {
            try await withRunningService(auth, logger: logger, isReady: { auth.isReady }) { _ in
                let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: nats.url), logger: logger)
                defer { Task { await connection.close() } }
                let rpc = RPCClient(connection: connection)
                let adminSession = try await Self.signUp(rpc, "admin")
                var workspaceConfiguration = WorkspaceConfiguration(
                    service: settings, database: .init(url: workspaceDatabase.url, schema: workspaceDatabase.schema, poolSize: 4),
                    issuer: "https://hexabase.test", authClientSecret: secret, manifestsDirectory: manifests.path
                )
                workspaceConfiguration.platformAdmins = [adminSession.id]
                workspaceConfiguration.accessCacheLifetime = .milliseconds(500)
                let workspace = buildWorkspaceService(configuration: workspaceConfiguration, logger: logger)
                try await withRunningService(workspace, logger: logger, isReady: { workspace.isReady }) { _ in
                    try await withRunningService(loggingService, logger: logger, isReady: { loggingService.isReady }) { _ in
                        var stack = LoggingTestStack(rpc: rpc, admin: ("", adminSession.id, ""), logsDatabase: logsDatabase, natsURL: nats.url)
                        var personal = ""
                        try await waitUntil("the admin's personal organization") {
                            let list = try await stack.call("ListOrganizations", Hexabase_Workspace_V1_ListOrganizationsRequest(), as: Hexabase_Workspace_V1_ListOrganizationsResponse.self, token: adminSession.token)
                            personal = list.organizations.first(where: \.personal)?.id ?? ""
                            return !personal.isEmpty
                        }
                        stack = LoggingTestStack(rpc: rpc, admin: (adminSession.token, adminSession.id, personal), logsDatabase: logsDatabase, natsURL: nats.url)
                        try await body(stack)
                    }
                }
            }
        } catch {
            try? await authDatabase.drop()
            try? await workspaceDatabase.drop()
            try? await logsDatabase.drop()
            throw error
        }
        try? await authDatabase.drop()
        try? await workspaceDatabase.drop()
        try? await logsDatabase.drop()
    }

    private static func signUp(_ rpc: RPCClient, _ name: String) async throws -> (token: String, id: String) {
        var signUp = Hexabase_Auth_V1_SignUpRequest()
        signUp.email = "\(name)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        signUp.password = "correct horse battery staple 42"
        signUp.displayName = name
        _ = try await rpc.call("hxb.auth.v1.SignUp", signUp, as: Hexabase_Auth_V1_SignUpResponse.self)
        var login = Hexabase_Auth_V1_LoginRequest()
        login.email = signUp.email
        login.password = signUp.password
        let session = try await rpc.call("hxb.auth.v1.Login", login, as: Hexabase_Auth_V1_LoginResponse.self)
        return (session.accessToken, session.user.id)
    }

    /// Calls `hxb.logs.v1.<method>` with `token` (none: no Authorization).
    func logs<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, _ request: Request, as: Response.Type = Response.self, token: String?
    ) async throws -> Response {
        try await rpc.call("hxb.logs.v1.\(method)", request, as: Response.self, metadata: token.map(CallMetadata.bearer) ?? CallMetadata(), timeout: .seconds(15))
    }

    /// A workspace in `organization`, running, with one project; returns (workspace, project).
    func workspace(in organization: String, token: String, name: String = "ws") async throws -> (String, String) {
        var create = Hexabase_Workspace_V1_CreateWorkspaceRequest()
        create.organizationID = organization
        create.name = name
        let ws = try await call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: token).id
        _ = try await waitForState(ws, "running", token: token)
        var project = Hexabase_Workspace_V1_CreateProjectRequest()
        project.workspaceID = ws
        project.name = "app"
        let prj = try await call("CreateProject", project, as: Hexabase_Workspace_V1_Project.self, token: token).id
        return (ws, prj)
    }

    /// A query of `tier` with the scope fields set by `build`.
    func query(_ tier: Hexabase_Logs_V1_Tier, token: String, _ build: (inout Hexabase_Logs_V1_QueryLogsRequest) -> Void = { _ in }) async throws -> [Hexabase_Logs_V1_LogRecord] {
        var request = Hexabase_Logs_V1_QueryLogsRequest()
        request.tier = tier
        build(&request)
        return try await logs("QueryLogs", request, as: Hexabase_Logs_V1_QueryLogsResponse.self, token: token).records
    }
}
