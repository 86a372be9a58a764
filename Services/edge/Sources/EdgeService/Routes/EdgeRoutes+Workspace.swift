import Contracts
import Hummingbird
import SwiftProtobuf

extension EdgeRoutes {
    /// The workspace service's routes (DESIGN §1): every one needs a bearer token; the service
    /// decides what the caller may see (404 for what it may not).
    public static let workspace: [RESTRoute] = [
        // Organizations
        workspaceRPC(.get, "/api/v1/organizations", "ListOrganizations",
                     Hexabase_Workspace_V1_ListOrganizationsRequest.self, Hexabase_Workspace_V1_ListOrganizationsResponse.self),
        workspaceRPC(.post, "/api/v1/organizations", "CreateOrganization",
                     Hexabase_Workspace_V1_CreateOrganizationRequest.self, Hexabase_Workspace_V1_Organization.self, .created),
        workspaceRPC(.get, "/api/v1/organizations/{organization_id}", "GetOrganization",
                     Hexabase_Workspace_V1_GetOrganizationRequest.self, Hexabase_Workspace_V1_Organization.self),
        workspaceRPC(.patch, "/api/v1/organizations/{organization_id}", "UpdateOrganization",
                     Hexabase_Workspace_V1_UpdateOrganizationRequest.self, Hexabase_Workspace_V1_Organization.self),
        workspaceRPC(.delete, "/api/v1/organizations/{organization_id}", "DeleteOrganization",
                     Hexabase_Workspace_V1_DeleteOrganizationRequest.self, Hexabase_Workspace_V1_DeleteOrganizationResponse.self),
        workspaceRPC(.get, "/api/v1/organizations/{organization_id}/members", "ListOrganizationMembers",
                     Hexabase_Workspace_V1_ListOrganizationMembersRequest.self, Hexabase_Workspace_V1_ListOrganizationMembersResponse.self),
        workspaceRPC(.patch, "/api/v1/organizations/{organization_id}/members/{user_id}", "UpdateOrganizationMember",
                     Hexabase_Workspace_V1_UpdateOrganizationMemberRequest.self, Hexabase_Workspace_V1_OrganizationMember.self),
        workspaceRPC(.delete, "/api/v1/organizations/{organization_id}/members/{user_id}", "RemoveOrganizationMember",
                     Hexabase_Workspace_V1_RemoveOrganizationMemberRequest.self, Hexabase_Workspace_V1_RemoveOrganizationMemberResponse.self),
        workspaceRPC(.post, "/api/v1/organizations/{organization_id}/transfer-ownership", "TransferOwnership",
                     Hexabase_Workspace_V1_TransferOwnershipRequest.self, Hexabase_Workspace_V1_TransferOwnershipResponse.self),
        workspaceRPC(.get, "/api/v1/organizations/{organization_id}/invitations", "ListInvitations",
                     Hexabase_Workspace_V1_ListInvitationsRequest.self, Hexabase_Workspace_V1_ListInvitationsResponse.self),
        workspaceRPC(.post, "/api/v1/organizations/{organization_id}/invitations", "CreateInvitation",
                     Hexabase_Workspace_V1_CreateInvitationRequest.self, Hexabase_Workspace_V1_Invitation.self, .created),
        workspaceRPC(.delete, "/api/v1/organizations/{organization_id}/invitations/{invitation_id}", "RevokeInvitation",
                     Hexabase_Workspace_V1_RevokeInvitationRequest.self, Hexabase_Workspace_V1_Invitation.self),
        workspaceRPC(.post, "/api/v1/invitations/accept", "AcceptInvitation",
                     Hexabase_Workspace_V1_AcceptInvitationRequest.self, Hexabase_Workspace_V1_AcceptInvitationResponse.self),
        // Plans and workspaces (changes to a workspace are accepted: provisioning goes on)
        workspaceRPC(.get, "/api/v1/plans", "ListPlans",
                     Hexabase_Workspace_V1_ListPlansRequest.self, Hexabase_Workspace_V1_ListPlansResponse.self),
        workspaceRPC(.get, "/api/v1/organizations/{organization_id}/workspaces", "ListWorkspaces",
                     Hexabase_Workspace_V1_ListWorkspacesRequest.self, Hexabase_Workspace_V1_ListWorkspacesResponse.self),
        workspaceRPC(.post, "/api/v1/organizations/{organization_id}/workspaces", "CreateWorkspace",
                     Hexabase_Workspace_V1_CreateWorkspaceRequest.self, Hexabase_Workspace_V1_Workspace.self, .accepted),
        workspaceRPC(.get, "/api/v1/workspaces/{workspace_id}", "GetWorkspace",
                     Hexabase_Workspace_V1_GetWorkspaceRequest.self, Hexabase_Workspace_V1_Workspace.self),
        workspaceRPC(.patch, "/api/v1/workspaces/{workspace_id}", "UpdateWorkspace",
                     Hexabase_Workspace_V1_UpdateWorkspaceRequest.self, Hexabase_Workspace_V1_Workspace.self, .accepted),
        workspaceRPC(.delete, "/api/v1/workspaces/{workspace_id}", "DeleteWorkspace",
                     Hexabase_Workspace_V1_DeleteWorkspaceRequest.self, Hexabase_Workspace_V1_Workspace.self, .accepted),
        workspaceRPC(.get, "/api/v1/workspaces/{workspace_id}/kubeconfig", "GetKubeconfig",
                     Hexabase_Workspace_V1_GetKubeconfigRequest.self, Hexabase_Workspace_V1_GetKubeconfigResponse.self, render: kubeconfigAttachment),
        // Workspace members and groups
        workspaceRPC(.get, "/api/v1/workspaces/{workspace_id}/members", "ListWorkspaceMembers",
                     Hexabase_Workspace_V1_ListWorkspaceMembersRequest.self, Hexabase_Workspace_V1_ListWorkspaceMembersResponse.self),
        workspaceRPC(.post, "/api/v1/workspaces/{workspace_id}/members", "AddWorkspaceMember",
                     Hexabase_Workspace_V1_AddWorkspaceMemberRequest.self, Hexabase_Workspace_V1_WorkspaceMember.self, .created),
        workspaceRPC(.delete, "/api/v1/workspaces/{workspace_id}/members/{user_id}", "RemoveWorkspaceMember",
                     Hexabase_Workspace_V1_RemoveWorkspaceMemberRequest.self, Hexabase_Workspace_V1_RemoveWorkspaceMemberResponse.self),
        workspaceRPC(.get, "/api/v1/workspaces/{workspace_id}/groups", "ListGroups",
                     Hexabase_Workspace_V1_ListGroupsRequest.self, Hexabase_Workspace_V1_ListGroupsResponse.self),
        workspaceRPC(.post, "/api/v1/workspaces/{workspace_id}/groups", "CreateGroup",
                     Hexabase_Workspace_V1_CreateGroupRequest.self, Hexabase_Workspace_V1_Group.self, .created),
        workspaceRPC(.patch, "/api/v1/workspaces/{workspace_id}/groups/{group_id}", "UpdateGroup",
                     Hexabase_Workspace_V1_UpdateGroupRequest.self, Hexabase_Workspace_V1_Group.self),
        workspaceRPC(.delete, "/api/v1/workspaces/{workspace_id}/groups/{group_id}", "DeleteGroup",
                     Hexabase_Workspace_V1_DeleteGroupRequest.self, Hexabase_Workspace_V1_DeleteGroupResponse.self),
        workspaceRPC(.post, "/api/v1/workspaces/{workspace_id}/groups/{group_id}/members", "AddGroupMember",
                     Hexabase_Workspace_V1_AddGroupMemberRequest.self, Hexabase_Workspace_V1_AddGroupMemberResponse.self, .created),
        workspaceRPC(.delete, "/api/v1/workspaces/{workspace_id}/groups/{group_id}/members/{user_id}", "RemoveGroupMember",
                     Hexabase_Workspace_V1_RemoveGroupMemberRequest.self, Hexabase_Workspace_V1_RemoveGroupMemberResponse.self),
        // Roles and role bindings
        workspaceRPC(.get, "/api/v1/workspaces/{workspace_id}/roles", "ListRoles",
                     Hexabase_Workspace_V1_ListRolesRequest.self, Hexabase_Workspace_V1_ListRolesResponse.self),
        workspaceRPC(.post, "/api/v1/workspaces/{workspace_id}/roles", "CreateRole",
                     Hexabase_Workspace_V1_CreateRoleRequest.self, Hexabase_Workspace_V1_Role.self, .created),
        workspaceRPC(.patch, "/api/v1/workspaces/{workspace_id}/roles/{role_id}", "UpdateRole",
                     Hexabase_Workspace_V1_UpdateRoleRequest.self, Hexabase_Workspace_V1_Role.self),
        workspaceRPC(.delete, "/api/v1/workspaces/{workspace_id}/roles/{role_id}", "DeleteRole",
                     Hexabase_Workspace_V1_DeleteRoleRequest.self, Hexabase_Workspace_V1_DeleteRoleResponse.self),
        workspaceRPC(.get, "/api/v1/workspaces/{workspace_id}/role-bindings", "ListRoleBindings",
                     Hexabase_Workspace_V1_ListRoleBindingsRequest.self, Hexabase_Workspace_V1_ListRoleBindingsResponse.self),
        workspaceRPC(.post, "/api/v1/workspaces/{workspace_id}/role-bindings", "CreateRoleBinding",
                     Hexabase_Workspace_V1_CreateRoleBindingRequest.self, Hexabase_Workspace_V1_RoleBinding.self, .created),
        workspaceRPC(.delete, "/api/v1/workspaces/{workspace_id}/role-bindings/{binding_id}", "DeleteRoleBinding",
                     Hexabase_Workspace_V1_DeleteRoleBindingRequest.self, Hexabase_Workspace_V1_DeleteRoleBindingResponse.self),
        // Projects
        workspaceRPC(.get, "/api/v1/workspaces/{workspace_id}/projects", "ListProjects",
                     Hexabase_Workspace_V1_ListProjectsRequest.self, Hexabase_Workspace_V1_ListProjectsResponse.self),
        workspaceRPC(.post, "/api/v1/workspaces/{workspace_id}/projects", "CreateProject",
                     Hexabase_Workspace_V1_CreateProjectRequest.self, Hexabase_Workspace_V1_Project.self, .created),
        workspaceRPC(.get, "/api/v1/workspaces/{workspace_id}/projects/{project_id}", "GetProject",
                     Hexabase_Workspace_V1_GetProjectRequest.self, Hexabase_Workspace_V1_Project.self),
        workspaceRPC(.patch, "/api/v1/workspaces/{workspace_id}/projects/{project_id}", "UpdateProject",
                     Hexabase_Workspace_V1_UpdateProjectRequest.self, Hexabase_Workspace_V1_Project.self),
        workspaceRPC(.delete, "/api/v1/workspaces/{workspace_id}/projects/{project_id}", "DeleteProject",
                     Hexabase_Workspace_V1_DeleteProjectRequest.self, Hexabase_Workspace_V1_DeleteProjectResponse.self),
        // Access
        workspaceRPC(.post, "/api/v1/access/check", "CheckAccess",
                     Hexabase_Workspace_V1_CheckAccessRequest.self, Hexabase_Workspace_V1_CheckAccessResponse.self),
    ]

    /// `hxb.workspace.v1.<name>` behind a bearer token.
    private static func workspaceRPC<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: HTTPRequest.Method, _ path: String, _ name: String, _ request: Request.Type, _ response: Response.Type,
        _ successStatus: HTTPResponse.Status = .ok, render: (@Sendable (Request, Response) throws -> RESTRoute.Rendering)? = nil
    ) -> RESTRoute {
        .rpc(method, path, subject: "hxb.workspace.v1.\(name)", request: request, response: response,
             authentication: .bearer, successStatus: successStatus, render: render)
    }

    /// The kubeconfig as the YAML file it is, named after the workspace, for `curl -OJ` and browsers.
    @Sendable
    static func kubeconfigAttachment(
        _ request: Hexabase_Workspace_V1_GetKubeconfigRequest, _ response: Hexabase_Workspace_V1_GetKubeconfigResponse
    ) -> RESTRoute.Rendering {
        RESTRoute.Rendering(
            contentType: "application/yaml", bytes: Array(response.kubeconfig.utf8),
            headers: [.contentDisposition: Attachment.disposition(name: request.workspaceID, fallback: "workspace", suffix: ".kubeconfig")]
        )
    }
}
