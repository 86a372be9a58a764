import AuthKit
import Contracts
import ServiceKit

/// Asks the workspace service whether a user may do something (`hxb.workspace.v1.CheckAccess`
/// with this service's client-credentials token). The answer also says which organization and
/// workspace the resource belongs to: the scope of a query comes from there, never from the
/// request.
struct TenantAccess: Sendable {
    let client: RPCClient
    let tokens: ServiceTokenSource

    struct Grant: Sendable, Equatable {
        var organizationID: String
        var workspaceID: String
    }

    /// The grant for `action` on `resource` (e.g. `workspaces/ws-…`), or a 404 when the user
    /// cannot see the resource and a 403 when they see it but may not do this.
    func require(_ action: String, on resource: String, userID: String, context: RequestContext) async throws -> Grant {
        let response = try await check(action, on: resource, userID: userID, context: context)
        guard response.allowed else {
            if response.organizationID.isEmpty {
                throw ServiceError(.notFound, "No such \(resource.split(separator: "/").first.map { String($0.dropLast()) } ?? "resource").")
            }
            throw ServiceError(.permissionDenied, "You may not do this here (\(action)).")
        }
        RequestLogContext.current?.tagTenant(organizationID: response.organizationID, workspaceID: response.workspaceID)
        return Grant(organizationID: response.organizationID, workspaceID: response.workspaceID)
    }

    /// Whether the user is a platform admin.
    func isPlatformAdmin(_ userID: String, context: RequestContext) async throws -> Bool {
        try await check("platform.admin", on: "platform", userID: userID, context: context).allowed
    }

    private func check(_ action: String, on resource: String, userID: String, context: RequestContext) async throws -> Hexabase_Workspace_V1_CheckAccessResponse {
        var request = Hexabase_Workspace_V1_CheckAccessRequest()
        request.userID = userID
        request.resource = resource
        request.action = action
        var metadata = context.forwarded
        do throws(ServiceError) {
            metadata.authorization = "Bearer " + (try await tokens.token())
            return try await client.call("hxb.workspace.v1.CheckAccess", request, as: Hexabase_Workspace_V1_CheckAccessResponse.self, metadata: metadata)
        } catch {
            if error.code == .unauthenticated { tokens.invalidate() }
            // The caller did nothing wrong: the check itself failed.
            throw ServiceError(error.code.status >= 500 ? error.code : .unavailable, "Access could not be checked; retry.", cause: error)
        }
    }
}
