import AuthKit
import Contracts
import Foundation
import ServiceKit

extension LoggingAPI {
    @Sendable func createIngestionToken(_ request: Hexabase_Logs_V1_CreateIngestionTokenRequest, context: RequestContext) async throws -> Hexabase_Logs_V1_CreateIngestionTokenResponse {
        let userID = try await context.userIdentity().subject
        let workspaceID = try PrefixedID.required(request.workspaceID, "workspace_id", prefix: "ws")
        let name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.unicodeScalars.count), !name.utf8.contains(0) else {
            throw ServiceError.invalidField("name", "must be 1 to 100 characters")
        }
        let grant = try await access.require("logs.manage", on: "workspaces/\(workspaceID)", userID: userID, context: context)
        var random = SystemRandomNumberGenerator()
        let secret = IngestionTokenCache.secretPrefix + Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) })
        let tokenID = PrefixedID.make("itk")
        let token = try await store.createToken(
            id: tokenID, secret: secret, workspaceID: workspaceID, organizationID: grant.organizationID, name: name, createdBy: userID,
            audit: auditRecord(
                "logs.ingestion_token.create", resource: "workspaces/\(workspaceID)/ingestion-tokens/\(tokenID)", userID: userID,
                organizationID: grant.organizationID, workspaceID: workspaceID, details: ["name": name], context: context
            )
        )
        var response = Hexabase_Logs_V1_CreateIngestionTokenResponse()
        response.token = token
        response.secret = secret
        return response
    }

    @Sendable func listIngestionTokens(_ request: Hexabase_Logs_V1_ListIngestionTokensRequest, context: RequestContext) async throws -> Hexabase_Logs_V1_ListIngestionTokensResponse {
        let userID = try await context.userIdentity().subject
        let workspaceID = try PrefixedID.required(request.workspaceID, "workspace_id", prefix: "ws")
        _ = try await access.require("logs.manage", on: "workspaces/\(workspaceID)", userID: userID, context: context)
        var response = Hexabase_Logs_V1_ListIngestionTokensResponse()
        response.tokens = try await store.tokens(workspaceID: workspaceID)
        return response
    }

    @Sendable func revokeIngestionToken(_ request: Hexabase_Logs_V1_RevokeIngestionTokenRequest, context: RequestContext) async throws -> Hexabase_Logs_V1_IngestionToken {
        let userID = try await context.userIdentity().subject
        let workspaceID = try PrefixedID.required(request.workspaceID, "workspace_id", prefix: "ws")
        let tokenID = try PrefixedID.required(request.tokenID, "token_id", prefix: "itk")
        let grant = try await access.require("logs.manage", on: "workspaces/\(workspaceID)", userID: userID, context: context)
        let audit = auditRecord(
            "logs.ingestion_token.revoke", resource: "workspaces/\(workspaceID)/ingestion-tokens/\(tokenID)", userID: userID,
            organizationID: grant.organizationID, workspaceID: workspaceID, context: context
        )
        guard let token = try await store.revokeToken(id: tokenID, workspaceID: workspaceID, audit: audit) else {
            throw ServiceError(.notFound, "No such ingestion token.")
        }
        tokens.flush()
        return token
    }
}
