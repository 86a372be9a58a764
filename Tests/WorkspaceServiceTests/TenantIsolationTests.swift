import Contracts
import Foundation
import ServiceKit
import SwiftProtobuf
import Testing
import TestSupport
@testable import WorkspaceService

/// A user of another organization tries every method against this organization's resources
/// and gets nothing: 404 everywhere (existence does not leak), and no change happened.
@Suite("Tenant isolation and access", .serialized)
struct TenantIsolationTests {
    @Test("an outsider gets 404 from every method on another tenant's organization, workspace, project, group, role and binding")
    func isolationMatrix() async throws {
        try await WorkspaceTestStack.with { stack, _ in
            let owner = try await stack.user("owner")
            let outsider = try await stack.user("mallory")
            let org = owner.personal
            var create = Hexabase_Workspace_V1_CreateWorkspaceRequest()
            create.organizationID = org
            create.name = "secret"
            let ws = try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: owner.token).id
            _ = try await stack.waitForState(ws, "running", token: owner.token)
            var project = Hexabase_Workspace_V1_CreateProjectRequest()
            project.workspaceID = ws
            project.name = "app"
            let prj = try await stack.call("CreateProject", project, as: Hexabase_Workspace_V1_Project.self, token: owner.token).id
            var listGroups = Hexabase_Workspace_V1_ListGroupsRequest()
            listGroups.workspaceID = ws
            let grp = try await stack.call("ListGroups", listGroups, as: Hexabase_Workspace_V1_ListGroupsResponse.self, token: owner.token).groups[0].id
            var listBindings = Hexabase_Workspace_V1_ListRoleBindingsRequest()
            listBindings.workspaceID = ws
            let rb = try await stack.call("ListRoleBindings", listBindings, as: Hexabase_Workspace_V1_ListRoleBindingsResponse.self, token: owner.token).bindings[0].id

            func attempt<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(_ method: String, _ response: Response.Type, _ build: (inout Request) -> Void) async {
                var request = Request()
                build(&request)
                await expectError(.notFound, method) { try await stack.call(method, request, as: Response.self, token: outsider.token) }
            }
            typealias W = Hexabase_Workspace_V1_Organization
            await attempt("GetOrganization", W.self) { (r: inout Hexabase_Workspace_V1_GetOrganizationRequest) in r.organizationID = org }
            await attempt("UpdateOrganization", W.self) { (r: inout Hexabase_Workspace_V1_UpdateOrganizationRequest) in r.organizationID = org; r.name = "pwned" }
            await attempt("DeleteOrganization", Hexabase_Workspace_V1_DeleteOrganizationResponse.self) { (r: inout Hexabase_Workspace_V1_DeleteOrganizationRequest) in r.organizationID = org }
            await attempt("ListOrganizationMembers", Hexabase_Workspace_V1_ListOrganizationMembersResponse.self) { (r: inout Hexabase_Workspace_V1_ListOrganizationMembersRequest) in r.organizationID = org }
            await attempt("UpdateOrganizationMember", Hexabase_Workspace_V1_OrganizationMember.self) { (r: inout Hexabase_Workspace_V1_UpdateOrganizationMemberRequest) in r.organizationID = org; r.userID = owner.id; r.role = "member" }
            await attempt("RemoveOrganizationMember", Hexabase_Workspace_V1_RemoveOrganizationMemberResponse.self) { (r: inout Hexabase_Workspace_V1_RemoveOrganizationMemberRequest) in r.organizationID = org; r.userID = owner.id }
            await attempt("TransferOwnership", Hexabase_Workspace_V1_TransferOwnershipResponse.self) { (r: inout Hexabase_Workspace_V1_TransferOwnershipRequest) in r.organizationID = org; r.userID = outsider.id }
            await attempt("CreateInvitation", Hexabase_Workspace_V1_Invitation.self) { (r: inout Hexabase_Workspace_V1_CreateInvitationRequest) in r.organizationID = org; r.email = "x@example.com" }
            await attempt("ListInvitations", Hexabase_Workspace_V1_ListInvitationsResponse.self) { (r: inout Hexabase_Workspace_V1_ListInvitationsRequest) in r.organizationID = org }
            await attempt("RevokeInvitation", Hexabase_Workspace_V1_Invitation.self) { (r: inout Hexabase_Workspace_V1_RevokeInvitationRequest) in r.organizationID = org; r.invitationID = PrefixedID.make("inv") }
            await attempt("CreateWorkspace", Hexabase_Workspace_V1_Workspace.self) { (r: inout Hexabase_Workspace_V1_CreateWorkspaceRequest) in r.organizationID = org; r.name = "mine" }
            await attempt("ListWorkspaces", Hexabase_Workspace_V1_ListWorkspacesResponse.self) { (r: inout Hexabase_Workspace_V1_ListWorkspacesRequest) in r.organizationID = org }
            await attempt("GetWorkspace", Hexabase_Workspace_V1_Workspace.self) { (r: inout Hexabase_Workspace_V1_GetWorkspaceRequest) in r.workspaceID = ws }
            await attempt("UpdateWorkspace", Hexabase_Workspace_V1_Workspace.self) { (r: inout Hexabase_Workspace_V1_UpdateWorkspaceRequest) in r.workspaceID = ws; r.planID = "dedicated" }
            await attempt("DeleteWorkspace", Hexabase_Workspace_V1_Workspace.self) { (r: inout Hexabase_Workspace_V1_DeleteWorkspaceRequest) in r.workspaceID = ws }
            await attempt("GetKubeconfig", Hexabase_Workspace_V1_GetKubeconfigResponse.self) { (r: inout Hexabase_Workspace_V1_GetKubeconfigRequest) in r.workspaceID = ws }
            await attempt("AddWorkspaceMember", Hexabase_Workspace_V1_WorkspaceMember.self) { (r: inout Hexabase_Workspace_V1_AddWorkspaceMemberRequest) in r.workspaceID = ws; r.userID = outsider.id }
            await attempt("ListWorkspaceMembers", Hexabase_Workspace_V1_ListWorkspaceMembersResponse.self) { (r: inout Hexabase_Workspace_V1_ListWorkspaceMembersRequest) in r.workspaceID = ws }
            await attempt("RemoveWorkspaceMember", Hexabase_Workspace_V1_RemoveWorkspaceMemberResponse.self) { (r: inout Hexabase_Workspace_V1_RemoveWorkspaceMemberRequest) in r.workspaceID = ws; r.userID = owner.id }
            await attempt("CreateGroup", Hexabase_Workspace_V1_Group.self) { (r: inout Hexabase_Workspace_V1_CreateGroupRequest) in r.workspaceID = ws; r.name = "evil" }
            await attempt("ListGroups", Hexabase_Workspace_V1_ListGroupsResponse.self) { (r: inout Hexabase_Workspace_V1_ListGroupsRequest) in r.workspaceID = ws }
            await attempt("UpdateGroup", Hexabase_Workspace_V1_Group.self) { (r: inout Hexabase_Workspace_V1_UpdateGroupRequest) in r.workspaceID = ws; r.groupID = grp; r.name = "x" }
            await attempt("DeleteGroup", Hexabase_Workspace_V1_DeleteGroupResponse.self) { (r: inout Hexabase_Workspace_V1_DeleteGroupRequest) in r.workspaceID = ws; r.groupID = grp }
            await attempt("AddGroupMember", Hexabase_Workspace_V1_AddGroupMemberResponse.self) { (r: inout Hexabase_Workspace_V1_AddGroupMemberRequest) in r.workspaceID = ws; r.groupID = grp; r.userID = outsider.id }
            await attempt("RemoveGroupMember", Hexabase_Workspace_V1_RemoveGroupMemberResponse.self) { (r: inout Hexabase_Workspace_V1_RemoveGroupMemberRequest) in r.workspaceID = ws; r.groupID = grp; r.userID = owner.id }
            await attempt("ListRoles", Hexabase_Workspace_V1_ListRolesResponse.self) { (r: inout Hexabase_Workspace_V1_ListRolesRequest) in r.workspaceID = ws }
            await attempt("CreateRole", Hexabase_Workspace_V1_Role.self) { (r: inout Hexabase_Workspace_V1_CreateRoleRequest) in r.workspaceID = ws; r.projectID = prj; r.name = "x" }
            await attempt("CreateRoleBinding", Hexabase_Workspace_V1_RoleBinding.self) { (r: inout Hexabase_Workspace_V1_CreateRoleBindingRequest) in r.workspaceID = ws; r.roleID = "hexabase:workspace-admin"; r.groupID = grp }
            await attempt("ListRoleBindings", Hexabase_Workspace_V1_ListRoleBindingsResponse.self) { (r: inout Hexabase_Workspace_V1_ListRoleBindingsRequest) in r.workspaceID = ws }
            await attempt("DeleteRoleBinding", Hexabase_Workspace_V1_DeleteRoleBindingResponse.self) { (r: inout Hexabase_Workspace_V1_DeleteRoleBindingRequest) in r.workspaceID = ws; r.bindingID = rb }
            await attempt("CreateProject", Hexabase_Workspace_V1_Project.self) { (r: inout Hexabase_Workspace_V1_CreateProjectRequest) in r.workspaceID = ws; r.name = "x" }
            await attempt("GetProject", Hexabase_Workspace_V1_Project.self) { (r: inout Hexabase_Workspace_V1_GetProjectRequest) in r.workspaceID = ws; r.projectID = prj }
            await attempt("ListProjects", Hexabase_Workspace_V1_ListProjectsResponse.self) { (r: inout Hexabase_Workspace_V1_ListProjectsRequest) in r.workspaceID = ws }
            await attempt("UpdateProject", Hexabase_Workspace_V1_Project.self) { (r: inout Hexabase_Workspace_V1_UpdateProjectRequest) in r.workspaceID = ws; r.projectID = prj }
            await attempt("DeleteProject", Hexabase_Workspace_V1_DeleteProjectResponse.self) { (r: inout Hexabase_Workspace_V1_DeleteProjectRequest) in r.workspaceID = ws; r.projectID = prj }
            // The outsider's own workspace as the scope does not reach the other tenant's project.
            var own = Hexabase_Workspace_V1_CreateWorkspaceRequest()
            own.organizationID = outsider.personal
            own.name = "mine"
            let mine = try await stack.call("CreateWorkspace", own, as: Hexabase_Workspace_V1_Workspace.self, token: outsider.token).id
            await attempt("GetProject", Hexabase_Workspace_V1_Project.self) { (r: inout Hexabase_Workspace_V1_GetProjectRequest) in r.workspaceID = mine; r.projectID = prj }
            await attempt("DeleteProject", Hexabase_Workspace_V1_DeleteProjectResponse.self) { (r: inout Hexabase_Workspace_V1_DeleteProjectRequest) in r.workspaceID = mine; r.projectID = prj }
            var foreignRole = Hexabase_Workspace_V1_CreateRoleRequest()
            foreignRole.workspaceID = mine
            foreignRole.projectID = prj
            foreignRole.name = "reader"
            var rule = Hexabase_Workspace_V1_PolicyRule()
            rule.apiGroups = [""]
            rule.resources = ["pods"]
            rule.verbs = ["get"]
            foreignRole.rules = [rule]
            await expectError(.unprocessableEntity, "a role in my workspace for their project") {
                try await stack.call("CreateRole", foreignRole, as: Hexabase_Workspace_V1_Role.self, token: outsider.token)
            }
            var foreignBinding = Hexabase_Workspace_V1_CreateRoleBindingRequest()
            foreignBinding.workspaceID = mine
            foreignBinding.roleID = "hexabase:workspace-admin"
            foreignBinding.groupID = grp
            await expectError(.unprocessableEntity, "my workspace, their group") {
                try await stack.call("CreateRoleBinding", foreignBinding, as: Hexabase_Workspace_V1_RoleBinding.self, token: outsider.token)
            }

            // CheckAccess answers no, and reveals no tenant ids.
            var check = Hexabase_Workspace_V1_CheckAccessRequest()
            check.resource = "workspaces/\(ws)"
            check.action = "workspace.read"
            let denied = try await stack.call("CheckAccess", check, as: Hexabase_Workspace_V1_CheckAccessResponse.self, token: outsider.token)
            #expect(!denied.allowed && denied.organizationID.isEmpty)
            let allowed = try await stack.call("CheckAccess", check, as: Hexabase_Workspace_V1_CheckAccessResponse.self, token: owner.token)
            #expect(allowed.allowed && allowed.organizationID == org && allowed.workspaceID == ws)
            check.userID = owner.id
            await expectError(.permissionDenied, "a user asks about another") { try await stack.call("CheckAccess", check, as: Hexabase_Workspace_V1_CheckAccessResponse.self, token: outsider.token) }
            let service = try await stack.serviceToken()
            check.resource = "projects/\(prj)"
            check.action = "functions.write"
            let viaService = try await stack.rpc.call("hxb.workspace.v1.CheckAccess", check, as: Hexabase_Workspace_V1_CheckAccessResponse.self, metadata: .bearer(service))
            #expect(viaService.allowed && viaService.workspaceID == ws)

            // Nothing changed.
            var get = Hexabase_Workspace_V1_GetOrganizationRequest()
            get.organizationID = org
            #expect(try await stack.call("GetOrganization", get, as: Hexabase_Workspace_V1_Organization.self, token: owner.token).name.hasSuffix("'s organization"))
        }
    }

    @Test("invitations: mailed single-use token for the invited e-mail only; members see what groups grant; viewers cannot manage")
    func invitationsAndRoles() async throws {
        try await WorkspaceTestStack.with { stack, _ in
            let owner = try await stack.user("olga")
            let guest = try await stack.user("gus")
            let other = try await stack.user("oscar")
            var invite = Hexabase_Workspace_V1_CreateInvitationRequest()
            invite.organizationID = owner.personal
            invite.email = try await stack.email(of: guest.id)
            let invitation = try await stack.call("CreateInvitation", invite, as: Hexabase_Workspace_V1_Invitation.self, token: owner.token)
            #expect(invitation.state == "pending" && invitation.role == "member")
            await expectError(.conflict, "second pending invitation") { try await stack.call("CreateInvitation", invite, as: Hexabase_Workspace_V1_Invitation.self, token: owner.token) }
            let token = try await stack.mailer.invitationToken(to: invite.email)
            var accept = Hexabase_Workspace_V1_AcceptInvitationRequest()
            accept.token = token
            await expectError(.notFound, "someone else's invitation") { try await stack.call("AcceptInvitation", accept, as: Hexabase_Workspace_V1_AcceptInvitationResponse.self, token: other.token) }
            let joined = try await stack.call("AcceptInvitation", accept, as: Hexabase_Workspace_V1_AcceptInvitationResponse.self, token: guest.token)
            #expect(joined.organization.id == owner.personal && joined.organization.callerRole == "member")
            await expectError(.notFound, "single use") { try await stack.call("AcceptInvitation", accept, as: Hexabase_Workspace_V1_AcceptInvitationResponse.self, token: guest.token) }

            // A member sees the organization but cannot manage it, nor see its workspaces yet.
            var create = Hexabase_Workspace_V1_CreateWorkspaceRequest()
            create.organizationID = owner.personal
            create.name = "team"
            await expectError(.permissionDenied, "member creates a workspace") { try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: guest.token) }
            let ws = try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: owner.token).id
            var get = Hexabase_Workspace_V1_GetWorkspaceRequest()
            get.workspaceID = ws
            await expectError(.notFound, "not a workspace member yet") { try await stack.call("GetWorkspace", get, as: Hexabase_Workspace_V1_Workspace.self, token: guest.token) }

            // Added to the workspace (default group WSUsers, bound to the viewer preset): can read, not manage.
            var add = Hexabase_Workspace_V1_AddWorkspaceMemberRequest()
            add.workspaceID = ws
            add.userID = guest.id
            _ = try await stack.call("AddWorkspaceMember", add, as: Hexabase_Workspace_V1_WorkspaceMember.self, token: owner.token)
            _ = try await stack.call("GetWorkspace", get, as: Hexabase_Workspace_V1_Workspace.self, token: guest.token)
            var group = Hexabase_Workspace_V1_CreateGroupRequest()
            group.workspaceID = ws
            group.name = "nope"
            await expectError(.permissionDenied, "viewer manages groups") { try await stack.call("CreateGroup", group, as: Hexabase_Workspace_V1_Group.self, token: guest.token) }
            var add2 = add
            add2.userID = other.id
            await expectError(.unprocessableEntity, "not in the organization") { try await stack.call("AddWorkspaceMember", add2, as: Hexabase_Workspace_V1_WorkspaceMember.self, token: owner.token) }

            // Ownership: the last owner cannot leave; transfer, then the old owner is an admin.
            var leave = Hexabase_Workspace_V1_RemoveOrganizationMemberRequest()
            leave.organizationID = owner.personal
            leave.userID = owner.id
            await expectError(.failedPrecondition, "last owner") { try await stack.call("RemoveOrganizationMember", leave, as: Hexabase_Workspace_V1_RemoveOrganizationMemberResponse.self, token: owner.token) }
            var transfer = Hexabase_Workspace_V1_TransferOwnershipRequest()
            transfer.organizationID = owner.personal
            transfer.userID = guest.id
            let members = try await stack.call("TransferOwnership", transfer, as: Hexabase_Workspace_V1_TransferOwnershipResponse.self, token: owner.token).members
            #expect(members.first { $0.userID == guest.id }?.role == "owner")
            #expect(members.first { $0.userID == owner.id }?.role == "admin")
        }
    }
}
