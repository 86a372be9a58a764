import Foundation
import ServiceKit
import Store

/// A workspace member with their direct groups.
struct WorkspaceMember: Sendable, Equatable {
    var user: DirectoryUser
    var groupIDs: [String]
    var createdAt: Date
}

extension WorkspaceStore {
    static func group(_ row: PostgresRow) throws -> Group {
        Group(
            id: try row.decode(column: "id"), name: try row.decode(column: "name"),
            parentID: try row.decode(String?.self, column: "parent_id"), isDefault: try row.decode(column: "is_default")
        )
    }

    static func groups(workspaceID: String, on connection: PostgresConnection) async throws -> [Group] {
        try await connection.query("""
            SELECT id, name, parent_id, is_default FROM groups WHERE workspace_id = \(workspaceID) ORDER BY id
            """).map(group)
    }

    func groups(workspaceID: String, page: PageRequest) async throws -> Page<(Group, Date)> {
        let rows = try await pool.query("""
            SELECT id, name, parent_id, is_default, created_at FROM groups
            WHERE workspace_id = \(workspaceID) AND id > \(page.after) ORDER BY id LIMIT \(page.limit)
            """)
        return page.page(try rows.map { (try Self.group($0), try $0.decode(Date.self, column: "created_at")) }, id: \.0.id)
    }

    func group(workspaceID: String, id: String) async throws -> (Group, Date)? {
        try await pool.query("""
            SELECT id, name, parent_id, is_default, created_at FROM groups WHERE workspace_id = \(workspaceID) AND id = \(id)
            """).first.map { (try Self.group($0), try $0.decode(Date.self, column: "created_at")) }
    }

    /// Creates a group (its parent must be in the same workspace; names are unique there).
    func createGroup(workspaceID: String, group: Group, changes: [Change]) async throws -> Date {
        try await transaction { connection in
            try await Self.lockWorkspace(workspaceID: workspaceID, on: connection)
            if let parent = group.parentID {
                let found = try await connection.query("SELECT 1 FROM groups WHERE workspace_id = \(workspaceID) AND id = \(parent)")
                guard !found.isEmpty else { throw ServiceError.invalidField("parent_id", "is not a group of this workspace", code: .unprocessableEntity) }
            }
            do {
                let rows = try await connection.query("""
                    INSERT INTO groups (id, workspace_id, name, parent_id) VALUES (\(group.id), \(workspaceID), \(group.name), \(group.parentID))
                    RETURNING created_at
                    """)
                try await markChanged(workspaceID: workspaceID, on: connection)
                try await record(changes, on: connection)
                return try rows[0].decode(column: "created_at")
            } catch let error as DatabaseError where error.code == .uniqueViolation {
                throw ServiceError(.conflict, "A group named \(group.name) already exists in this workspace.", cause: error)
            }
        }
    }

    /// Renames or moves a group; a move under one of its own descendants is refused (422).
    func updateGroup(workspaceID: String, id: String, name: String?, parentID: String??, changes: [Change]) async throws -> (Group, Date)? {
        try await transaction { connection in
            try await Self.lockWorkspace(workspaceID: workspaceID, on: connection)
            let all = try await Self.groups(workspaceID: workspaceID, on: connection)
            guard let current = all.first(where: { $0.id == id }) else { return nil }
            if let parentID, let newParent = parentID {
                guard all.contains(where: { $0.id == newParent }) else {
                    throw ServiceError.invalidField("parent_id", "is not a group of this workspace", code: .unprocessableEntity)
                }
                if GroupTree(all).wouldCycle(moving: id, under: newParent) {
                    throw ServiceError.invalidField("parent_id", "would make the group its own ancestor", code: .unprocessableEntity)
                }
            }
            if current.isDefault, name != nil || parentID != nil {
                throw ServiceError(.failedPrecondition, "The default groups cannot be renamed or moved.")
            }
            do {
                try await connection.execute("""
                    UPDATE groups SET name = coalesce(\(name), name),
                        parent_id = CASE WHEN \(parentID != nil) THEN \(parentID ?? nil) ELSE parent_id END
                    WHERE id = \(id)
                    """)
            } catch let error as DatabaseError where error.code == .uniqueViolation {
                throw ServiceError(.conflict, "A group with that name already exists in this workspace.", cause: error)
            }
            try await markChanged(workspaceID: workspaceID, on: connection)
            try await record(changes, on: connection)
            let rows = try await connection.query("SELECT id, name, parent_id, is_default, created_at FROM groups WHERE id = \(id)")
            return (try Self.group(rows[0]), try rows[0].decode(Date.self, column: "created_at"))
        }
    }

    /// Deletes a group without children (its memberships and bindings go with it).
    func deleteGroup(workspaceID: String, id: String, changes: [Change]) async throws -> Bool {
        try await transaction { connection in
            try await Self.lockWorkspace(workspaceID: workspaceID, on: connection)
            let rows = try await connection.query("SELECT is_default FROM groups WHERE workspace_id = \(workspaceID) AND id = \(id)")
            guard let row = rows.first else { return false }
            if try row.decode(Bool.self, column: "is_default") {
                throw ServiceError(.failedPrecondition, "The default groups cannot be deleted.")
            }
            let children = try await connection.query("SELECT 1 FROM groups WHERE parent_id = \(id) LIMIT 1")
            guard children.isEmpty else { throw ServiceError(.failedPrecondition, "The group has sub-groups; move or delete them first.") }
            try await connection.execute("DELETE FROM groups WHERE id = \(id)")
            try await markChanged(workspaceID: workspaceID, on: connection)
            try await record(changes, on: connection)
            return true
        }
    }

