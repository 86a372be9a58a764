import Foundation
import ServiceKit
import Store

/// A workspace with its current (or last) task.
struct WorkspaceRecord: Sendable, Equatable {
    var workspace: Workspace
    var task: WorkspaceTask?
}

extension WorkspaceStore {
    private static let workspaceColumns = """
        w.id, w.organization_id, w.name, w.plan_id, w.state, w.state_reason, w.created_at, w.updated_at,
        t.id AS task_id, t.kind AS task_kind, t.state AS task_state, t.attempts AS task_attempts, t.max_attempts AS task_max_attempts,
        t.step AS task_step, t.last_error AS task_last_error, t.next_attempt_at AS task_next_attempt_at, t.updated_at AS task_updated_at
        """

    private static let latestTask = """
        LEFT JOIN LATERAL (SELECT * FROM tasks WHERE workspace_id = w.id ORDER BY created_at DESC, id DESC LIMIT 1) t ON true
        """

    static func workspace(_ row: PostgresRow) throws -> Workspace {
        Workspace(
            id: try row.decode(column: "id"), organizationID: try row.decode(column: "organization_id"),
            name: try row.decode(column: "name"), planID: try row.decode(column: "plan_id"),
            state: Workspace.State(rawValue: try row.decode(column: "state")) ?? .failed,
            stateReason: try row.decode(column: "state_reason"),
            createdAt: try row.decode(column: "created_at"), updatedAt: try row.decode(column: "updated_at")
        )
    }

    static func workspaceRecord(_ row: PostgresRow) throws -> WorkspaceRecord {
        let workspace = try workspace(row)
        var task: WorkspaceTask?
        if let taskID = try row.decode(String?.self, column: "task_id") {
            task = WorkspaceTask(
                id: taskID, workspaceID: workspace.id,
                kind: WorkspaceTask.Kind(rawValue: try row.decode(column: "task_kind")) ?? .sync,
                state: WorkspaceTask.State(rawValue: try row.decode(column: "task_state")) ?? .failed,
                attempts: try row.decode(column: "task_attempts"), maxAttempts: try row.decode(column: "task_max_attempts"),
                step: try row.decode(column: "task_step"), lastError: try row.decode(column: "task_last_error"),
                nextAttemptAt: try row.decode(column: "task_next_attempt_at"), updatedAt: try row.decode(column: "task_updated_at")
            )
        }
        return WorkspaceRecord(workspace: workspace, task: task)
    }

    /// Creates a workspace in `pending` with its default groups (the creator in `WSAdmins`),
    /// the default bindings and its provisioning task, in one transaction.
    func createWorkspace(_ workspace: Workspace, creator: String, taskID: String, changes: [Change]) async throws -> WorkspaceRecord {
        try await transaction { connection in
            let organization = try await connection.query("""
                SELECT 1 FROM organizations WHERE id = \(workspace.organizationID) AND deleted_at IS NULL FOR SHARE
                """)
            guard !organization.isEmpty else { throw ServiceError(.notFound, "The organization does not exist.") }
            do {
                try await connection.execute("""
                    INSERT INTO workspaces (id, organization_id, name, plan_id, state, created_by)
                    VALUES (\(workspace.id), \(workspace.organizationID), \(workspace.name), \(workspace.planID), 'pending', \(creator))
                    """)
            } catch let error as DatabaseError where error.code == .uniqueViolation {
                throw ServiceError(.conflict, "A workspace named \(workspace.name) already exists in this organization.", cause: error)
            }
            try await connection.execute("INSERT INTO workspace_members (workspace_id, user_id) VALUES (\(workspace.id), \(creator))")
            let root = PrefixedID.make("grp")
            let admins = PrefixedID.make("grp")
            let users = PrefixedID.make("grp")
            for (id, name, parent) in [(root, "WorkspaceMembers", nil), (admins, "WSAdmins", root), (users, "WSUsers", root)] as [(String, String, String?)] {
                try await connection.execute("""
                    INSERT INTO groups (id, workspace_id, name, parent_id, is_default) VALUES (\(id), \(workspace.id), \(name), \(parent), true)
                    """)
            }
            try await connection.execute("""
                INSERT INTO group_members (group_id, workspace_id, user_id) VALUES (\(admins), \(workspace.id), \(creator))
                """)
            for (group, role) in [(admins, PresetRole.workspaceAdmin), (users, PresetRole.workspaceViewer)] {
                try await connection.execute("""
                    INSERT INTO role_bindings (id, workspace_id, role_id, group_id) VALUES (\(PrefixedID.make("rb")), \(workspace.id), \(role.rawValue), \(group))
                    """)
            }
            try await connection.execute("""
                INSERT INTO tasks (id, workspace_id, kind, state, max_attempts) VALUES (\(taskID), \(workspace.id), 'provision', 'pending', \(taskAttempts))
                """)
            Self.noteTaskQueued()
            try await record(changes, on: connection)
            return try await Self.workspaceRecord(id: workspace.id, on: connection)!
        }
    }

    static func workspaceRecord(id: String, on connection: PostgresConnection) async throws -> WorkspaceRecord? {
        try await connection.query("""
            SELECT \(unescaped: workspaceColumns) FROM workspaces w \(unescaped: latestTask) WHERE w.id = \(id)
            """).first.map(workspaceRecord)
    }

