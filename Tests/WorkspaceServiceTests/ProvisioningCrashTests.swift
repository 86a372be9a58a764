import Contracts
import Foundation
import Testing
import TestSupport
@testable import WorkspaceService

/// "A crash mid-provisioning resumes, never duplicates objects": an hxb-workspace process is
/// killed with SIGKILL between two steps of a provision task, a second process takes the task
/// over once its lease lapses, and the host cluster (the fake API server), auth's clients and
/// the workspace's own records end as if nothing had happened.
@Suite("Provisioning across a crashed workspace process", .serialized)
struct ProvisioningCrashTests {
    typealias Objects = [String: JSONValue]

    @Test("killed while waiting for readiness: a second process takes the task over, redoes the steps and duplicates nothing")
    func crashWhileAwaitingReadiness() async throws {
        try await WorkspaceProcessStack.with { stack in
            try await stack.configureKube(["ready_gets": 1_000_000])
            let first = try await stack.startWorkspace()
            let alice = try await stack.user("alice")
            let id = try await createWorkspace(stack, organization: alice.personal, token: alice.token)

            let waiting = try await waitForTask(stack, id, token: alice.token, "to wait for readiness") { $0.step == TaskStep.awaitReady.rawValue }
            #expect(waiting.state == "provisioning")
            #expect(waiting.task.attempts == 0)
            let before = try await stack.kubeObjects()
            Self.expectInstalledOnce(before, workspaceID: id)
            #expect(try await stack.oidcClients(workspaceID: id) == ["hxb-\(id)"])
            let applies = stack.kubeRequests("PATCH")

            await first.kill()
            let killedAt = try await stack.databaseNow()
            try await stack.startWorkspace()
            // The second process applies everything again and, what the task shows after the
            // kill being its own, waits for readiness itself.
            try await waitUntil("the second process to apply again", interval: .milliseconds(50)) { stack.kubeRequests("PATCH") == 2 * applies }
            let resumed = try await waitForTask(stack, id, token: alice.token, "the second process to reach readiness") { task in
                task.updateTime.date > killedAt && task.step == TaskStep.awaitReady.rawValue
            }
            #expect(resumed.task.state == "running")
            #expect(resumed.task.attempts == 1, "the crashed attempt counts as one")
            #expect(resumed.task.lastError.contains("lease"), "\(resumed.task.lastError)")

            try await stack.configureKube(["ready_gets": 0])
            let running = try await stack.waitForState(id, "running", token: alice.token)
            #expect(running.task.state == "succeeded")
            #expect(running.task.attempts == 1)
            let after = try await stack.kubeObjects()
            #expect(after.keys.sorted() == before.keys.sorted())
            Self.expectSameObjects(before, after)
            Self.expectInstalledOnce(after, workspaceID: id)
            try await Self.expectRecordedOnce(stack, workspaceID: id)
        }
    }

    @Test("killed in the middle of applying: the second process applies the rest over what is there, the chart installs once")
    func crashWhileApplying() async throws {
        try await WorkspaceProcessStack.with { stack in
            // The HelmChart is the last object applied: hold it, so the crash comes after the
            // namespace, quota, limits and network policy were applied.
            try await stack.configureKube(["hold": "helmcharts"])
            let first = try await stack.startWorkspace()
            let bob = try await stack.user("bob")
            let id = try await createWorkspace(stack, organization: bob.personal, token: bob.token)
            try await waitUntil("the HelmChart's apply to be held", interval: .milliseconds(50)) { try await stack.configureKube()["held"]?.intValue == 1 }
            let applying = try await waitForTask(stack, id, token: bob.token, "to be applying") { $0.step == TaskStep.apply.rawValue }
            #expect(applying.task.attempts == 0)
            let before = try await stack.kubeObjects()
            #expect(before["v1/namespaces//\(id)"] != nil)
            #expect(before["v1/resourcequotas/\(id)/workspace-quota"] != nil)
            #expect(before.keys.filter { $0.hasPrefix("helm.cattle.io/") || $0.hasPrefix("batch/") || $0.hasPrefix("apps/") }.isEmpty)

            await first.kill()
            // The held request dies with its client: the chart was never written.
            try await waitUntil("the fake to drop the dead process's request", interval: .milliseconds(50)) { try await stack.configureKube()["dropped"]?.intValue == 1 }
            try await stack.configureKube(["hold": ""])
            try await stack.startWorkspace()
            let running = try await stack.waitForState(id, "running", token: bob.token)
            #expect(running.task.attempts == 1)
            let after = try await stack.kubeObjects()
            Self.expectSameObjects(before, after)
            Self.expectInstalledOnce(after, workspaceID: id)
            try await Self.expectRecordedOnce(stack, workspaceID: id)
        }
    }

