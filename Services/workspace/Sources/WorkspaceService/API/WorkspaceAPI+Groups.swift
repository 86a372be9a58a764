import Contracts
import Foundation
import ServiceKit

extension WorkspaceAPI {
    static func groupName(_ name: String) throws -> String {
        guard !name.isEmpty else { throw ServiceError.invalidField("name", "is required") }
        guard name.count <= 63, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw ServiceError.invalidField("name", "must be 1 to 63 letters, digits, '-', '_' or '.'", code: .unprocessableEntity)
        }
        return name
    }

    // MARK: Workspace members

    @Sendable func addWorkspaceMember(_ request: Hexabase_Workspace_V1_AddWorkspaceMemberRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_WorkspaceMember {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.members.manage", actor: actor).workspace
        let user: DirectoryUser?
        switch (request.userID.isEmpty, request.email.isEmpty) {
        case (false, true): user = try await store.directoryUser(id: try PrefixedID.required(request.userID, "user_id", prefix: "usr"))
        case (true, false): user = try await store.directoryUser(email: try Self.email(request.email))
        default: throw ServiceError.invalidField("user_id", "give either user_id or email")
        }
        guard let user else { throw ServiceError.invalidField("user_id", "is not a known user", code: .unprocessableEntity) }
        let groupIDs = try request.groupIds.map { try PrefixedID.required($0, "group_ids", prefix: "grp") }
        let member = try await store.addWorkspaceMember(
            workspaceID: workspace.id, organizationID: workspace.organizationID, userID: user.id, groupIDs: groupIDs,
            changes: [change("workspace_member", "created", user.id, organization: workspace.organizationID, workspace: workspace.id, by: actor,
                             details: ["groups": groupIDs.joined(separator: ",")])]
        )
        access.invalidate()
        return member.message
    }

    @Sendable func listWorkspaceMembers(_ request: Hexabase_Workspace_V1_ListWorkspaceMembersRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListWorkspaceMembersResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.read", actor: actor).workspace
        let result = try await store.workspaceMembers(workspaceID: workspace.id, page: try PageRequest(size: request.pageSize, token: request.pageToken))
        var response = Hexabase_Workspace_V1_ListWorkspaceMembersResponse()
        response.members = result.items.map(\.message)
        response.nextPageToken = result.nextToken
        return response
    }

    @Sendable func removeWorkspaceMember(_ request: Hexabase_Workspace_V1_RemoveWorkspaceMemberRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_RemoveWorkspaceMemberResponse {
        let actor = try await caller(context)
        let userID = try PrefixedID.required(request.userID, "user_id", prefix: "usr")
        let workspace = try await authorizedWorkspace(request.workspaceID, userID == actor.id ? "workspace.read" : "workspace.members.manage", actor: actor).workspace
        guard try await store.removeWorkspaceMember(
            workspaceID: workspace.id, userID: userID,
            changes: [change("workspace_member", "deleted", userID, organization: workspace.organizationID, workspace: workspace.id, by: actor)]
        ) else { throw ServiceError(.notFound, "The user is not a member of the workspace.") }
        access.invalidate()
        return Hexabase_Workspace_V1_RemoveWorkspaceMemberResponse()
    }

    // MARK: Groups

    @Sendable func createGroup(_ request: Hexabase_Workspace_V1_CreateGroupRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Group {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.groups.manage", actor: actor).workspace
        let group = Group(
            id: PrefixedID.make("grp"), name: try Self.groupName(request.name),
            parentID: request.parentID.isEmpty ? nil : try PrefixedID.required(request.parentID, "parent_id", prefix: "grp")
        )
        let created = try await store.createGroup(
            workspaceID: workspace.id, group: group,
            changes: [change("group", "created", group.id, organization: workspace.organizationID, workspace: workspace.id, by: actor, details: ["name": group.name])]
        )
        return group.message(workspaceID: workspace.id, created: created)
    }

    @Sendable func listGroups(_ request: Hexabase_Workspace_V1_ListGroupsRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListGroupsResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.read", actor: actor).workspace
        let result = try await store.groups(workspaceID: workspace.id, page: try PageRequest(size: request.pageSize, token: request.pageToken))
        var response = Hexabase_Workspace_V1_ListGroupsResponse()
        response.groups = result.items.map { $0.0.message(workspaceID: workspace.id, created: $0.1) }
        response.nextPageToken = result.nextToken
        return response
    }

    /// An empty `name` keeps the name; an empty `parent_id` keeps the parent (groups cannot
    /// become roots again once placed, except by recreating them).
    @Sendable func updateGroup(_ request: Hexabase_Workspace_V1_UpdateGroupRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Group {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.groups.manage", actor: actor).workspace
        let groupID = try PrefixedID.required(request.groupID, "group_id", prefix: "grp")
        let name = request.name.isEmpty ? nil : try Self.groupName(request.name)
        let parent: String?? = request.parentID.isEmpty ? .none : .some(try PrefixedID.required(request.parentID, "parent_id", prefix: "grp"))
        guard let (group, created) = try await store.updateGroup(
            workspaceID: workspace.id, id: groupID, name: name, parentID: parent,
            changes: [change("group", "updated", groupID, organization: workspace.organizationID, workspace: workspace.id, by: actor)]
        ) else { throw ServiceError(.notFound, "The group does not exist.") }
        access.invalidate()
        return group.message(workspaceID: workspace.id, created: created)
    }

    @Sendable func deleteGroup(_ request: Hexabase_Workspace_V1_DeleteGroupRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_DeleteGroupResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.groups.manage", actor: actor).workspace
        let groupID = try PrefixedID.required(request.groupID, "group_id", prefix: "grp")
        guard try await store.deleteGroup(
            workspaceID: workspace.id, id: groupID,
            changes: [change("group", "deleted", groupID, organization: workspace.organizationID, workspace: workspace.id, by: actor)]
        ) else { throw ServiceError(.notFound, "The group does not exist.") }
        access.invalidate()
        return Hexabase_Workspace_V1_DeleteGroupResponse()
    }

    @Sendable func addGroupMember(_ request: Hexabase_Workspace_V1_AddGroupMemberRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_AddGroupMemberResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.groups.manage", actor: actor).workspace
        let groupID = try PrefixedID.required(request.groupID, "group_id", prefix: "grp")
        let userID = try PrefixedID.required(request.userID, "user_id", prefix: "usr")
        try await store.addGroupMember(
            workspaceID: workspace.id, groupID: groupID, userID: userID,
            changes: [change("group_member", "created", groupID, organization: workspace.organizationID, workspace: workspace.id, by: actor, details: ["user_id": userID])]
        )
        access.invalidate()
        return Hexabase_Workspace_V1_AddGroupMemberResponse()
    }

    @Sendable func removeGroupMember(_ request: Hexabase_Workspace_V1_RemoveGroupMemberRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_RemoveGroupMemberResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.groups.manage", actor: actor).workspace
        let groupID = try PrefixedID.required(request.groupID, "group_id", prefix: "grp")
        let userID = try PrefixedID.required(request.userID, "user_id", prefix: "usr")
        guard try await store.removeGroupMember(
            workspaceID: workspace.id, groupID: groupID, userID: userID,
            changes: [change("group_member", "deleted", groupID, organization: workspace.organizationID, workspace: workspace.id, by: actor, details: ["user_id": userID])]
        ) else { throw ServiceError(.notFound, "The user is not in that group.") }
        access.invalidate()
        return Hexabase_Workspace_V1_RemoveGroupMemberResponse()
    }
}
