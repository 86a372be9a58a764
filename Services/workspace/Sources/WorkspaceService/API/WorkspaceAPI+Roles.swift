import Contracts
import Foundation
import ServiceKit

extension WorkspaceAPI {
    static func validatedRules(_ messages: [Hexabase_Workspace_V1_PolicyRule]) throws -> [PolicyRule] {
        let rules = messages.map(PolicyRule.init)
        let problems = RuleValidation.problems(rules)
        guard problems.isEmpty else {
            throw ServiceError(
                .unprocessableEntity, "The role's rules are not valid.",
                fieldViolations: problems.map { ServiceError.FieldViolation(field: $0.0, description: $0.1) }
            )
        }
        return rules
    }

    @Sendable func createRole(_ request: Hexabase_Workspace_V1_CreateRoleRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Role {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.roles.manage", actor: actor).workspace
        let projectID = try PrefixedID.required(request.projectID, "project_id", prefix: "prj")
        if let problem = KubernetesName.subdomainProblem(request.name) {
            throw ServiceError.invalidField("name", problem, code: .unprocessableEntity)
        }
        if request.name.hasPrefix("hexabase:") || PresetRole(rawValue: request.name) != nil {
            throw ServiceError.invalidField("name", "is reserved", code: .unprocessableEntity)
        }
        let role = ProjectRole(id: PrefixedID.make("rol"), projectID: projectID, name: request.name, rules: try Self.validatedRules(request.rules))
        let created = try await store.createRole(
            workspaceID: workspace.id, role: role,
            changes: [change("role", "created", role.id, organization: workspace.organizationID, workspace: workspace.id, by: actor, details: ["name": role.name, "project_id": projectID])]
        )
        return role.message(workspaceID: workspace.id, created: created)
    }

    @Sendable func listRoles(_ request: Hexabase_Workspace_V1_ListRolesRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListRolesResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.read", actor: actor).workspace
        let projectID = request.projectID.isEmpty ? nil : try PrefixedID.required(request.projectID, "project_id", prefix: "prj")
        let page = try PageRequest(size: request.pageSize, token: request.pageToken)
        var response = Hexabase_Workspace_V1_ListRolesResponse()
        // The presets come first, on the first page.
        if page.after.isEmpty { response.roles = PresetRole.allCases.map { $0.message(workspaceID: workspace.id) } }
        let result = try await store.roles(workspaceID: workspace.id, projectID: projectID, page: page)
        response.roles += result.items.map { $0.0.message(workspaceID: workspace.id, created: $0.1) }
        response.nextPageToken = result.nextToken
        return response
    }

    @Sendable func updateRole(_ request: Hexabase_Workspace_V1_UpdateRoleRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Role {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.roles.manage", actor: actor).workspace
        if PresetRole(rawValue: request.roleID) != nil { throw ServiceError(.failedPrecondition, "The preset roles cannot be changed.") }
        let roleID = try PrefixedID.required(request.roleID, "role_id", prefix: "rol")
        guard let (role, created) = try await store.updateRole(
            workspaceID: workspace.id, id: roleID, rules: try Self.validatedRules(request.rules),
            changes: [change("role", "updated", roleID, organization: workspace.organizationID, workspace: workspace.id, by: actor)]
        ) else { throw ServiceError(.notFound, "The role does not exist.") }
        return role.message(workspaceID: workspace.id, created: created)
    }

    @Sendable func deleteRole(_ request: Hexabase_Workspace_V1_DeleteRoleRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_DeleteRoleResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.roles.manage", actor: actor).workspace
        if PresetRole(rawValue: request.roleID) != nil { throw ServiceError(.failedPrecondition, "The preset roles cannot be deleted.") }
        let roleID = try PrefixedID.required(request.roleID, "role_id", prefix: "rol")
        guard try await store.deleteRole(
            workspaceID: workspace.id, id: roleID,
            changes: [change("role", "deleted", roleID, organization: workspace.organizationID, workspace: workspace.id, by: actor)]
        ) else { throw ServiceError(.notFound, "The role does not exist.") }
        return Hexabase_Workspace_V1_DeleteRoleResponse()
    }

    // MARK: Bindings

    @Sendable func createRoleBinding(_ request: Hexabase_Workspace_V1_CreateRoleBindingRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_RoleBinding {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.roles.manage", actor: actor).workspace
        let projectID = request.projectID.isEmpty ? nil : try PrefixedID.required(request.projectID, "project_id", prefix: "prj")
        let role: RoleBinding.RoleReference
        if let preset = PresetRole(rawValue: request.roleID) {
            role = .preset(preset)
        } else {
            guard projectID != nil else {
                throw ServiceError.invalidField("role_id", "at workspace scope only the preset roles can be bound", code: .unprocessableEntity)
            }
            role = .custom(try PrefixedID.required(request.roleID, "role_id", prefix: "rol"))
        }
        let binding = RoleBinding(id: PrefixedID.make("rb"), projectID: projectID, role: role, groupID: try PrefixedID.required(request.groupID, "group_id", prefix: "grp"))
        let created = try await store.createBinding(
            workspaceID: workspace.id, binding: binding,
            changes: [change("role_binding", "created", binding.id, organization: workspace.organizationID, workspace: workspace.id, by: actor,
                             details: ["role_id": request.roleID, "group_id": binding.groupID, "project_id": projectID ?? ""])]
        )
        access.invalidate()
        return binding.message(workspaceID: workspace.id, created: created)
    }

    @Sendable func listRoleBindings(_ request: Hexabase_Workspace_V1_ListRoleBindingsRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListRoleBindingsResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.read", actor: actor).workspace
        let result = try await store.bindings(workspaceID: workspace.id, page: try PageRequest(size: request.pageSize, token: request.pageToken))
        var response = Hexabase_Workspace_V1_ListRoleBindingsResponse()
        response.bindings = result.items.map { $0.0.message(workspaceID: workspace.id, created: $0.1) }
        response.nextPageToken = result.nextToken
        return response
    }

    @Sendable func deleteRoleBinding(_ request: Hexabase_Workspace_V1_DeleteRoleBindingRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_DeleteRoleBindingResponse {
        let actor = try await caller(context)
        let workspace = try await authorizedWorkspace(request.workspaceID, "workspace.roles.manage", actor: actor).workspace
        let bindingID = try PrefixedID.required(request.bindingID, "binding_id", prefix: "rb")
        guard try await store.deleteBinding(
            workspaceID: workspace.id, id: bindingID,
            changes: [change("role_binding", "deleted", bindingID, organization: workspace.organizationID, workspace: workspace.id, by: actor)]
        ) else { throw ServiceError(.notFound, "The role binding does not exist.") }
        access.invalidate()
        return Hexabase_Workspace_V1_DeleteRoleBindingResponse()
    }
}
