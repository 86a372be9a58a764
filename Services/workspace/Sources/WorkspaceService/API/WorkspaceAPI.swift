import Contracts
import Foundation
import ServiceKit

/// The RPC handlers of the workspace service: decode, authorize against the verified caller,
/// call the store, encode. Every mutation is recorded (audit + event) in its own transaction.
struct WorkspaceAPI: Sendable {
    let store: WorkspaceStore
    let access: AccessControl
    let plans: PlanCatalog
    /// Renders the kubeconfig of a workspace (issuer, client id and server URL are configuration).
    let kubeconfig: @Sendable (Workspace, _ userID: String) -> String
    /// The URL people open to accept an invitation; the token is appended.
    let invitationURL: String

    var endpoints: [Endpoint] {
        [
            .unary("CreateOrganization", Hexabase_Workspace_V1_CreateOrganizationRequest.self, handler: createOrganization),
            .unary("GetOrganization", Hexabase_Workspace_V1_GetOrganizationRequest.self, handler: getOrganization),
            .unary("ListOrganizations", Hexabase_Workspace_V1_ListOrganizationsRequest.self, handler: listOrganizations),
            .unary("UpdateOrganization", Hexabase_Workspace_V1_UpdateOrganizationRequest.self, handler: updateOrganization),
            .unary("DeleteOrganization", Hexabase_Workspace_V1_DeleteOrganizationRequest.self, handler: deleteOrganization),
            .unary("ListOrganizationMembers", Hexabase_Workspace_V1_ListOrganizationMembersRequest.self, handler: listOrganizationMembers),
            .unary("UpdateOrganizationMember", Hexabase_Workspace_V1_UpdateOrganizationMemberRequest.self, handler: updateOrganizationMember),
            .unary("RemoveOrganizationMember", Hexabase_Workspace_V1_RemoveOrganizationMemberRequest.self, handler: removeOrganizationMember),
            .unary("TransferOwnership", Hexabase_Workspace_V1_TransferOwnershipRequest.self, handler: transferOwnership),
            .unary("CreateInvitation", Hexabase_Workspace_V1_CreateInvitationRequest.self, handler: createInvitation),
            .unary("ListInvitations", Hexabase_Workspace_V1_ListInvitationsRequest.self, handler: listInvitations),
            .unary("RevokeInvitation", Hexabase_Workspace_V1_RevokeInvitationRequest.self, handler: revokeInvitation),
            .unary("AcceptInvitation", Hexabase_Workspace_V1_AcceptInvitationRequest.self, handler: acceptInvitation),
            .unary("ListPlans", Hexabase_Workspace_V1_ListPlansRequest.self, handler: listPlans),
            .unary("CreateWorkspace", Hexabase_Workspace_V1_CreateWorkspaceRequest.self, handler: createWorkspace),
            .unary("GetWorkspace", Hexabase_Workspace_V1_GetWorkspaceRequest.self, handler: getWorkspace),
            .unary("ListWorkspaces", Hexabase_Workspace_V1_ListWorkspacesRequest.self, handler: listWorkspaces),
            .unary("UpdateWorkspace", Hexabase_Workspace_V1_UpdateWorkspaceRequest.self, handler: updateWorkspace),
            .unary("DeleteWorkspace", Hexabase_Workspace_V1_DeleteWorkspaceRequest.self, handler: deleteWorkspace),
            .unary("GetKubeconfig", Hexabase_Workspace_V1_GetKubeconfigRequest.self, handler: getKubeconfig),
            .unary("AddWorkspaceMember", Hexabase_Workspace_V1_AddWorkspaceMemberRequest.self, handler: addWorkspaceMember),
            .unary("ListWorkspaceMembers", Hexabase_Workspace_V1_ListWorkspaceMembersRequest.self, handler: listWorkspaceMembers),
            .unary("RemoveWorkspaceMember", Hexabase_Workspace_V1_RemoveWorkspaceMemberRequest.self, handler: removeWorkspaceMember),
            .unary("CreateGroup", Hexabase_Workspace_V1_CreateGroupRequest.self, handler: createGroup),
            .unary("ListGroups", Hexabase_Workspace_V1_ListGroupsRequest.self, handler: listGroups),
            .unary("UpdateGroup", Hexabase_Workspace_V1_UpdateGroupRequest.self, handler: updateGroup),
            .unary("DeleteGroup", Hexabase_Workspace_V1_DeleteGroupRequest.self, handler: deleteGroup),
            .unary("AddGroupMember", Hexabase_Workspace_V1_AddGroupMemberRequest.self, handler: addGroupMember),
            .unary("RemoveGroupMember", Hexabase_Workspace_V1_RemoveGroupMemberRequest.self, handler: removeGroupMember),
            .unary("CreateRole", Hexabase_Workspace_V1_CreateRoleRequest.self, handler: createRole),
            .unary("ListRoles", Hexabase_Workspace_V1_ListRolesRequest.self, handler: listRoles),
            .unary("UpdateRole", Hexabase_Workspace_V1_UpdateRoleRequest.self, handler: updateRole),
            .unary("DeleteRole", Hexabase_Workspace_V1_DeleteRoleRequest.self, handler: deleteRole),
            .unary("CreateRoleBinding", Hexabase_Workspace_V1_CreateRoleBindingRequest.self, handler: createRoleBinding),
            .unary("ListRoleBindings", Hexabase_Workspace_V1_ListRoleBindingsRequest.self, handler: listRoleBindings),
            .unary("DeleteRoleBinding", Hexabase_Workspace_V1_DeleteRoleBindingRequest.self, handler: deleteRoleBinding),
            .unary("CreateProject", Hexabase_Workspace_V1_CreateProjectRequest.self, handler: createProject),
            .unary("GetProject", Hexabase_Workspace_V1_GetProjectRequest.self, handler: getProject),
            .unary("ListProjects", Hexabase_Workspace_V1_ListProjectsRequest.self, handler: listProjects),
            .unary("UpdateProject", Hexabase_Workspace_V1_UpdateProjectRequest.self, handler: updateProject),
            .unary("DeleteProject", Hexabase_Workspace_V1_DeleteProjectRequest.self, handler: deleteProject),
            .unary("CheckAccess", Hexabase_Workspace_V1_CheckAccessRequest.self, handler: checkAccess),
            .unary("ListUserGroups", Hexabase_Workspace_V1_ListUserGroupsRequest.self, handler: listUserGroups),
        ]
    }

    /// The verified user behind a request (services get 403: these methods act for a person).
    func caller(_ context: RequestContext) async throws -> Actor {
        let identity = try await context.userIdentity()
        return Actor(
            id: identity.subject, requestID: context.requestID, sourceAddress: context.headers[RPCHeader.clientAddress],
            traceID: context.trace.traceID, initiatedBy: .user
        )
    }

    /// A change for the audit trail and the event stream.
    func change(_ entity: String, _ verb: String, _ resourceID: String, organization: String, workspace: String? = nil, by actor: Actor, details: [String: String] = [:]) -> Change {
        Change(entity: entity, verb: verb, resourceID: resourceID, organizationID: organization, workspaceID: workspace, actor: actor, details: details)
    }
}
