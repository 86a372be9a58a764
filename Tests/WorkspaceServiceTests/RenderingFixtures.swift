import Foundation
import TestSupport
@testable import WorkspaceService

/// Snapshots and helpers shared by the rendering and provider tests.
enum RenderingFixtures {
    static let workspaceID = "ws-0190f3a2-7c1e-7d4b-9a51-3c2b1d0e9f88"

    static func workspace(id: String = workspaceID, name: String = "team-a") -> Workspace {
        Workspace(
            id: id, organizationID: "org-0190f3a2-0000-7000-8000-000000000001", name: name, planID: "shared",
            state: .provisioning, createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0)
        )
    }

    /// The default groups, a root project with a sub-project and a sub-sub-project, a custom
    /// role, and bindings of every kind.
    /// A stand-in for HNC's release manifest (the real one is a long list of CRDs, RBAC and the
    /// controller's Deployment): what the renderer needs is that it goes first, verbatim.
    static let hncStandIn = """
        # hierarchical-namespaces release manifest (test stand-in)
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: subnamespaceanchors.hnc.x-k8s.io

        """

    static func snapshot(plan: String = "shared", id: String = workspaceID, hnc: Bool = false) -> WorkspaceSnapshot {
        WorkspaceSnapshot(
            workspace: workspace(id: id),
            plan: PlanCatalog.standard.plan(plan)!,
            issuer: "https://auth.hexabase.test",
            groups: [
                Group(id: "grp-members", name: "WorkspaceMembers", parentID: nil, isDefault: true),
                Group(id: "grp-admins", name: "WSAdmins", parentID: "grp-members", isDefault: true),
                Group(id: "grp-users", name: "WSUsers", parentID: "grp-members", isDefault: true),
            ],
            projects: [
                Project(id: "prj-web", name: "web", parentID: nil, quota: ProjectQuota(cpu: Quantity("2"), memory: Quantity("4Gi"), pods: 20)),
                Project(id: "prj-web-staging", name: "web-staging", parentID: "prj-web", quota: ProjectQuota(cpu: Quantity("500m"))),
                Project(id: "prj-web-staging-pr", name: "web-staging-pr", parentID: "prj-web-staging", quota: ProjectQuota()),
                Project(id: "prj-data", name: "data", parentID: nil, quota: ProjectQuota()),
            ],
            roles: [
                ProjectRole(id: "rol-deployer", projectID: "prj-web", name: "deployer", rules: [
                    PolicyRule(apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "update", "patch"]),
                    PolicyRule(apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: ["app-config"]),
                ]),
            ],
            bindings: [
                RoleBinding(id: "rb-ws-admins", projectID: nil, role: .preset(.workspaceAdmin), groupID: "grp-admins"),
                RoleBinding(id: "rb-ws-users", projectID: nil, role: .preset(.workspaceViewer), groupID: "grp-users"),
                RoleBinding(id: "rb-web-users", projectID: "prj-web", role: .custom("rol-deployer"), groupID: "grp-users"),
                RoleBinding(id: "rb-data-users", projectID: "prj-data", role: .preset(.workspaceAdmin), groupID: "grp-users"),
            ],
            hncManifests: hnc ? hncStandIn : nil
        )
    }

    /// The value at a path of object keys of an object's document.
    static func field(_ object: KubernetesObject, _ path: String...) -> JSONValue? {
        object.document.value(at: path)
    }

    /// A new empty temporary folder.
    static func temporaryFolder(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs a `Tests/Fixtures` script with PyYAML and returns its output; a non-zero exit
    /// fails the calling test with the output.
    static func runFixture(_ script: String, _ arguments: [String], requiring modules: [String] = ["yaml"]) async throws -> (ok: Bool, output: String) {
        let outcome = try await PythonScript.run(
            PythonScript.path("Fixtures", script), arguments: arguments, requiredModules: modules, limit: .seconds(120)
        )
        return (outcome.status == 0, outcome.output)
    }

    /// What PyYAML reads from `yaml`, as JSON parsed back into a ``JSONValue`` list.
    static func readWithPyYAML(_ yaml: String) async throws -> [JSONValue] {
        let folder = try temporaryFolder("yaml")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("input.yaml")
        try Data(yaml.utf8).write(to: file)
        let run = try await runFixture("yaml_to_json.py", [file.path])
        guard run.ok, case .array(let documents)? = JSONValue(jsonText: Array(run.output.utf8)) else {
            throw FixtureFailure(output: run.output)
        }
        return documents
    }

    struct FixtureFailure: Error, CustomStringConvertible {
        let output: String
        var description: String { "the fixture script failed:\n\(output)" }
    }
}
