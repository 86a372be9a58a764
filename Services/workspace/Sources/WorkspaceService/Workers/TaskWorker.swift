import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// Runs the workspaces' asynchronous tasks (provision, update, sync, delete): claims a due
/// task (`FOR UPDATE SKIP LOCKED`, so replicas share the work), runs its steps under a lease it
/// renews, and records the outcome. A crashed worker's task is claimed again when its lease
/// runs out and starts over from the first step, which is safe because every step is
/// idempotent (see ``TaskStep``); the lost attempt counts like a failed one, so a task that
/// kills every worker running it still ends `failed` after its attempts.
struct TaskWorker: Service {
    struct Settings: Sendable {
        /// Tasks run at once by one process.
        var concurrency = 4
        /// How long a claim holds without renewal; a crashed worker's task waits this long.
        var lease: Duration = .seconds(30)
        /// How long an idle slot waits, unless rung, before looking for work again (tasks due
        /// after a backoff are found this way).
        var idleInterval: Duration = .milliseconds(500)
        /// How long readiness (or deletion) may take before the attempt counts as failed.
        var readinessTimeout: Duration = .seconds(600)
    }

    /// Core NATS subject every replica listens on (no queue group) to ring its bell: a
    /// transaction of the store that queued a task rings it after commit, locally and there.
    static let queuedSubject = "hxb.workspace.internal.tasks.queued"

