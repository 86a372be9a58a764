import Foundation
import Store

extension WorkspaceStore {
    /// Loads everything that decides what `userID` may do, in one round trip: organization
    /// roles, workspace memberships, and the flattened groups with the roles bound to them
    /// (one statement, its rows tagged by `kind`).
    func userAccess(userID: String, isPlatformAdmin: Bool) async throws -> UserAccess {
        var access = UserAccess(userID: userID, isPlatformAdmin: isPlatformAdmin)
        // The user's groups and all their ancestors (UNION stops at a cycle), with bindings.
        let rows = try await pool.query("""
            WITH RECURSIVE mine (id) AS (
                SELECT group_id FROM group_members WHERE user_id = \(userID)
                UNION
                SELECT g.parent_id FROM groups g JOIN mine ON mine.id = g.id WHERE g.parent_id IS NOT NULL
            )
            SELECT 'organization' AS kind, m.organization_id AS id, m.role AS name, NULL::text AS project_id, NULL::text AS role_id
            FROM organization_members m JOIN organizations o ON o.id = m.organization_id AND o.deleted_at IS NULL
            WHERE m.user_id = \(userID)
            UNION ALL
            SELECT 'workspace', wm.workspace_id, NULL, NULL, NULL
            FROM workspace_members wm JOIN workspaces w ON w.id = wm.workspace_id AND w.state <> 'deleted'
            WHERE wm.user_id = \(userID)
            UNION ALL
            SELECT 'group', g.workspace_id, g.name, b.project_id, b.role_id
            FROM mine JOIN groups g ON g.id = mine.id LEFT JOIN role_bindings b ON b.group_id = g.id
            """, prepared: true)
        var groupRows: [PostgresRow] = []
        for row in rows {
            switch try row.decode(String.self, column: "kind") {
            case "organization":
                access.organizationRoles[try row.decode(column: "id")] = OrganizationRole(rawValue: try row.decode(column: "name"))
            case "workspace":
                access.workspaces.insert(try row.decode(column: "id"))
            default:
                groupRows.append(row)
            }
        }
        var names: [String: Set<String>] = [:]
        for row in groupRows {
            let workspaceID: String = try row.decode(column: "id")
            guard access.workspaces.contains(workspaceID) else { continue }
            names[workspaceID, default: []].insert(try row.decode(column: "name"))
            guard let roleID = try row.decode(String?.self, column: "role_id") else { continue }
            // A custom project role lets its holders see the project on the platform.
            let level = PresetRole(rawValue: roleID).map(AccessLevel.init) ?? .viewer
            if let projectID = try row.decode(String?.self, column: "project_id") {
                access.projectLevels[projectID] = max(access.projectLevels[projectID] ?? .none, level)
                // A role in a project makes its workspace visible (read, kubeconfig); the
                // vCluster's RBAC keeps them to the project's namespace.
                access.projectWorkspaces.insert(workspaceID)
            } else {
                access.workspaceLevels[workspaceID] = max(access.workspaceLevels[workspaceID] ?? .none, level)
            }
        }
        access.groupNames = names.mapValues { $0.sorted() }
        return access
    }

    /// Where a live resource sits, or nil when it does not exist (or is deleted).
    func placement(of resource: ResourceName) async throws -> ResourcePlacement? {
        switch resource.kind {
        case .organization:
            let rows = try await pool.query("SELECT id FROM organizations WHERE id = \(resource.id) AND deleted_at IS NULL", prepared: true)
            return rows.isEmpty ? nil : ResourcePlacement(organizationID: resource.id)
        case .workspace:
            let rows = try await pool.query("""
                SELECT w.organization_id FROM workspaces w JOIN organizations o ON o.id = w.organization_id AND o.deleted_at IS NULL
                WHERE w.id = \(resource.id) AND w.state <> 'deleted'
                """, prepared: true)
            return try rows.first.map { ResourcePlacement(organizationID: try $0.decode(column: "organization_id"), workspaceID: resource.id) }
        case .project:
            let rows = try await pool.query("""
                WITH RECURSIVE chain (id, parent_id, workspace_id, depth) AS (
                    SELECT id, parent_id, workspace_id, 0 FROM projects WHERE id = \(resource.id)
                    UNION ALL
                    SELECT p.id, p.parent_id, p.workspace_id, c.depth + 1 FROM projects p JOIN chain c ON p.id = c.parent_id WHERE c.depth < 32
                )
                SELECT c.id, c.workspace_id, w.organization_id FROM chain c
                JOIN workspaces w ON w.id = c.workspace_id AND w.state <> 'deleted'
                ORDER BY c.depth
                """, prepared: true)
            guard let first = rows.first else { return nil }
            return ResourcePlacement(
                organizationID: try first.decode(column: "organization_id"), workspaceID: try first.decode(column: "workspace_id"),
                projectChain: try rows.map { try $0.decode(String.self, column: "id") }
            )
        }
    }
}
