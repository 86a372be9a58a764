import Foundation
import ServiceKit
import Store

extension WorkspaceStore {
    static func role(_ row: PostgresRow) throws -> (ProjectRole, created: Date) {
        let rulesJSON: String = try row.decode(column: "rules")
        let rules = try JSONDecoder().decode([PolicyRule].self, from: Data(rulesJSON.utf8))
        return (ProjectRole(id: try row.decode(column: "id"), projectID: try row.decode(column: "project_id"), name: try row.decode(column: "name"), rules: rules),
                try row.decode(column: "created_at"))
    }

    static func roles(workspaceID: String, projectID: String?, on connection: PostgresConnection) async throws -> [ProjectRole] {
        try await connection.query("""
            SELECT id, project_id, name, rules::text AS rules, created_at FROM roles
            WHERE workspace_id = \(workspaceID) AND (\(projectID)::text IS NULL OR project_id = \(projectID)) ORDER BY id
            """).map { try role($0).0 }
    }

    func roles(workspaceID: String, projectID: String?, page: PageRequest) async throws -> Page<(ProjectRole, created: Date)> {
        let rows = try await pool.query("""
            SELECT id, project_id, name, rules::text AS rules, created_at FROM roles
            WHERE workspace_id = \(workspaceID) AND (\(projectID)::text IS NULL OR project_id = \(projectID)) AND id > \(page.after)
            ORDER BY id LIMIT \(page.limit)
            """)
        return page.page(try rows.map(Self.role), id: \.0.id)
    }

    func createRole(workspaceID: String, role: ProjectRole, changes: [Change]) async throws -> Date {
        try await transaction { connection in
            let project = try await connection.query("SELECT 1 FROM projects WHERE workspace_id = \(workspaceID) AND id = \(role.projectID)")
            guard !project.isEmpty else { throw ServiceError.invalidField("project_id", "is not a project of this workspace", code: .unprocessableEntity) }
            let rules = String(decoding: try JSONEncoder().encode(role.rules), as: UTF8.self)
            do {
                let rows = try await connection.query("""
                    INSERT INTO roles (id, workspace_id, project_id, name, rules) VALUES (\(role.id), \(workspaceID), \(role.projectID), \(role.name), \(rules)::jsonb)
                    RETURNING created_at
                    """)
                try await markChanged(workspaceID: workspaceID, on: connection)
                try await record(changes, on: connection)
                return try rows[0].decode(column: "created_at")
            } catch let error as DatabaseError where error.code == .uniqueViolation {
                throw ServiceError(.conflict, "A role named \(role.name) already exists in this project.", cause: error)
            }
        }
    }

    func updateRole(workspaceID: String, id: String, rules: [PolicyRule], changes: [Change]) async throws -> (ProjectRole, created: Date)? {
        try await transaction { connection in
            let json = String(decoding: try JSONEncoder().encode(rules), as: UTF8.self)
            let rows = try await connection.query("""
                UPDATE roles SET rules = \(json)::jsonb, updated_at = now() WHERE workspace_id = \(workspaceID) AND id = \(id)
                RETURNING id, project_id, name, rules::text AS rules, created_at
                """)
            guard let row = rows.first else { return nil }
            try await markChanged(workspaceID: workspaceID, on: connection)
            try await record(changes, on: connection)
            return try Self.role(row)
        }
    }

    func deleteRole(workspaceID: String, id: String, changes: [Change]) async throws -> Bool {
        try await transaction { connection in
            let bound = try await connection.query("SELECT 1 FROM role_bindings WHERE workspace_id = \(workspaceID) AND role_id = \(id) LIMIT 1")
            guard bound.isEmpty else { throw ServiceError(.failedPrecondition, "The role is still bound to groups; delete the bindings first.") }
            let deleted = try await connection.execute("DELETE FROM roles WHERE workspace_id = \(workspaceID) AND id = \(id)")
            guard deleted == 1 else { return false }
            try await markChanged(workspaceID: workspaceID, on: connection)
            try await record(changes, on: connection)
            return true
        }
    }