    /// A workspace that is not deleted.
    func workspace(id: String) async throws -> WorkspaceRecord? {
        try await pool.query("""
            SELECT \(unescaped: Self.workspaceColumns) FROM workspaces w \(unescaped: Self.latestTask) WHERE w.id = \(id) AND w.state <> 'deleted'
            """, prepared: true).first.map(Self.workspaceRecord)
    }

    /// The organization's workspaces that are not deleted; only those in `visible` unless `all`.
    func workspaces(organizationID: String, all: Bool, visible: [String], page: PageRequest) async throws -> Page<WorkspaceRecord> {
        let rows = try await pool.query("""
            SELECT \(unescaped: Self.workspaceColumns) FROM workspaces w \(unescaped: Self.latestTask)
            WHERE w.organization_id = \(organizationID) AND w.state <> 'deleted' AND (\(all) OR w.id = ANY(\(visible)))
              AND w.id > \(page.after)
            ORDER BY w.id LIMIT \(page.limit)
            """)
        return page.page(try rows.map(Self.workspaceRecord), id: \.workspace.id)
    }

    /// Starts a plan change (or, on a failed workspace, provisioning again). 409 while another
    /// provisioning, update or deletion is under way; a pending sync is folded into it.
    /// The new plan must hold the quotas of all the workspace's projects (422 otherwise).
    func updateWorkspace(id: String, plan: Plan, changes: [Change]) async throws -> WorkspaceRecord? {
        try await transaction { connection in
            let rows = try await connection.query("SELECT state FROM workspaces WHERE id = \(id) AND state <> 'deleted' FOR UPDATE")
            guard let row = rows.first else { return nil }
            let state = Workspace.State(rawValue: try row.decode(column: "state")) ?? .failed
            guard state == .running || state == .failed else {
                throw ServiceError(.conflict, "The workspace is \(state.rawValue); try again when it is running.")
            }
            let projects = try await Self.projects(workspaceID: id, on: connection)
            if let problem = QuotaBudget(plan: plan).problem(with: projects.map(\.quota)) {
                throw ServiceError.invalidField("plan_id", "is too small for the projects' quotas: \(problem)", code: .unprocessableEntity)
            }
            let open = try await connection.query("SELECT id, kind, state FROM tasks WHERE workspace_id = \(id) AND state IN ('pending', 'running') FOR UPDATE")
            if let task = open.first {
                guard try task.decode(String.self, column: "kind") == "sync", try task.decode(String.self, column: "state") == "pending" else {
                    throw ServiceError(.conflict, "The workspace is busy applying a change; try again shortly.")
                }
                try await connection.execute("UPDATE tasks SET state = 'cancelled', updated_at = now() WHERE id = \(try task.decode(String.self, column: "id"))")
            }
            // A failed workspace is provisioned again from the start; a running one is updated.
            let (kind, next) = state == .failed ? ("provision", "provisioning") : ("update", "updating")
            try await connection.execute("""
                UPDATE workspaces SET plan_id = \(plan.id), state = \(next), state_reason = '',
                    desired_generation = desired_generation + 1, updated_at = now() WHERE id = \(id)
                """)
            try await connection.execute("""
                INSERT INTO tasks (id, workspace_id, kind, state, max_attempts) VALUES (\(PrefixedID.make("tsk")), \(id), \(kind), 'pending', \(taskAttempts))
                """)
            Self.noteTaskQueued()
            try await record(changes, on: connection)
            return try await Self.workspaceRecord(id: id, on: connection)
        }
    }

    /// Starts deletion: open tasks are cancelled, the workspace goes `deleting`.
    func deleteWorkspace(id: String, changes: [Change]) async throws -> WorkspaceRecord? {
        try await transaction { connection in
            let rows = try await connection.query("SELECT state FROM workspaces WHERE id = \(id) AND state <> 'deleted' FOR UPDATE")
            guard let row = rows.first else { return nil }
            if try row.decode(String.self, column: "state") == "deleting" {
                return try await Self.workspaceRecord(id: id, on: connection)
            }
            try await connection.execute("""
                UPDATE tasks SET state = 'cancelled', updated_at = now(), lease_until = NULL WHERE workspace_id = \(id) AND state IN ('pending', 'running')
                """)
            try await connection.execute("UPDATE workspaces SET state = 'deleting', state_reason = '', updated_at = now() WHERE id = \(id)")
            try await connection.execute("""
                INSERT INTO tasks (id, workspace_id, kind, state, max_attempts) VALUES (\(PrefixedID.make("tsk")), \(id), 'delete', 'pending', \(taskAttempts))
                """)
            Self.noteTaskQueued()
            try await record(changes, on: connection)
            return try await Self.workspaceRecord(id: id, on: connection)
        }
    }

    /// Notes that what is rendered for a workspace changed: bumps its desired generation and,
    /// when it is running and no task is open, queues a sync (a task already open re-applies
    /// before it finishes, see ``finishTask``).
    func markChanged(workspaceID: String, on connection: PostgresConnection) async throws {
        try await connection.execute("""
            UPDATE workspaces SET desired_generation = desired_generation + 1, updated_at = now() WHERE id = \(workspaceID)
            """)
        try await connection.execute("""
            INSERT INTO tasks (id, workspace_id, kind, state, max_attempts)
            SELECT \(PrefixedID.make("tsk")), id, 'sync', 'pending', \(taskAttempts) FROM workspaces WHERE id = \(workspaceID) AND state = 'running'
            ON CONFLICT (workspace_id) WHERE state IN ('pending', 'running') DO NOTHING
            """)
        Self.noteTaskQueued()
    }
}
