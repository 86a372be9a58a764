import AuthKit
import Contracts
import ServiceKit

/// Gives each workspace its own OIDC client at auth (`hxb-<workspace id>`), the audience of the
/// ID tokens its virtual API server accepts, and removes it with the workspace.
protocol OIDCClientRegistrar: Sendable {
    /// Registers the workspace's client; one that exists already counts as done (idempotent).
    func register(_ workspace: Workspace) async throws
    /// Deletes the workspace's client; one already gone counts as done (idempotent).
    func delete(workspaceID: String) async throws
}

/// The registrar over NATS: `hxb.auth.v1.RegisterClient` / `DeleteClient` with this service's
/// client-credentials token.
struct AuthClientRegistrar: OIDCClientRegistrar {
    /// kubelogin's default callback ports; any loopback port works too (RFC 8252, auth allows it).
    static let redirectURIs = ["http://localhost:8000", "http://localhost:18000"]

    let client: RPCClient
    let tokens: ServiceTokenSource

    func register(_ workspace: Workspace) async throws {
        var request = Hexabase_Auth_V1_RegisterClientRequest()
        request.name = "Workspace \(workspace.name) (\(workspace.id))"
        request.workspaceID = workspace.id
        request.clientType = "public"
        request.redirectUris = Self.redirectURIs
        request.grantTypes = ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]
        do throws(ServiceError) {
            _ = try await client.call("hxb.auth.v1.RegisterClient", request, as: Hexabase_Auth_V1_RegisterClientResponse.self, metadata: try await tokens.metadata())
        } catch {
            try settle(error, done: .conflict)
        }
    }

    func delete(workspaceID: String) async throws {
        var request = Hexabase_Auth_V1_DeleteClientRequest()
        request.workspaceID = workspaceID
        do throws(ServiceError) {
            _ = try await client.call("hxb.auth.v1.DeleteClient", request, as: Hexabase_Auth_V1_DeleteClientResponse.self, metadata: try await tokens.metadata())
        } catch {
            try settle(error, done: .notFound)
        }
    }

    /// `done` means the work was already done; a refused token is dropped so the next attempt
    /// gets a fresh one.
    private func settle(_ error: ServiceError, done: ServiceError.Code) throws(ServiceError) {
        if error.code == done { return }
        if error.code == .unauthenticated { tokens.invalidate() }
        throw error
    }
}