    // MARK: Bindings

    static func binding(_ row: PostgresRow) throws -> (RoleBinding, created: Date) {
        let roleID: String = try row.decode(column: "role_id")
        let reference: RoleBinding.RoleReference = PresetRole(rawValue: roleID).map { .preset($0) } ?? .custom(roleID)
        return (RoleBinding(id: try row.decode(column: "id"), projectID: try row.decode(String?.self, column: "project_id"), role: reference, groupID: try row.decode(column: "group_id")),
                try row.decode(column: "created_at"))
    }

    static func bindings(workspaceID: String, on connection: PostgresConnection) async throws -> [RoleBinding] {
        try await connection.query("""
            SELECT id, project_id, role_id, group_id, created_at FROM role_bindings WHERE workspace_id = \(workspaceID) ORDER BY id
            """).map { try binding($0).0 }
    }

    func bindings(workspaceID: String, page: PageRequest) async throws -> Page<(RoleBinding, created: Date)> {
        let rows = try await pool.query("""
            SELECT id, project_id, role_id, group_id, created_at FROM role_bindings
            WHERE workspace_id = \(workspaceID) AND id > \(page.after) ORDER BY id LIMIT \(page.limit)
            """)
        return page.page(try rows.map(Self.binding), id: \.0.id)
    }

    /// Binds a role to a group. The group must be of the workspace; a custom role must belong to
    /// the binding's project; at workspace scope only presets can be bound.
    func createBinding(workspaceID: String, binding: RoleBinding, changes: [Change]) async throws -> Date {
        try await transaction { connection in
            let group = try await connection.query("SELECT 1 FROM groups WHERE workspace_id = \(workspaceID) AND id = \(binding.groupID)")
            guard !group.isEmpty else { throw ServiceError.invalidField("group_id", "is not a group of this workspace", code: .unprocessableEntity) }
            if let projectID = binding.projectID {
                let project = try await connection.query("SELECT 1 FROM projects WHERE workspace_id = \(workspaceID) AND id = \(projectID)")
                guard !project.isEmpty else { throw ServiceError.invalidField("project_id", "is not a project of this workspace", code: .unprocessableEntity) }
            }
            var roleID = ""
            switch binding.role {
            case .preset(let preset):
                roleID = preset.rawValue
            case .custom(let id):
                roleID = id
                let role = try await connection.query("SELECT project_id FROM roles WHERE workspace_id = \(workspaceID) AND id = \(id)")
                guard let row = role.first else { throw ServiceError.invalidField("role_id", "is not a role of this workspace", code: .unprocessableEntity) }
                guard try row.decode(String.self, column: "project_id") == binding.projectID else {
                    throw ServiceError.invalidField("role_id", "belongs to another project; bind it in its own project", code: .unprocessableEntity)
                }
            }
            do {
                let rows = try await connection.query("""
                    INSERT INTO role_bindings (id, workspace_id, project_id, role_id, group_id)
                    VALUES (\(binding.id), \(workspaceID), \(binding.projectID), \(roleID), \(binding.groupID))
                    RETURNING created_at
                    """)
                try await markChanged(workspaceID: workspaceID, on: connection)
                try await record(changes, on: connection)
                return try rows[0].decode(column: "created_at")
            } catch let error as DatabaseError where error.code == .uniqueViolation {
                throw ServiceError(.conflict, "That group already has that role there.", cause: error)
            }
        }
    }

    func deleteBinding(workspaceID: String, id: String, changes: [Change]) async throws -> Bool {
        try await transaction { connection in
            let deleted = try await connection.execute("DELETE FROM role_bindings WHERE workspace_id = \(workspaceID) AND id = \(id)")
            guard deleted == 1 else { return false }
            try await markChanged(workspaceID: workspaceID, on: connection)
            try await record(changes, on: connection)
            return true
        }
    }
}
