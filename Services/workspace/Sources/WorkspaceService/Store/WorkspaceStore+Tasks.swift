import Foundation
import ServiceKit
import Store

/// A task claimed by a worker, with what it needs to run.
struct ClaimedTask: Sendable {
    var task: WorkspaceTask
    var workspace: Workspace
    /// The task was running under a lease that ran out (its worker crashed or stalled): that
    /// attempt is already counted in `task.attempts`.
    var tookOver = false
    /// The token of this claim: every later write of the worker is conditional on it, so a
    /// worker whose task was taken over changes nothing more.
    var leaseOwner: String
}

extension WorkspaceStore {
    /// Why a task was taken over, as its `last_error` says.
    static let lapsedLeaseError = "the worker running this task stopped renewing its lease (crashed or stalled); taken over"

    /// Claims the next due task: a pending one whose time has come, or a running one whose
    /// worker's lease ran out (it crashed or stalled), which counts as a failed attempt.
    /// `FOR UPDATE SKIP LOCKED` lets replicas claim different tasks at once. The claim holds a
    /// lease of `lease`; the worker renews it.
    func claimTask(lease: Duration) async throws -> ClaimedTask? {
        let owner = UUID().uuidString.lowercased()
        return try await transaction { connection in
            let rows = try await connection.query("""
                WITH due AS (
                    SELECT id, state = 'running' AS took_over FROM tasks
                    WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'running' AND lease_until < now())
                    ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
                )
                UPDATE tasks SET state = 'running', lease_until = now() + make_interval(secs => \(lease.timeInterval)), updated_at = now(),
                    lease_owner = \(owner),
                    attempts = attempts + CASE WHEN due.took_over THEN 1 ELSE 0 END,
                    last_error = CASE WHEN due.took_over THEN \(Self.lapsedLeaseError) ELSE last_error END
                FROM due WHERE tasks.id = due.id
                RETURNING tasks.workspace_id, due.took_over
                """)
            guard let row = rows.first else { return nil }
            let workspaceID: String = try row.decode(column: "workspace_id")
            // The workspace shows the task's progress.
            try await connection.execute("""
                UPDATE workspaces SET state = 'provisioning', updated_at = now() WHERE id = \(workspaceID) AND state = 'pending'
                """)
            guard let record = try await Self.workspaceRecord(id: workspaceID, on: connection), let task = record.task else { return nil }
            return ClaimedTask(task: task, workspace: record.workspace, tookOver: try row.decode(column: "took_over"), leaseOwner: owner)
        }
    }

    /// Records the step a running task reached and renews its lease. Returns false when the
    /// task is no longer this claim's (cancelled, or its lease ran out and another took it).
    func progress(_ claimed: ClaimedTask, step: TaskStep, lease: Duration) async throws -> Bool {
        try await pool.execute("""
            UPDATE tasks SET step = \(step.rawValue), lease_until = now() + make_interval(secs => \(lease.timeInterval)), updated_at = now()
            WHERE id = \(claimed.task.id) AND state = 'running' AND lease_owner = \(claimed.leaseOwner)
            """) == 1
    }

    /// Records a failed attempt: back to pending after `delay`, or, with `delay` nil (attempts
    /// exhausted or a permanent error), the task fails and so does the workspace (except a
    /// sync, after which the workspace keeps running what it had). `countingAttempt` false: the
    /// attempt was counted already (a lapsed lease, counted when the task was taken over).
    func failAttempt(_ claimed: ClaimedTask, error: String, retryAfter delay: Duration?, changes: [Change], countingAttempt: Bool = true) async throws {
        let message = String(error.prefix(500))
        let counted = countingAttempt ? 1 : 0
        try await transaction { connection in
            guard let delay else {
                let updated = try await connection.execute("""
                    UPDATE tasks SET state = 'failed', attempts = attempts + \(counted), last_error = \(message), lease_until = NULL, updated_at = now()
                    WHERE id = \(claimed.task.id) AND state = 'running' AND lease_owner = \(claimed.leaseOwner)
                    """)
                guard updated == 1 else { return }
                if claimed.task.kind != .sync {
                    try await connection.execute("""
                        UPDATE workspaces SET state = 'failed', state_reason = \(message), updated_at = now() WHERE id = \(claimed.workspace.id)
                        """)
                }
                try await record(changes, on: connection)
                return
            }
            try await connection.execute("""
                UPDATE tasks SET state = 'pending', attempts = attempts + \(counted), last_error = \(message), lease_until = NULL, updated_at = now(),
                    next_attempt_at = now() + make_interval(secs => \(delay.timeInterval))
                WHERE id = \(claimed.task.id) AND state = 'running' AND lease_owner = \(claimed.leaseOwner)
                """)
        }
    }

    /// Finishes a task whose steps all succeeded, having applied `generation`. When the
    /// desired state moved on meanwhile, the task runs again instead (changes made while it
    /// ran coalesce into it). Returns true when the task finished.
    func finishTask(_ claimed: ClaimedTask, appliedGeneration generation: Int64?, finalState: Workspace.State, changes: [Change]) async throws -> Bool {
        try await transaction { connection in
            let rows = try await connection.query("SELECT desired_generation FROM workspaces WHERE id = \(claimed.workspace.id) FOR UPDATE")
            guard let row = rows.first else { return true }
            let desired: Int64 = try row.decode(column: "desired_generation")
            if let generation, desired > generation, finalState != .deleted {
                let requeued = try await connection.execute("""
                    UPDATE tasks SET state = 'pending', lease_until = NULL, next_attempt_at = now(), updated_at = now()
                    WHERE id = \(claimed.task.id) AND state = 'running' AND lease_owner = \(claimed.leaseOwner)
                    """)
                guard requeued == 1 else { return true }
                try await connection.execute("""
                    UPDATE workspaces SET applied_generation = \(generation) WHERE id = \(claimed.workspace.id)
                    """)
                return false
            }
            let updated = try await connection.execute("""
                UPDATE tasks SET state = 'succeeded', lease_until = NULL, last_error = '', updated_at = now()
                WHERE id = \(claimed.task.id) AND state = 'running' AND lease_owner = \(claimed.leaseOwner)
                """)
            guard updated == 1 else { return true }
            try await connection.execute("""
                UPDATE workspaces SET state = \(finalState.rawValue), state_reason = '', updated_at = now(),
                    applied_generation = coalesce(\(generation), applied_generation)
                WHERE id = \(claimed.workspace.id)
                """)
            try await record(changes, on: connection)
            return true
        }
    }

    /// The desired generation and everything rendered from the database, read in one
    /// transaction (a consistent snapshot).
    func renderingInput(workspaceID: String) async throws -> (generation: Int64, workspace: Workspace, groups: [Group], projects: [Project], roles: [ProjectRole], bindings: [RoleBinding])? {
        try await pool.transaction(isolation: .repeatableRead) { connection in
            let rows = try await connection.query("""
                SELECT id, organization_id, name, plan_id, state, state_reason, created_at, updated_at, desired_generation
                FROM workspaces WHERE id = \(workspaceID)
                """)
            guard let row = rows.first else { return nil }
            let workspace = try Self.workspace(row)
            return (
                try row.decode(column: "desired_generation"), workspace,
                try await Self.groups(workspaceID: workspaceID, on: connection),
                try await Self.projects(workspaceID: workspaceID, on: connection),
                try await Self.roles(workspaceID: workspaceID, projectID: nil, on: connection),
                try await Self.bindings(workspaceID: workspaceID, on: connection)
            )
        }
    }
}
