import Foundation

/// Long work on a workspace, as its row says (DESIGN §6).
struct WorkspaceTask: Sendable, Equatable {
    enum Kind: String, Sendable {
        /// First creation: register the OIDC client, apply, wait for readiness.
        case provision
        /// A plan change: apply the new limits.
        case update
        /// Groups, roles, bindings or projects changed: re-render and re-apply.
        case sync
        /// Remove the cluster objects, then the OIDC client.
        case delete
    }

    enum State: String, Sendable {
        case pending, running, succeeded, failed, cancelled
    }

    var id: String
    var workspaceID: String
    var kind: Kind
    var state: State
    /// Failed attempts so far; one whose worker crashed or stalled past its lease counts too.
    var attempts: Int
    var maxAttempts: Int
    var step: String
    var lastError: String
    var nextAttemptAt: Date
    var updatedAt: Date
}

/// The steps of each kind of task, in order. A task taken over after a crash (its lease ran
/// out, which counts as a failed attempt) starts again from the first step: every step is
/// idempotent (registering a client that exists, applying the same objects, deleting what is
/// already gone change nothing).
enum TaskStep: String, Sendable, CaseIterable {
    case registerClient = "registering OIDC client"
    case apply = "applying"
    case awaitReady = "waiting for readiness"
    case deleteObjects = "deleting cluster objects"
    case awaitGone = "waiting for deletion"
    case deleteClient = "removing OIDC client"

    static func steps(for kind: WorkspaceTask.Kind) -> [TaskStep] {
        switch kind {
        case .provision: [.registerClient, .apply, .awaitReady]
        case .update, .sync: [.apply, .awaitReady]
        case .delete: [.deleteObjects, .awaitGone, .deleteClient]
        }
    }
}

/// Retry rules: exponential backoff with jitter, capped; permanent errors fail at once.
struct RetryPolicy: Sendable {
    var maxAttempts: Int = 5
    var baseDelay: Duration = .seconds(2)
    var maxDelay: Duration = .seconds(300)
    /// How often readiness and deletion are polled (not counted as attempts).
    var pollInterval: Duration = .seconds(2)

    enum Decision: Equatable {
        case retry(after: Duration)
        case fail
    }

    /// What to do after the `attempts`-th failure (1 for the first) of a task allowed `limit`
    /// attempts (its row's `max_attempts`, set from ``maxAttempts`` when it was queued).
    func afterFailure(attempts: Int, of limit: Int, retryable: Bool, jitter: Double = Double.random(in: 0.8...1.2)) -> Decision {
        guard retryable, attempts < limit else { return .fail }
        let exponent = min(attempts - 1, 20)
        let delay = min(maxDelay, baseDelay * Double(1 << exponent) * jitter)
        return .retry(after: delay)
    }
}
