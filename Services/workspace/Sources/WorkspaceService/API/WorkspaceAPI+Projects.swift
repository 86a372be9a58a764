import Contracts
import Foundation
import ServiceKit

extension WorkspaceAPI {
    static func quota(_ message: Hexabase_Workspace_V1_ProjectQuota) throws -> ProjectQuota {
        func quantity(_ text: String, _ field: String) throws -> Quantity? {
            guard !text.isEmpty else { return nil }
            guard let value = Quantity(text) else {
                throw ServiceError.invalidField("quota.\(field)", "is not a Kubernetes quantity (e.g. 500m, 2, 4Gi)", code: .unprocessableEntity)
            }
            return value
        }
        guard message.pods >= 0 else { throw ServiceError.invalidField("quota.pods", "must not be negative", code: .unprocessableEntity) }
        return ProjectQuota(
            cpu: try quantity(message.cpu, "cpu"), memory: try quantity(message.memory, "memory"),
            storage: try quantity(message.storage, "storage"), pods: message.pods == 0 ? nil : Int(message.pods)
        )
    }

    /// A project of the workspace the caller may act on (404 when either is out of reach).
    private func authorizedProject(workspaceID rawWorkspaceID: String, projectID rawProjectID: String, _ action: String, actor: Actor) async throws -> (Workspace, Project, Date, Date) {
        let workspaceID = try PrefixedID.required(rawWorkspaceID, "workspace_id", prefix: "ws")
        let projectID = try PrefixedID.required(rawProjectID, "project_id", prefix: "prj")
        let placement = try await access.require(action, on: ResourceName(kind: .project, id: projectID), by: actor)
        guard placement.workspaceID == workspaceID, let record = try await store.workspace(id: workspaceID),
              let (project, created, updated) = try await store.project(workspaceID: workspaceID, id: projectID)
        else { throw AccessControl.notFound(ResourceName(kind: .project, id: projectID)) }
        return (record.workspace, project, created, updated)
    }

    @Sendable func createProject(_ request: Hexabase_Workspace_V1_CreateProjectRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Project {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.projects.create", actor: actor).workspace
        if let problem = KubernetesName.labelProblem(request.name) {
            throw ServiceError.invalidField("name", problem, code: .unprocessableEntity)
        }
        if request.name.hasPrefix("kube-") || request.name == "default" {
            throw ServiceError.invalidField("name", "is reserved by Kubernetes", code: .unprocessableEntity)
        }
        guard let plan = plans.plan(workspace.planID) else { throw ServiceError(.internalError, "Internal error.") }
        let project = Project(
            id: PrefixedID.make("prj"), name: request.name,
            parentID: request.parentID.isEmpty ? nil : try PrefixedID.required(request.parentID, "parent_id", prefix: "prj"),
            quota: try Self.quota(request.quota)
        )
        guard let (saved, created, updated) = try await store.saveProject(
            workspaceID: workspace.id, project: project, plan: plan, isNew: true,
            changes: [change("project", "created", project.id, organization: workspace.organizationID, workspace: workspace.id, by: actor, details: ["name": project.name])]
        ) else { throw ServiceError(.internalError, "Internal error.") }
        return saved.message(workspaceID: workspace.id, created: created, updated: updated)
    }

    @Sendable func getProject(_ request: Hexabase_Workspace_V1_GetProjectRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Project {
        let actor = try await caller(context)
        let (workspace, project, created, updated) = try await authorizedProject(workspaceID: request.workspaceID, projectID: request.projectID, "project.read", actor: actor)
        return project.message(workspaceID: workspace.id, created: created, updated: updated)
    }

    /// Workspace viewers see every project; someone with only project roles sees those projects.
    @Sendable func listProjects(_ request: Hexabase_Workspace_V1_ListProjectsRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListProjectsResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.read", actor: actor).workspace
        let result = try await store.projects(workspaceID: workspace.id, page: try PageRequest(size: request.pageSize, token: request.pageToken))
        let facts = try await access.access(for: actor.id)
        let placement = ResourcePlacement(organizationID: workspace.organizationID, workspaceID: workspace.id)
        let (workspaceLevel, _) = AccessPolicy.accessLevel(on: placement, for: facts, organizationRole: facts.organizationRoles[workspace.organizationID])
        let seesAll = facts.isPlatformAdmin || ((facts.workspaceLevels[workspace.id] ?? .none) > .none) || workspaceLevel == .admin
        var response = Hexabase_Workspace_V1_ListProjectsResponse()
        response.projects = result.items
            .filter { seesAll || facts.projectLevels[$0.0.id] != nil }
            .map { $0.0.message(workspaceID: workspace.id, created: $0.created, updated: $0.updated) }
        response.nextPageToken = result.nextToken
        return response
    }

    @Sendable func updateProject(_ request: Hexabase_Workspace_V1_UpdateProjectRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Project {
        let actor = try await caller(context)
        let (workspace, project, _, _) = try await authorizedProject(workspaceID: request.workspaceID, projectID: request.projectID, "project.update", actor: actor)
        guard let plan = plans.plan(workspace.planID) else { throw ServiceError(.internalError, "Internal error.") }
        var changed = project
        changed.quota = try Self.quota(request.quota)
        guard let (saved, created, updated) = try await store.saveProject(
            workspaceID: workspace.id, project: changed, plan: plan, isNew: false,
            changes: [change("project", "updated", project.id, organization: workspace.organizationID, workspace: workspace.id, by: actor)]
        ) else { throw AccessControl.notFound(ResourceName(kind: .project, id: project.id)) }
        return saved.message(workspaceID: workspace.id, created: created, updated: updated)
    }

    @Sendable func deleteProject(_ request: Hexabase_Workspace_V1_DeleteProjectRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_DeleteProjectResponse {
        let actor = try await caller(context)
        let (workspace, project, _, _) = try await authorizedProject(workspaceID: request.workspaceID, projectID: request.projectID, "project.delete", actor: actor)
        guard try await store.deleteProject(
            workspaceID: workspace.id, id: project.id,
            changes: [change("project", "deleted", project.id, organization: workspace.organizationID, workspace: workspace.id, by: actor)]
        ) else { throw AccessControl.notFound(ResourceName(kind: .project, id: project.id)) }
        access.invalidate()
        return Hexabase_Workspace_V1_DeleteProjectResponse()
    }
}
