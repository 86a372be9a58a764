import Contracts
import Foundation
import ServiceKit

extension WorkspaceAPI {
    @Sendable func listPlans(_ request: Hexabase_Workspace_V1_ListPlansRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListPlansResponse {
        _ = try await context.identity()
        var response = Hexabase_Workspace_V1_ListPlansResponse()
        response.plans = plans.plans.map(\.message)
        return response
    }

    @Sendable func createWorkspace(_ request: Hexabase_Workspace_V1_CreateWorkspaceRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Workspace {
        let actor = try await caller(context)
        let organizationID = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        try await access.require("organization.workspaces.create", on: ResourceName(kind: .organization, id: organizationID), by: actor)
        if let problem = KubernetesName.labelProblem(request.name, maxLength: 40) {
            throw ServiceError.invalidField("name", problem, code: .unprocessableEntity)
        }
        let planID = request.planID.isEmpty ? "shared" : request.planID
        guard plans.plan(planID) != nil else {
            throw ServiceError.invalidField("plan_id", "is not a plan of the catalog (\(plans.plans.map(\.id).joined(separator: ", ")))", code: .unprocessableEntity)
        }
        let now = Date()
        let workspace = Workspace(
            id: PrefixedID.make("ws"), organizationID: organizationID, name: request.name, planID: planID, state: .pending, createdAt: now, updatedAt: now
        )
        let record = try await store.createWorkspace(
            workspace, creator: actor.id, taskID: PrefixedID.make("tsk"),
            changes: [change("workspace", "created", workspace.id, organization: organizationID, workspace: workspace.id, by: actor,
                             details: ["name": workspace.name, "plan_id": planID])]
        )
        access.invalidate()
        return record.message
    }

    /// A workspace the caller may act on, or 404/403.
    func authorizedWorkspace(_ rawID: String, _ action: String, actor: Actor) async throws -> WorkspaceRecord {
        let id = try PrefixedID.required(rawID, "workspace_id", prefix: "ws")
        try await access.require(action, on: ResourceName(kind: .workspace, id: id), by: actor)
        guard let record = try await store.workspace(id: id) else { throw AccessControl.notFound(ResourceName(kind: .workspace, id: id)) }
        return record
    }

    @Sendable func getWorkspace(_ request: Hexabase_Workspace_V1_GetWorkspaceRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Workspace {
        try await authorizedWorkspace(request.workspaceID, "workspace.read", actor: try await caller(context)).message
    }

    @Sendable func listWorkspaces(_ request: Hexabase_Workspace_V1_ListWorkspacesRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListWorkspacesResponse {
        let actor = try await caller(context)
        let organizationID = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        try await access.require("organization.read", on: ResourceName(kind: .organization, id: organizationID), by: actor)
        let facts = try await access.access(for: actor.id)
        let all = facts.isPlatformAdmin || (facts.organizationRoles[organizationID] ?? .member) >= .admin
        let visible = facts.workspaces.filter { (facts.workspaceLevels[$0] ?? .none) > .none || facts.projectWorkspaces.contains($0) }.sorted()
        let result = try await store.workspaces(
            organizationID: organizationID, all: all, visible: visible, page: try PageRequest(size: request.pageSize, token: request.pageToken)
        )
        var response = Hexabase_Workspace_V1_ListWorkspacesResponse()
        response.workspaces = result.items.map(\.message)
        response.nextPageToken = result.nextToken
        return response
    }

    @Sendable func updateWorkspace(_ request: Hexabase_Workspace_V1_UpdateWorkspaceRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Workspace {
        let actor = try await caller(context)
        let current = try await authorizedWorkspace(request.workspaceID, "workspace.update", actor: actor)
        let planID = request.planID.isEmpty ? current.workspace.planID : request.planID
        guard let plan = plans.plan(planID) else {
            throw ServiceError.invalidField("plan_id", "is not a plan of the catalog", code: .unprocessableEntity)
        }
        let workspace = current.workspace
        guard let record = try await store.updateWorkspace(
            id: workspace.id, plan: plan,
            changes: [change("workspace", "updated", workspace.id, organization: workspace.organizationID, workspace: workspace.id, by: actor, details: ["plan_id": planID])]
        ) else { throw AccessControl.notFound(ResourceName(kind: .workspace, id: workspace.id)) }
        return record.message
    }

    @Sendable func deleteWorkspace(_ request: Hexabase_Workspace_V1_DeleteWorkspaceRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Workspace {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.delete", actor: actor).workspace
        guard let record = try await store.deleteWorkspace(
            id: workspace.id,
            changes: [change("workspace", "deleting", workspace.id, organization: workspace.organizationID, workspace: workspace.id, by: actor)]
        ) else { throw AccessControl.notFound(ResourceName(kind: .workspace, id: workspace.id)) }
        return record.message
    }

    @Sendable func getKubeconfig(_ request: Hexabase_Workspace_V1_GetKubeconfigRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_GetKubeconfigResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.kubeconfig", actor: actor).workspace
        guard workspace.state != .deleting else {
            throw ServiceError(.failedPrecondition, "The workspace is being deleted.")
        }
        var response = Hexabase_Workspace_V1_GetKubeconfigResponse()
        response.kubeconfig = kubeconfig(workspace, actor.id)
        return response
    }
}