    // MARK: - Steps and checks

    private func createWorkspace(_ stack: WorkspaceProcessStack, organization: String, token: String) async throws -> String {
        var create = Hexabase_Workspace_V1_CreateWorkspaceRequest()
        create.organizationID = organization
        create.name = "crash-test"
        return try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: token).id
    }

    /// Polls GetWorkspace until `condition` holds for its task; returns the workspace.
    private func waitForTask(
        _ stack: WorkspaceProcessStack, _ id: String, token: String, _ what: String,
        _ condition: (Hexabase_Workspace_V1_WorkspaceTask) -> Bool
    ) async throws -> Hexabase_Workspace_V1_Workspace {
        var request = Hexabase_Workspace_V1_GetWorkspaceRequest()
        request.workspaceID = id
        var last = Hexabase_Workspace_V1_Workspace()
        do {
            try await waitUntil("the provision task \(what)", timeout: .seconds(30), interval: .milliseconds(50)) {
                last = try await stack.call("GetWorkspace", request, as: Hexabase_Workspace_V1_Workspace.self, token: token)
                return condition(last.task)
            }
        } catch {
            Issue.record("last seen: state \(last.state), task \(last.task.state) at '\(last.task.step)', attempts \(last.task.attempts), error '\(last.task.lastError)'")
            throw error
        }
        return last
    }

    /// Every object there before is still there, the same object (uid), and none the provider
    /// applies was rewritten (resourceVersion): re-applying identical objects is a no-op on the
    /// API server. (The controllers' Job and StatefulSet change status as they progress.)
    private static func expectSameObjects(_ before: Objects, _ after: Objects) {
        for (key, object) in before {
            let now = after[key]
            #expect(now != nil, "\(key) is gone")
            #expect(now?.value(at: ["metadata", "uid"]) == object.value(at: ["metadata", "uid"]), "\(key) was recreated")
            if !key.hasPrefix("batch/"), !key.hasPrefix("apps/") {
                #expect(now?.value(at: ["metadata", "resourceVersion"]) == object.value(at: ["metadata", "resourceVersion"]), "\(key) was rewritten")
            }
        }
    }

    /// One chart, one install Job, one vCluster StatefulSet, and nothing for other workspaces.
    private static func expectInstalledOnce(_ objects: Objects, workspaceID id: String) {
        let keys = Set(objects.keys)
        #expect(keys.filter { $0.hasPrefix("helm.cattle.io/v1/helmcharts/") } == ["helm.cattle.io/v1/helmcharts/kube-system/\(id)"])
        #expect(keys.filter { $0.hasPrefix("batch/v1/jobs/") } == ["batch/v1/jobs/kube-system/helm-install-\(id)"])
        #expect(keys.filter { $0.hasPrefix("apps/v1/statefulsets/") } == ["apps/v1/statefulsets/\(id)/\(id)"])
        #expect(keys.filter { $0.hasPrefix("v1/namespaces//") } == Set(["v1/namespaces//default", "v1/namespaces//kube-system", "v1/namespaces//\(id)"]))
    }

    /// One OIDC client at auth, one provision task, one `workspace.running` audit record and
    /// one such event in the outbox.
    private static func expectRecordedOnce(_ stack: WorkspaceProcessStack, workspaceID id: String) async throws {
        #expect(try await stack.oidcClients(workspaceID: id) == ["hxb-\(id)"])
        #expect(try await stack.count("SELECT count(*) AS n FROM tasks WHERE workspace_id = \(id)") == 1)
        #expect(try await stack.count("SELECT count(*) AS n FROM audit_events WHERE action = 'workspace.running' AND subject = \(id)") == 1)
        #expect(try await stack.count("SELECT count(*) AS n FROM outbox WHERE topic = 'hxb.events.workspace.workspace.running'") == 1)
    }
}
