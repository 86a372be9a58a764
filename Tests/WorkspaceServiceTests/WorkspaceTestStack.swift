import AuthService
import Contracts
import Foundation
import Logging
import Mail
import ServiceKit
import ServiceStore
import Synchronization
import SwiftProtobuf
import Testing
import TestSupport
@testable import WorkspaceService

/// Mails the workspace service sent.
final class CapturedMailer: Mailer {
    private let messages = Mutex<[MailMessage]>([])
    func send(_ message: MailMessage) async throws { messages.withLock { $0.append(message) } }
    var all: [MailMessage] { messages.withLock { $0 } }

    /// Waits for a mail to `to` and returns the invitation token in it.
    func invitationToken(to: String) async throws -> String {
        var token: String?
        try await waitUntil("an invitation mail to \(to)") {
            token = all.last { $0.to.map(\.description).joined().contains(to) }.flatMap { mail in
                mail.textBody.range(of: "token=").map { String(mail.textBody[$0.upperBound...].prefix { !$0.isWhitespace }) }
            }
            return token != nil
        }
        return token!
    }
}

/// A cluster provider that fails the first `failures` applies (retryably), and hangs in the
/// next `hangs` ones until cancelled (a stalled worker), then does what the manifests provider
/// does; counts applies.
final class FlakyProvider: ClusterProvider {
    let wrapped: ManifestsProvider
    private let state: Mutex<(failuresLeft: Int, hangsLeft: Int, applies: Int)>

    init(root: URL, failures: Int, hangs: Int = 0) {
        wrapped = ManifestsProvider(configuration: .init(root: root))
        state = Mutex((failures, hangs, 0))
    }

    var applies: Int { state.withLock { $0.applies } }

    func apply(_ desired: DesiredState) async throws {
        enum Outcome { case fail, hang, apply }
        let outcome = state.withLock { state in
            state.applies += 1
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                return Outcome.fail
            }
            if state.hangsLeft > 0 {
                state.hangsLeft -= 1
                return Outcome.hang
            }
            return Outcome.apply
        }
        switch outcome {
        case .fail: throw ClusterProviderError(.unavailable, "the host API is not reachable (injected)", isRetryable: true)
        case .hang: try await Task.sleep(for: .seconds(3600))
        case .apply: try await wrapped.apply(desired)
        }
    }

    func readiness(workspaceID: String) async throws -> ProvisioningReadiness { try await wrapped.readiness(workspaceID: workspaceID) }
    func delete(workspaceID: String) async throws -> DeletionProgress { try await wrapped.delete(workspaceID: workspaceID) }
}

/// auth and workspace in-process on a private nats-server, each with its own schema.
struct WorkspaceTestStack: WorkspaceCaller {
    static let workspaceSecret = "workspace-secret-\(UUID().uuidString)"
    let rpc: RPCClient
    let authDatabase: TestDatabase
    let workspaceDatabase: TestDatabase
    let mailer: CapturedMailer
    let manifests: URL
    let natsURL: String

    static func with(
        failures: Int = 0, hangs: Int = 0, configure: (inout WorkspaceConfiguration) -> Void = { _ in },
        _ body: (WorkspaceTestStack, FlakyProvider) async throws -> Void
    ) async throws {
        let nats = try await NATSTestServer.start()
        let authDatabase = try await TestDatabase.create(prefix: "wsauth")
        let workspaceDatabase = try await TestDatabase.create(prefix: "ws")
        let manifests = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-manifests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: manifests) }
        let logger = TestLogging.logger("workspace-tests")
        let settings = ServiceSettings(nats: NATSConfiguration(servers: nats.url), opsPort: 0)
        let auth = buildAuthService(
            configuration: AuthConfiguration(
                service: settings, database: .init(url: authDatabase.url, schema: authDatabase.schema, poolSize: 2),
                issuer: "https://hexabase.test", keyEncryptionKey: KeySealer.generateKeyText(),
                passwordHasher: PasswordHasher(memoryKiB: 8_192, iterations: 1),
                serviceClients: ["workspace": workspaceSecret, "test-service": workspaceSecret]
            ),
            logger: logger
        )
        var configuration = WorkspaceConfiguration(
            service: settings, database: .init(url: workspaceDatabase.url, schema: workspaceDatabase.schema, poolSize: 4),
            issuer: "https://hexabase.test", authClientSecret: workspaceSecret, manifestsDirectory: manifests.path
        )
        configuration.retry = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1), pollInterval: .milliseconds(100))
        configuration.accessCacheLifetime = .seconds(2)
        configure(&configuration)
        let provider = FlakyProvider(root: manifests, failures: failures, hangs: hangs)
        let mailer = CapturedMailer()
        let workspace = buildWorkspaceService(configuration: configuration, logger: logger, provider: provider, mailer: mailer)
        do {
            try await withRunningService(auth, logger: logger, isReady: { auth.isReady }) { _ in
                try await withRunningService(workspace, logger: logger, isReady: { workspace.isReady }) { _ in
                    let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: nats.url), logger: logger)
                    do {
                        let stack = WorkspaceTestStack(
                            rpc: RPCClient(connection: connection), authDatabase: authDatabase, workspaceDatabase: workspaceDatabase,
                            mailer: mailer, manifests: manifests, natsURL: nats.url
                        )
                        try await body(stack, provider)
                    } catch {
                        await connection.close()
                        throw error
                    }
                    await connection.close()
                }
            }
        } catch {
            await nats.stop()
            try? await authDatabase.drop()
            try? await workspaceDatabase.drop()
            throw error
        }
        await nats.stop()
        try? await authDatabase.drop()
        try? await workspaceDatabase.drop()
    }

    /// The e-mail of a user, for invitations.
    func email(of userID: String) async throws -> String {
        let rows = try await workspaceDatabase.query("SELECT email FROM \(unescaped: workspaceDatabase.schema).users WHERE id = \(userID)")
        return try rows[0].decode(column: "email")
    }

    /// A service token (client credentials), as other services use.
    func serviceToken() async throws -> String {
        var request = Hexabase_Auth_V1_GetServiceTokenRequest()
        request.clientID = "test-service"
        request.clientSecret = Self.workspaceSecret
        return try await rpc.call("hxb.auth.v1.GetServiceToken", request, as: Hexabase_Auth_V1_GetServiceTokenResponse.self).accessToken
    }
}
