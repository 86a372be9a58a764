import Contracts
import Foundation
import ServiceKit

extension WorkspaceAPI {
    /// CheckAccess's name for the platform as a whole, and its one action (held by the platform
    /// admins; e.g. the logging service asks it before showing system logs).
    static let platformResource = "platform"
    static let platformAdminAction = "platform.admin"

    /// For other services (a service token, about any user) and for users (about themselves).
    @Sendable func checkAccess(_ request: Hexabase_Workspace_V1_CheckAccessRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_CheckAccessResponse {
        let identity = try await context.identity()
        let userID: String
        switch identity.kind {
        case .service:
            userID = try PrefixedID.required(request.userID, "user_id", prefix: "usr")
        case .user:
            guard request.userID.isEmpty || request.userID == identity.subject else {
                throw ServiceError(.permissionDenied, "A user may only check their own access.")
            }
            userID = identity.subject
        }
        if request.resource == Self.platformResource {
            // The platform itself: one action, held by the platform admins.
            guard request.action == Self.platformAdminAction else {
                throw ServiceError.invalidField("action", "the only action on \(Self.platformResource) is \(Self.platformAdminAction)")
            }
            var response = Hexabase_Workspace_V1_CheckAccessResponse()
            response.allowed = try await access.access(for: userID).isPlatformAdmin
            response.reason = response.allowed ? "platform admin" : "not a platform admin"
            return response
        }
        guard let resource = ResourceName(parsing: request.resource) else {
            throw ServiceError.invalidField("resource", "must be organizations/<org-id>, workspaces/<ws-id>, projects/<prj-id> or platform")
        }
        guard let action = Action.named(request.action) else {
            throw ServiceError.invalidField("action", "is not an action of the permission model (docs/access-control.md)")
        }
        guard action.resource == resource.kind || (action.resource == .project && resource.kind == .workspace) || (action.resource == .workspace && resource.kind == .project) else {
            throw ServiceError.invalidField("action", "\(action.name) applies to \(action.resource.rawValue)s, not \(resource.kind.rawValue)s")
        }
        let (decision, placement) = try await access.decide(userID: userID, action: action, on: resource)
        var response = Hexabase_Workspace_V1_CheckAccessResponse()
        response.allowed = decision.allowed
        response.reason = decision.reason
        // Tenant ids only for a resource the user can see: a refusal reveals nothing.
        if decision.visible, let placement {
            response.organizationID = placement.organizationID
            response.workspaceID = placement.workspaceID ?? ""
        }
        return response
    }

    /// For auth's ID tokens: the user's flattened groups in a workspace. Services only.
    @Sendable func listUserGroups(_ request: Hexabase_Workspace_V1_ListUserGroupsRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListUserGroupsResponse {
        let identity = try await context.identity()
        guard identity.kind == .service else {
            throw ServiceError(.permissionDenied, "Only platform services may list a user's groups.")
        }
        let workspaceID = try PrefixedID.required(request.workspaceID, "workspace_id", prefix: "ws")
        let userID = try PrefixedID.required(request.userID, "user_id", prefix: "usr")
        var response = Hexabase_Workspace_V1_ListUserGroupsResponse()
        response.groups = try await access.access(for: userID).groupNames[workspaceID] ?? []
        return response
    }
}
