import Foundation
import ServiceKit
import Store

extension WorkspaceStore {
    private static let projectColumns = "id, name, parent_id, quota_cpu, quota_memory, quota_storage, quota_pods, created_at, updated_at"

    static func project(_ row: PostgresRow) throws -> (Project, created: Date, updated: Date) {
        let quota = ProjectQuota(
            cpu: try row.decode(String?.self, column: "quota_cpu").flatMap(Quantity.init),
            memory: try row.decode(String?.self, column: "quota_memory").flatMap(Quantity.init),
            storage: try row.decode(String?.self, column: "quota_storage").flatMap(Quantity.init),
            pods: try row.decode(Int?.self, column: "quota_pods")
        )
        let project = Project(id: try row.decode(column: "id"), name: try row.decode(column: "name"), parentID: try row.decode(String?.self, column: "parent_id"), quota: quota)
        return (project, try row.decode(column: "created_at"), try row.decode(column: "updated_at"))
    }

    static func projects(workspaceID: String, on connection: PostgresConnection) async throws -> [Project] {
        try await connection.query("SELECT \(unescaped: projectColumns) FROM projects WHERE workspace_id = \(workspaceID) ORDER BY id").map { try project($0).0 }
    }

    func projects(workspaceID: String, page: PageRequest) async throws -> Page<(Project, created: Date, updated: Date)> {
        let rows = try await pool.query("""
            SELECT \(unescaped: Self.projectColumns) FROM projects WHERE workspace_id = \(workspaceID) AND id > \(page.after)
            ORDER BY id LIMIT \(page.limit)
            """)
        return page.page(try rows.map(Self.project), id: \.0.id)
    }

    func project(workspaceID: String, id: String) async throws -> (Project, created: Date, updated: Date)? {
        try await pool.query("""
            SELECT \(unescaped: Self.projectColumns) FROM projects WHERE workspace_id = \(workspaceID) AND id = \(id)
            """).first.map(Self.project)
    }

    /// Writes a project (insert, or update of its quota) after checking, under the workspace's
    /// lock, that the quotas of all its projects together stay within `plan`.
    func saveProject(workspaceID: String, project: Project, plan: Plan, isNew: Bool, changes: [Change]) async throws -> (Project, created: Date, updated: Date)? {
        try await transaction { connection in
            try await Self.lockWorkspace(workspaceID: workspaceID, on: connection)
            var all = try await Self.projects(workspaceID: workspaceID, on: connection)
            if isNew {
                if let parent = project.parentID, !all.contains(where: { $0.id == parent }) {
                    throw ServiceError.invalidField("parent_id", "is not a project of this workspace", code: .unprocessableEntity)
                }
                all.append(project)
            } else {
                guard let index = all.firstIndex(where: { $0.id == project.id }) else { return nil }
                all[index].quota = project.quota
            }
            if let problem = QuotaBudget(plan: plan).problem(with: all.map(\.quota)) {
                throw ServiceError.invalidField("quota", problem, code: .unprocessableEntity)
            }
            let quota = project.quota
            let rows: PostgresRows
            do {
                if isNew {
                    rows = try await connection.query("""
                        INSERT INTO projects (id, workspace_id, name, parent_id, quota_cpu, quota_memory, quota_storage, quota_pods)
                        VALUES (\(project.id), \(workspaceID), \(project.name), \(project.parentID), \(quota.cpu?.text), \(quota.memory?.text),
                                \(quota.storage?.text), \(quota.pods))
                        RETURNING \(unescaped: Self.projectColumns)
                        """)
                } else {
                    rows = try await connection.query("""
                        UPDATE projects SET quota_cpu = \(quota.cpu?.text), quota_memory = \(quota.memory?.text), quota_storage = \(quota.storage?.text),
                            quota_pods = \(quota.pods), updated_at = now()
                        WHERE id = \(project.id) RETURNING \(unescaped: Self.projectColumns)
                        """)
                }
            } catch let error as DatabaseError where error.code == .uniqueViolation {
                throw ServiceError(.conflict, "A project named \(project.name) already exists in this workspace.", cause: error)
            }
            try await markChanged(workspaceID: workspaceID, on: connection)
            try await record(changes, on: connection)
            return try Self.project(rows[0])
        }
    }

    /// Deletes a project without sub-projects; its roles and bindings go with it.
    func deleteProject(workspaceID: String, id: String, changes: [Change]) async throws -> Bool {
        try await transaction { connection in
            try await Self.lockWorkspace(workspaceID: workspaceID, on: connection)
            let children = try await connection.query("SELECT 1 FROM projects WHERE parent_id = \(id) LIMIT 1")
            guard children.isEmpty else { throw ServiceError(.failedPrecondition, "The project has sub-projects; delete them first.") }
            let deleted = try await connection.execute("DELETE FROM projects WHERE workspace_id = \(workspaceID) AND id = \(id)")
            guard deleted == 1 else { return false }
            try await markChanged(workspaceID: workspaceID, on: connection)
            try await record(changes, on: connection)
            return true
        }
    }
}