    /// Group and project changes in one workspace are serialized, so two concurrent moves
    /// cannot together make a cycle, nor two projects together exceed the plan.
    static func lockWorkspace(workspaceID: String, on connection: PostgresConnection) async throws {
        _ = try await connection.query("SELECT 1 FROM workspaces WHERE id = \(workspaceID) FOR UPDATE")
    }

    func addGroupMember(workspaceID: String, groupID: String, userID: String, changes: [Change]) async throws {
        try await transaction { connection in
            let group = try await connection.query("SELECT 1 FROM groups WHERE workspace_id = \(workspaceID) AND id = \(groupID)")
            guard !group.isEmpty else { throw ServiceError(.notFound, "The group does not exist.") }
            let member = try await connection.query("SELECT 1 FROM workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(userID)")
            guard !member.isEmpty else {
                throw ServiceError.invalidField("user_id", "is not a member of the workspace", code: .unprocessableEntity)
            }
            let added = try await connection.execute("""
                INSERT INTO group_members (group_id, workspace_id, user_id) VALUES (\(groupID), \(workspaceID), \(userID)) ON CONFLICT DO NOTHING
                """)
            guard added == 1 else { return }
            try await record(changes, on: connection)
        }
    }

    func removeGroupMember(workspaceID: String, groupID: String, userID: String, changes: [Change]) async throws -> Bool {
        try await transaction { connection in
            let removed = try await connection.execute("""
                DELETE FROM group_members WHERE group_id = \(groupID) AND workspace_id = \(workspaceID) AND user_id = \(userID)
                """)
            guard removed == 1 else { return false }
            try await record(changes, on: connection)
            return true
        }
    }

    // MARK: Workspace members

    /// Adds an organization member to a workspace, in `groupIDs` (all of this workspace), or
    /// in the default group `WSUsers` when `groupIDs` is empty.
    func addWorkspaceMember(workspaceID: String, organizationID: String, userID: String, groupIDs requested: [String], changes: [Change]) async throws -> WorkspaceMember {
        try await transaction { connection in
            var groupIDs = requested
            if groupIDs.isEmpty {
                groupIDs = try await connection.query("""
                    SELECT id FROM groups WHERE workspace_id = \(workspaceID) AND is_default AND name = 'WSUsers'
                    """).map { try $0.decode(String.self, column: "id") }
            }
            let inOrganization = try await connection.query("""
                SELECT 1 FROM organization_members WHERE organization_id = \(organizationID) AND user_id = \(userID)
                """)
            guard !inOrganization.isEmpty else {
                throw ServiceError.invalidField("user_id", "must be a member of the workspace's organization", code: .unprocessableEntity)
            }
            let groups = try await connection.query("SELECT id FROM groups WHERE workspace_id = \(workspaceID) AND id = ANY(\(groupIDs))")
            guard groups.count == Set(groupIDs).count else {
                throw ServiceError.invalidField("group_ids", "must be groups of this workspace", code: .unprocessableEntity)
            }
            let added = try await connection.execute("""
                INSERT INTO workspace_members (workspace_id, user_id) VALUES (\(workspaceID), \(userID)) ON CONFLICT DO NOTHING
                """)
            guard added == 1 else { throw ServiceError(.conflict, "The user is already a member of the workspace.") }
            for groupID in Set(groupIDs).sorted() {
                try await connection.execute("""
                    INSERT INTO group_members (group_id, workspace_id, user_id) VALUES (\(groupID), \(workspaceID), \(userID))
                    """)
            }
            try await record(changes, on: connection)
            return try await Self.workspaceMembers(workspaceID: workspaceID, userID: userID, after: "", limit: 1, on: connection)[0]
        }
    }

    static func workspaceMembers(workspaceID: String, userID: String?, after: String, limit: Int, on connection: PostgresConnection) async throws -> [WorkspaceMember] {
        try await connection.query("""
            SELECT m.user_id, u.email, u.display_name, m.created_at,
                   coalesce(array_agg(g.group_id ORDER BY g.group_id) FILTER (WHERE g.group_id IS NOT NULL), '{}') AS group_ids
            FROM workspace_members m JOIN users u ON u.id = m.user_id
            LEFT JOIN group_members g ON g.workspace_id = m.workspace_id AND g.user_id = m.user_id
            WHERE m.workspace_id = \(workspaceID) AND (\(userID)::text IS NULL OR m.user_id = \(userID)) AND m.user_id > \(after)
            GROUP BY m.user_id, u.email, u.display_name, m.created_at
            ORDER BY m.user_id LIMIT \(limit)
            """).map { row in
            WorkspaceMember(
                user: DirectoryUser(id: try row.decode(column: "user_id"), email: try row.decode(column: "email"), displayName: try row.decode(column: "display_name")),
                groupIDs: try row.decode(column: "group_ids"), createdAt: try row.decode(column: "created_at")
            )
        }
    }

    func workspaceMembers(workspaceID: String, page: PageRequest) async throws -> Page<WorkspaceMember> {
        try await pool.withConnection { connection in
            page.page(try await Self.workspaceMembers(workspaceID: workspaceID, userID: nil, after: page.after, limit: page.limit, on: connection), id: \.user.id)
        }
    }

    func removeWorkspaceMember(workspaceID: String, userID: String, changes: [Change]) async throws -> Bool {
        try await transaction { connection in
            let removed = try await connection.execute("DELETE FROM workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(userID)")
            guard removed == 1 else { return false }
            try await record(changes, on: connection)
            return true
        }
    }
}