    let store: WorkspaceStore
    /// Rung when a task is queued; an idle slot waits on it.
    let bell: WakeUpBell
    let provider: any ClusterProvider
    let registrar: any OIDCClientRegistrar
    let snapshots: SnapshotBuilder
    let retry: RetryPolicy
    let settings: Settings
    let logger: Logger
    /// Called after a task changed what people may reach (a workspace deleted).
    let onAccessChange: @Sendable () -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for slot in 0..<settings.concurrency {
                    group.addTask { await loop(slot: slot) }
                }
            }
        }
    }

    private func loop(slot: Int) async {
        while !Task.isCancelled {
            do {
                if try await runOnce() == false {
                    await bell.wait(upTo: settings.idleInterval)
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("task worker pass failed", metadata: ["slot": "\(slot)", "error": "\(error)"])
                try? await Task.sleep(for: settings.idleInterval)
            }
        }
    }

    /// Claims and runs one due task; false when none was due.
    @discardableResult
    func runOnce() async throws -> Bool {
        guard let claimed = try await store.claimTask(lease: settings.lease) else { return false }
        var logger = logger
        logger[metadataKey: "task_id"] = "\(claimed.task.id)"
        logger[metadataKey: "workspace_id"] = "\(claimed.workspace.id)"
        logger.info("task claimed", metadata: ["kind": "\(claimed.task.kind.rawValue)", "attempts": "\(claimed.task.attempts)"])
        if claimed.tookOver {
            logger.warning("task taken over: its previous worker stopped renewing the lease", metadata: ["attempts": "\(claimed.task.attempts)"])
            if claimed.task.attempts >= claimed.task.maxAttempts {
                let message = "Gave up on the last of \(claimed.task.maxAttempts) attempts: \(WorkspaceStore.lapsedLeaseError)"
                try await store.failAttempt(claimed, error: message, retryAfter: nil, changes: [Self.failed(claimed, message)], countingAttempt: false)
                return true
            }
        }
        do {
            try await execute(claimed, logger: logger)
        } catch is CancellationError {
            throw CancellationError()
        } catch is LostTask {
            logger.notice("task no longer ours (cancelled or taken over); stopped")
        } catch {
            let retryable = (error as? ClusterProviderError)?.isRetryable ?? (error as? ServiceError).map(Self.isRetryable) ?? true
            let decision = retry.afterFailure(attempts: claimed.task.attempts + 1, of: claimed.task.maxAttempts, retryable: retryable)
            let message = Self.describe(error)
            logger.warning("task attempt failed", metadata: ["error": "\(message)", "retryable": "\(retryable)", "decision": "\(decision)"])
            switch decision {
            case .retry(let delay):
                try await store.failAttempt(claimed, error: message, retryAfter: delay, changes: [])
            case .fail:
                try await store.failAttempt(claimed, error: message, retryAfter: nil, changes: [Self.failed(claimed, message)])
            }
        }
        return true
    }

    /// The audit record and event of a task that failed for good.
    private static func failed(_ claimed: ClaimedTask, _ message: String) -> Change {
        Change(
            entity: "workspace", verb: "failed", resourceID: claimed.workspace.id, organizationID: claimed.workspace.organizationID,
            workspaceID: claimed.workspace.id, actor: .worker, detail: String(message.prefix(200)), details: ["task": claimed.task.kind.rawValue]
        )
    }

    private func execute(_ claimed: ClaimedTask, logger: Logger) async throws {
        let workspace = claimed.workspace
        var generation: Int64?
        for step in TaskStep.steps(for: claimed.task.kind) {
            guard try await store.progress(claimed, step: step, lease: settings.lease) else { throw LostTask() }
            switch step {
            case .registerClient:
                try await registrar.register(workspace)
            case .apply:
                guard let input = try await store.renderingInput(workspaceID: workspace.id) else { return }
                generation = input.generation
                try await provider.apply(DesiredStateRenderer.render(try snapshots.snapshot(input)))
            case .awaitReady:
                try await waitUntil(claimed, step: step) {
                    switch try await provider.readiness(workspaceID: workspace.id) {
                    case .ready: return nil
                    case .progressing(let what): return what
                    case .failed(let why): throw ClusterProviderError(.invalid, "The vCluster cannot become ready: \(why)", isRetryable: false)
                    }
                }
            case .deleteObjects:
                _ = try await provider.delete(workspaceID: workspace.id)
            case .awaitGone:
                try await waitUntil(claimed, step: step) {
                    switch try await provider.delete(workspaceID: workspace.id) {
                    case .gone: return nil
                    case .inProgress(let what): return what
                    }
                }
            case .deleteClient:
                try await registrar.delete(workspaceID: workspace.id)
            }
        }
        let finalState: Workspace.State = claimed.task.kind == .delete ? .deleted : .running
        let verb = finalState == .deleted ? "deleted" : claimed.task.kind == .sync ? "synced" : "running"
        let finished = try await store.finishTask(
            claimed, appliedGeneration: generation, finalState: finalState,
            changes: [Change(entity: "workspace", verb: verb, resourceID: workspace.id, organizationID: workspace.organizationID,
                             workspaceID: workspace.id, actor: .worker, details: ["task": claimed.task.kind.rawValue])]
        )
        logger.info(finished ? "task succeeded" : "desired state changed while applying; applying again")
        if finalState == .deleted { onAccessChange() }
    }

    /// Polls `check` (nil = done, else what is awaited) every poll interval, renewing the
    /// lease, until done or the readiness timeout (a retryable failure).
    private func waitUntil(_ claimed: ClaimedTask, step: TaskStep, _ check: () async throws -> String?) async throws {
        let deadline = ContinuousClock.now + settings.readinessTimeout
        while let awaited = try await check() {
            guard ContinuousClock.now < deadline else {
                throw ClusterProviderError(.unavailable, "Timed out \(step.rawValue): \(awaited)", isRetryable: true)
            }
            try await Task.sleep(for: retry.pollInterval)
            guard try await store.progress(claimed, step: step, lease: settings.lease) else { throw LostTask() }
        }
    }

    static func isRetryable(_ error: ServiceError) -> Bool {
        [.unavailable, .deadlineExceeded, .internalError, .rateLimited, .unauthenticated].contains(error.code)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? ServiceError { return "\(error.code.status) \(error.message)" }
        return String(describing: error)
    }
}

/// The task was cancelled (the workspace is being deleted) or another worker took it over.
struct LostTask: Error {}
