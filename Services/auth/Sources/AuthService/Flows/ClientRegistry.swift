import Foundation
import ServiceKit
import Store

/// The OIDC provider's clients: authenticating them at the token endpoint, registering and
/// deleting them (the workspace service does so for each workspace), and writing the
/// configured ones at start.
struct ClientRegistry: Sendable {
    let store: AuthStore
    let audit: AuditTrail

    /// The client of a token-endpoint request. A confidential client must present its secret
    /// (HTTP Basic or `client_secret` in the body, compared as hashes in constant time); a
    /// public client must present none.
    func authenticate(clientID: String, secret: String?) async throws -> OAuthClient {
        guard !clientID.isEmpty, clientID.utf8.count <= 128, let (client, secretHash) = try await store.client(id: clientID) else {
            throw OAuthError.invalidClient()
        }
        switch client.kind {
        case .public:
            guard secret == nil || secret == "" else { throw OAuthError.invalidClient("A public client has no secret.") }
        case .confidential:
            guard let secret, let secretHash, ConstantTime.equal(OpaqueToken.hash(secret), secretHash) else {
                throw OAuthError.invalidClient()
            }
        }
        return client
    }

    /// A client by id, for the authorization endpoint (no secret there).
    func client(id: String) async throws -> OAuthClient? {
        guard !id.isEmpty, id.utf8.count <= 128 else { return nil }
        return try await store.client(id: id)?.0
    }

    /// Registers a client; returns it with its secret (confidential clients only).
    func register(
        id requestedID: String, name: String, kind: OAuthClient.Kind, redirectURIs: [String], grantTypes: Set<OAuthClient.GrantType>,
        workspaceID: String?, createdBy: String, origin: RequestOrigin
    ) async throws -> (OAuthClient, secret: String?) {
        let id = requestedID.isEmpty ? (workspaceID.map { "hxb-" + $0 } ?? PrefixedID.make("cli")) : requestedID
        guard id.utf8.count <= 128, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) else {
            throw ServiceError.invalidField("client_id", "must be 1 to 128 letters, digits, '-', '_', '.' or ':'")
        }
        for (index, uri) in redirectURIs.enumerated() {
            if let problem = OAuthClient.validateRedirectURI(uri) { throw ServiceError.invalidField("redirect_uris[\(index)]", problem) }
        }
        if grantTypes.contains(.authorizationCode), redirectURIs.isEmpty {
            throw ServiceError.invalidField("redirect_uris", "are required for the authorization_code grant")
        }
        if grantTypes.contains(.clientCredentials), kind == .public {
            throw ServiceError.invalidField("grant_types", "client_credentials needs a confidential client")
        }
        let client = OAuthClient(
            id: id, name: name.isEmpty ? id : String(name.prefix(200)), kind: kind, redirectURIs: redirectURIs,
            grantTypes: grantTypes, workspaceID: workspaceID, createdAt: AuthClock.now()
        )
        let secret = kind == .confidential ? OpaqueToken.generate(prefix: OpaqueToken.clientSecretPrefix) : nil
        do {
            try await store.insertClient(client, secretHash: secret.map(OpaqueToken.hash), createdBy: createdBy)
        } catch let error as DatabaseError where error.code == .uniqueViolation {
            throw ServiceError(.conflict, "A client with this id, or for this workspace, already exists.")
        }
        await audit.record(AuditEvent(action: "auth.client.register", outcome: .success, actorID: createdBy, initiatedBy: .service, subject: id, details: ["workspace_id": workspaceID ?? ""]), origin)
        return (client, secret)
    }

    /// Deletes a client by id or workspace.
    func delete(id: String?, workspaceID: String?, deletedBy: String, origin: RequestOrigin) async throws {
        guard (id ?? "").isEmpty == false || (workspaceID ?? "").isEmpty == false else {
            throw ServiceError.invalidField("client_id", "or workspace_id is required")
        }
        guard let deleted = try await store.deleteClient(id: id.flatMap { $0.isEmpty ? nil : $0 }, workspaceID: workspaceID.flatMap { $0.isEmpty ? nil : $0 }) else {
            throw ServiceError(.notFound, "No such client.")
        }
        await audit.record(AuditEvent(action: "auth.client.delete", outcome: .success, actorID: deletedBy, initiatedBy: .service, subject: deleted), origin)
    }
}
