import Contracts
import Foundation
import ServiceKit
import Synchronization

/// Where a user's groups in a workspace come from (the `groups` claim of a workspace
/// client's ID token). The workspace service is the source of truth.
protocol GroupDirectory: Sendable {
    /// The user's flattened groups in the workspace.
    func groups(workspaceID: String, userID: String) async throws -> [String]
}

/// Asks the workspace service over NATS (`hxb.workspace.v1.ListUserGroups`) with a service
/// token that the auth service signs for itself. When the workspace service cannot answer,
/// no ID token is issued (503): a token without the user's groups would be wrong, not safe.
final class NATSGroupDirectory: GroupDirectory {
    static let subject = "hxb.workspace.v1.ListUserGroups"

    let client: RPCClient
    let issuer: TokenIssuer
    private let cachedToken = Mutex<(token: String, renewAt: Date)?>(nil)

    init(client: RPCClient, issuer: TokenIssuer) {
        self.client = client
        self.issuer = issuer
    }

    func groups(workspaceID: String, userID: String) async throws -> [String] {
        var request = Hexabase_Workspace_V1_ListUserGroupsRequest()
        request.workspaceID = workspaceID
        request.userID = userID
        var metadata = CallMetadata()
        metadata.authorization = "Bearer " + (try await serviceToken())
        do {
            let response = try await client.call(Self.subject, request, as: Hexabase_Workspace_V1_ListUserGroupsResponse.self, metadata: metadata)
            return Array(Set(response.groups)).sorted()
        } catch {
            if error.code == .unavailable || error.code == .deadlineExceeded { throw OAuthError.temporarilyUnavailable }
            throw error
        }
    }

    /// The auth service's own service token, renewed at half its lifetime.
    private func serviceToken() async throws -> String {
        if let cached = cachedToken.withLock({ $0 }), cached.renewAt > Date() { return cached.token }
        let (token, claims) = try await issuer.accessToken(subject: "auth", sessionID: nil, kind: "service", clientID: "auth")
        let renewAt = Date().addingTimeInterval(claims.exp.value.timeIntervalSinceNow / 2)
        cachedToken.withLock { $0 = (token, renewAt) }
        return token
    }
}
