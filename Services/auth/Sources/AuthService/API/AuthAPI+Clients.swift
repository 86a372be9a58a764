import Contracts
import Foundation
import ServiceKit

extension AuthAPI {
    /// Only services (client-credentials tokens) register clients.
    @Sendable func registerClient(_ request: Hexabase_Auth_V1_RegisterClientRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_RegisterClientResponse {
        let caller = try await requireService(context)
        guard let kind = OAuthClient.Kind(rawValue: request.clientType.isEmpty ? "public" : request.clientType) else {
            throw ServiceError.invalidField("client_type", "must be public or confidential")
        }
        var grants = Set<OAuthClient.GrantType>()
        for (index, name) in (request.grantTypes.isEmpty ? ["authorization_code", "refresh_token"] : request.grantTypes).enumerated() {
            guard let grant = OAuthClient.GrantType(rawValue: name) else {
                throw ServiceError.invalidField("grant_types[\(index)]", "is not a supported grant type")
            }
            grants.insert(grant)
        }
        let (client, secret) = try await clients.register(
            id: request.clientID, name: request.name, kind: kind, redirectURIs: request.redirectUris, grantTypes: grants,
            workspaceID: request.workspaceID.isEmpty ? nil : request.workspaceID, createdBy: caller, origin: RequestOrigin(context)
        )
        var response = Hexabase_Auth_V1_RegisterClientResponse()
        response.client = client.message
        response.clientSecret = secret ?? ""
        return response
    }

    @Sendable func deleteClient(_ request: Hexabase_Auth_V1_DeleteClientRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_DeleteClientResponse {
        let caller = try await requireService(context)
        guard request.clientID != SessionService.platformClientID else {
            throw ServiceError(.failedPrecondition, "The platform client cannot be deleted.")
        }
        try await clients.delete(id: request.clientID, workspaceID: request.workspaceID, deletedBy: caller, origin: RequestOrigin(context))
        return Hexabase_Auth_V1_DeleteClientResponse()
    }

    /// The client-credentials grant over NATS, for services.
    @Sendable func getServiceToken(_ request: Hexabase_Auth_V1_GetServiceTokenRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_GetServiceTokenResponse {
        let tokens = try await provider.clientCredentials(clientID: request.clientID, secret: request.clientSecret, origin: RequestOrigin(context))
        var response = Hexabase_Auth_V1_GetServiceTokenResponse()
        response.accessToken = tokens.accessToken
        response.expiresIn = Int32(tokens.expiresIn)
        return response
    }

    @Sendable func serveHTTP(_ request: Hexabase_Common_V1_HTTPRequest, context: RequestContext) async throws -> Hexabase_Common_V1_HTTPResponse {
        try await provider.serve(request, context: context)
    }

    private func requireService(_ context: RequestContext) async throws -> String {
        let identity = try await context.identity()
        guard identity.kind == .service else {
            throw ServiceError(.permissionDenied, "Only platform services may manage OIDC clients.")
        }
        return identity.subject
    }
}

extension OAuthClient {
    var message: Hexabase_Auth_V1_Client {
        var message = Hexabase_Auth_V1_Client()
        message.clientID = id
        message.name = name
        message.clientType = kind.rawValue
        message.redirectUris = redirectURIs
        message.grantTypes = grantTypes.map(\.rawValue).sorted()
        message.workspaceID = workspaceID ?? ""
        message.createTime = .init(date: createdAt)
        return message
    }
}
