import Contracts
import Foundation
import ServiceKit
import ServiceStore
import Testing
import TestSupport
@testable import WorkspaceService

/// The whole tenancy flow against real Postgres, NATS (JetStream) and the auth service.
@Suite("Workspace lifecycle", .serialized)
struct WorkspaceLifecycleTests {
    @Test("sign-up gives a personal org; a workspace provisions to running with its OIDC client, groups, projects, roles and manifests, and deletes cleanly")
    func lifecycle() async throws {
        try await WorkspaceTestStack.with { stack, provider in
            let alice = try await stack.user("alice")
            var createOrganization = Hexabase_Workspace_V1_CreateOrganizationRequest()
            createOrganization.name = "Acme"
            let organization = try await stack.call("CreateOrganization", createOrganization, as: Hexabase_Workspace_V1_Organization.self, token: alice.token)
            #expect(organization.callerRole == "owner")

            var create = Hexabase_Workspace_V1_CreateWorkspaceRequest()
            create.organizationID = organization.id
            create.name = "Bad_Name"
            await expectError(.unprocessableEntity, "DNS-1123") { try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: alice.token) }
            create.name = "prod"
            create.planID = "gold"
            await expectError(.unprocessableEntity, "unknown plan") { try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: alice.token) }
            create.planID = "shared"
            let accepted = try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: alice.token)
            #expect(["pending", "provisioning"].contains(accepted.state))
            #expect(accepted.oidcClientID == "hxb-\(accepted.id)")
            await expectError(.conflict, "duplicate name") { try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: alice.token) }

            let running = try await stack.waitForState(accepted.id, "running", token: alice.token)
            #expect(running.task.state == "succeeded")
            let clients = try await stack.authDatabase.query("SELECT id FROM \(unescaped: stack.authDatabase.schema).clients WHERE workspace_id = \(accepted.id)")
            #expect(clients.count == 1, "the workspace's OIDC client is registered once")
            let folder = stack.manifests.appendingPathComponent(accepted.id)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(files.contains("kustomization.yaml"))
            let all = try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined()
            #expect(all.contains("--oidc-client-id=hxb-\(accepted.id)"))
            #expect(all.contains("--oidc-groups-claim=groups"))

            // Default groups; the creator in WSAdmins; the ID-token claim through ListUserGroups.
            var listGroups = Hexabase_Workspace_V1_ListGroupsRequest()
            listGroups.workspaceID = accepted.id
            let groups = try await stack.call("ListGroups", listGroups, as: Hexabase_Workspace_V1_ListGroupsResponse.self, token: alice.token).groups
            #expect(Set(groups.map(\.name)) == ["WorkspaceMembers", "WSAdmins", "WSUsers"])
            let root = try #require(groups.first { $0.name == "WorkspaceMembers" })
            let service = try await stack.serviceToken()
            var userGroups = Hexabase_Workspace_V1_ListUserGroupsRequest()
            userGroups.workspaceID = accepted.id
            userGroups.userID = alice.id
            let claim = try await stack.rpc.call("hxb.workspace.v1.ListUserGroups", userGroups, as: Hexabase_Workspace_V1_ListUserGroupsResponse.self, metadata: .bearer(service))
            #expect(claim.groups == ["WSAdmins", "WorkspaceMembers"])
            await expectError(.permissionDenied, "users cannot list groups for tokens") {
                try await stack.rpc.call("hxb.workspace.v1.ListUserGroups", userGroups, as: Hexabase_Workspace_V1_ListUserGroupsResponse.self, metadata: .bearer(alice.token))
            }

            // Groups: a child, then a move that would make a cycle.
            var createGroup = Hexabase_Workspace_V1_CreateGroupRequest()
            createGroup.workspaceID = accepted.id
            createGroup.name = "sre"
            createGroup.parentID = root.id
            let sre = try await stack.call("CreateGroup", createGroup, as: Hexabase_Workspace_V1_Group.self, token: alice.token)
            createGroup.name = "oncall"
            createGroup.parentID = sre.id
            let oncall = try await stack.call("CreateGroup", createGroup, as: Hexabase_Workspace_V1_Group.self, token: alice.token)
            var move = Hexabase_Workspace_V1_UpdateGroupRequest()
            move.workspaceID = accepted.id
            move.groupID = sre.id
            move.parentID = oncall.id
            await expectError(.unprocessableEntity, "cycle") { try await stack.call("UpdateGroup", move, as: Hexabase_Workspace_V1_Group.self, token: alice.token) }

            // Projects: quotas within the plan (shared: 4 CPUs).
            var createProject = Hexabase_Workspace_V1_CreateProjectRequest()
            createProject.workspaceID = accepted.id
            createProject.name = "web"
            createProject.quota.cpu = "3"
            createProject.quota.memory = "4Gi"
            let web = try await stack.call("CreateProject", createProject, as: Hexabase_Workspace_V1_Project.self, token: alice.token)
            createProject.name = "batch"
            createProject.quota.cpu = "2"
            await expectError(.unprocessableEntity, "over the plan") { try await stack.call("CreateProject", createProject, as: Hexabase_Workspace_V1_Project.self, token: alice.token) }
            createProject.quota.cpu = "1000m"
            createProject.parentID = web.id
            _ = try await stack.call("CreateProject", createProject, as: Hexabase_Workspace_V1_Project.self, token: alice.token)

            // A custom role: invalid rules are refused field by field.
            var createRole = Hexabase_Workspace_V1_CreateRoleRequest()
            createRole.workspaceID = accepted.id
            createRole.projectID = web.id
            createRole.name = "deployer"
            var rule = Hexabase_Workspace_V1_PolicyRule()
            rule.apiGroups = ["apps"]
            rule.resources = ["deployments"]
            rule.verbs = ["get", "escalate"]
            createRole.rules = [rule]
            do {
                _ = try await stack.call("CreateRole", createRole, as: Hexabase_Workspace_V1_Role.self, token: alice.token)
                Issue.record("escalate accepted")
            } catch let error as ServiceError {
                #expect(error.code == .unprocessableEntity)
                #expect(error.fieldViolations.contains { $0.field == "rules[0].verbs" })
            }
            createRole.rules[0].verbs = ["get", "list", "patch"]
            let role = try await stack.call("CreateRole", createRole, as: Hexabase_Workspace_V1_Role.self, token: alice.token)
            var bind = Hexabase_Workspace_V1_CreateRoleBindingRequest()
            bind.workspaceID = accepted.id
            bind.projectID = web.id
            bind.roleID = role.id
            bind.groupID = sre.id
            _ = try await stack.call("CreateRoleBinding", bind, as: Hexabase_Workspace_V1_RoleBinding.self, token: alice.token)

            // The change is re-rendered and re-applied (a sync task), and shows in the manifests.
            try await waitUntil("the role to be rendered", timeout: .seconds(20)) {
                let text = (try? FileManager.default.contentsOfDirectory(atPath: folder.path).map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined()) ?? ""
                return text.contains("deployer") && text.contains("hxb:sre")
            }

            // Kubeconfig: the OIDC exec flow, no credential.
            var kubeconfigRequest = Hexabase_Workspace_V1_GetKubeconfigRequest()
            kubeconfigRequest.workspaceID = accepted.id
            let kubeconfig = try await stack.call("GetKubeconfig", kubeconfigRequest, as: Hexabase_Workspace_V1_GetKubeconfigResponse.self, token: alice.token).kubeconfig
            #expect(kubeconfig.contains("oidc-login"))
            #expect(kubeconfig.contains("hxb-\(accepted.id)"))
            #expect(!kubeconfig.contains("client-key-data") && !kubeconfig.contains("token:"))

            // The organization cannot go while the workspace lives.
            var deleteOrganization = Hexabase_Workspace_V1_DeleteOrganizationRequest()
            deleteOrganization.organizationID = organization.id
            await expectError(.failedPrecondition, "workspaces left") { try await stack.call("DeleteOrganization", deleteOrganization, as: Hexabase_Workspace_V1_DeleteOrganizationResponse.self, token: alice.token) }

            var delete = Hexabase_Workspace_V1_DeleteWorkspaceRequest()
            delete.workspaceID = accepted.id
            let deleting = try await stack.call("DeleteWorkspace", delete, as: Hexabase_Workspace_V1_Workspace.self, token: alice.token)
            #expect(deleting.state == "deleting")
            _ = try await stack.waitForState(accepted.id, "deleted", token: alice.token)
            #expect(!FileManager.default.fileExists(atPath: folder.path))
            try await waitUntil("the OIDC client to be deleted") {
                try await stack.authDatabase.query("SELECT id FROM \(unescaped: stack.authDatabase.schema).clients WHERE workspace_id = \(accepted.id)").isEmpty
            }
            _ = try await stack.call("DeleteOrganization", deleteOrganization, as: Hexabase_Workspace_V1_DeleteOrganizationResponse.self, token: alice.token)
            var personal = Hexabase_Workspace_V1_DeleteOrganizationRequest()
            personal.organizationID = alice.personal
            await expectError(.failedPrecondition, "personal org") { try await stack.call("DeleteOrganization", personal, as: Hexabase_Workspace_V1_DeleteOrganizationResponse.self, token: alice.token) }

            // Every mutation left an audit record and an event.
            let audit = try await stack.workspaceDatabase.query("SELECT action FROM \(unescaped: stack.workspaceDatabase.schema).audit_events")
            let actions = Set(try audit.map { try $0.decode(String.self, column: "action") })
            for action in ["organization.create", "workspace.create", "workspace.running", "group.create", "project.create", "role.create", "role_binding.create", "workspace.deleting", "workspace.delete", "organization.delete"] {
                #expect(actions.contains(action), "audit \(action)")
            }
            #expect(provider.applies >= 2)
        }
    }

    @Test("provisioning that fails twice then succeeds ends running, with the attempts and the last error visible")
    func retries() async throws {
        try await WorkspaceTestStack.with(failures: 2) { stack, provider in
            let bob = try await stack.user("bob")
            var create = Hexabase_Workspace_V1_CreateWorkspaceRequest()
            create.organizationID = bob.personal
            create.name = "dev"
            let accepted = try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: bob.token)
            let running = try await stack.waitForState(accepted.id, "running", token: bob.token)
            #expect(running.task.attempts == 2)
            #expect(provider.applies == 3)
            let clients = try await stack.authDatabase.query("SELECT id FROM \(unescaped: stack.authDatabase.schema).clients WHERE workspace_id = \(accepted.id)")
            #expect(clients.count == 1, "re-running the steps registered the client once")
        }
    }

    @Test("provisioning that never succeeds ends failed with a reason after the attempts")
    func exhausted() async throws {
        try await WorkspaceTestStack.with(failures: 100, configure: { $0.retry.maxAttempts = 3 }) { stack, _ in
            let carol = try await stack.user("carol")
            var create = Hexabase_Workspace_V1_CreateWorkspaceRequest()
            create.organizationID = carol.personal
            create.name = "doomed"
            let accepted = try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: carol.token)
            let failed = try await stack.waitForState(accepted.id, "failed", token: carol.token)
            #expect(failed.stateReason.contains("injected"))
            #expect(failed.task.state == "failed")
            #expect(failed.task.attempts == 3)

            // The worker's audit record of the failure reaches HXB_LOGS.
            let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: stack.natsURL), logger: TestLogging.logger("audit"))
            do {
                try await withLogStreamReader(connection: connection) { received in
                    let record = try await received.first("the workspace.failed audit record") { $0.action == "workspace.failed" && $0.workspaceID == accepted.id }
                    #expect(record.outcome == "failure")
                    #expect(record.level == "notice")
                    #expect(record.initiatedBy == "service")
                    #expect(record.actorID.isEmpty)
                    #expect(record.organizationID == carol.personal)
                    #expect(record.resource == "workspaces/\(accepted.id)")
                    #expect(record.attributes["task"] == "provision")
                    #expect(record.attributes["detail"]?.contains("injected") == true)
                }
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
    }

    @Test("a worker stalled past its lease on the last attempt: the task is taken over and ends failed instead of running again")
    func stalledOnLastAttempt() async throws {
        // The first apply never returns: that worker stops renewing its lease, and another of
        // the process's task slots finds it lapsed.
        try await WorkspaceTestStack.with(hangs: 1, configure: { $0.retry.maxAttempts = 1; $0.taskLease = .seconds(1) }) { stack, provider in
            let dave = try await stack.user("dave")
            var create = Hexabase_Workspace_V1_CreateWorkspaceRequest()
            create.organizationID = dave.personal
            create.name = "stalled"
            let accepted = try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: dave.token)
            var request = Hexabase_Workspace_V1_GetWorkspaceRequest()
            request.workspaceID = accepted.id
            var failed = Hexabase_Workspace_V1_Workspace()
            try await waitUntil("the workspace to end failed or running") {
                failed = try await stack.call("GetWorkspace", request, as: Hexabase_Workspace_V1_Workspace.self, token: dave.token)
                return ["failed", "running"].contains(failed.state)
            }
            #expect(failed.state == "failed")
            #expect(failed.task.state == "failed")
            #expect(failed.task.attempts == 1)
            #expect(failed.stateReason.contains("lease"), "\(failed.stateReason)")
            #expect(provider.applies == 1, "the taken-over task was not run again")
        }
    }

    @Test("a worker whose task was taken over can no longer record progress, a retry or a finish (the claim's lease owner)")
    func staleClaimChangesNothing() async throws {
        // No task slots in the service: the test claims with the store itself, as two workers would.
        try await WorkspaceTestStack.with(configure: { $0.taskConcurrency = 0 }) { stack, _ in
            let erin = try await stack.user("erin")
            var create = Hexabase_Workspace_V1_CreateWorkspaceRequest()
            create.organizationID = erin.personal
            create.name = "contested"
            let accepted = try await stack.call("CreateWorkspace", create, as: Hexabase_Workspace_V1_Workspace.self, token: erin.token)
            let pool = try await DatabaseSettings(url: stack.workspaceDatabase.url, schema: stack.workspaceDatabase.schema, poolSize: 2)
                .open(service: "workspace", migrations: embeddedSQLFiles, logger: TestLogging.logger("stale-claim"))
            let store = WorkspaceStore(pool: pool)
            do {
                let stale = try #require(try await store.claimTask(lease: .milliseconds(200)))
                #expect(stale.workspace.id == accepted.id)
                try await Task.sleep(for: .milliseconds(600))  // the lease lapses (database time)
                let current = try #require(try await store.claimTask(lease: .seconds(60)))
                #expect(current.tookOver && current.task.id == stale.task.id && current.leaseOwner != stale.leaseOwner)

                #expect(try await store.progress(stale, step: .apply, lease: .seconds(60)) == false)
                try await store.failAttempt(stale, error: "stale worker", retryAfter: .zero, changes: [])
                _ = try await store.finishTask(stale, appliedGeneration: nil, finalState: .running, changes: [])
                var workspace = try #require(try await store.workspace(id: accepted.id))
                #expect(workspace.workspace.state == .provisioning, "the stale claim's finish changed nothing")
                #expect(workspace.task?.state == .running && workspace.task?.lastError != "stale worker")

                #expect(try await store.progress(current, step: .apply, lease: .seconds(60)))
                #expect(try await store.finishTask(current, appliedGeneration: nil, finalState: .running, changes: []))
                workspace = try #require(try await store.workspace(id: accepted.id))
                #expect(workspace.workspace.state == .running)
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }
}
