import Foundation
import Testing
@testable import WorkspaceService

@Suite("Rendering the desired state")
struct RenderingTests {
    typealias F = RenderingFixtures

    @Test("the same snapshot, in any order, renders byte-identical YAML")
    func deterministic() {
        let snapshot = F.snapshot()
        var shuffled = snapshot
        shuffled.groups.reverse()
        shuffled.projects.reverse()
        shuffled.roles.reverse()
        shuffled.bindings.reverse()
        let first = DesiredStateRenderer.render(snapshot)
        let again = DesiredStateRenderer.render(snapshot)
        let reordered = DesiredStateRenderer.render(shuffled)
        #expect(first == again)
        #expect(first.hostYAML == again.hostYAML)
        #expect(first.hostYAML == reordered.hostYAML)
        #expect(first.virtualYAML == reordered.virtualYAML)
    }

    @Test("host objects: namespace, quota from the plan, limits, isolation, then the chart")
    func hostObjects() throws {
        let state = DesiredStateRenderer.render(F.snapshot())
        #expect(state.hostObjects.map(\.kind) == ["Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy", "HelmChart"])
        let namespace = state.hostObjects[0]
        #expect(namespace.name == F.workspaceID)
        #expect(namespace.labels == [
            "hexabase.ai/workspace": F.workspaceID, "hexabase.ai/organization": F.workspace().organizationID,
            "app.kubernetes.io/managed-by": "hexabase",
        ])
        let hard = try #require(F.field(state.hostObjects[1], "spec", "hard")?.objectValue)
        #expect(hard == [
            "requests.cpu": "4", "limits.cpu": "4", "requests.memory": "8Gi", "limits.memory": "8Gi", "requests.storage": "50Gi",
            "pods": "50", "services": "20", "persistentvolumeclaims": "10",
        ])
        for object in state.hostObjects.dropFirst().dropLast() {
            #expect(object.namespace == F.workspaceID)
        }
        let chart = state.hostObjects[4]
        #expect(chart.namespace == "kube-system")
        #expect(F.field(chart, "spec", "targetNamespace") == .string(F.workspaceID))
        #expect(F.field(chart, "spec", "chart") == "vcluster")
        #expect(F.field(chart, "spec", "repo") == "https://charts.loft.sh")
        #expect(F.field(chart, "spec", "version") == .string(VClusterChart.version))
    }

    @Test("the virtual API server gets the OIDC flags of the workspace's client")
    func oidcFlags() async throws {
        let state = DesiredStateRenderer.render(F.snapshot())
        let values = try #require(F.field(state.hostObjects[4], "spec", "valuesContent")?.stringValue)
        let parsed = try #require(try await F.readWithPyYAML(values).first)
        #expect(parsed.value(at: ["controlPlane", "distro", "k8s", "enabled"]) == .bool(true))
        #expect(parsed.value(at: ["controlPlane", "distro", "k8s", "apiServer", "extraArgs"]) == .strings([
            "--oidc-issuer-url=https://auth.hexabase.test",
            "--oidc-client-id=hxb-\(F.workspaceID)",
            "--oidc-username-claim=sub",
            "--oidc-username-prefix=hxb:",
            "--oidc-groups-claim=groups",
            "--oidc-groups-prefix=hxb:",
        ]))
        #expect(parsed.value(at: ["experimental", "deploy", "vcluster", "manifests"]) == .string(state.virtualYAML))
        #expect(parsed["sync"] == nil, "a shared plan pins nothing to nodes")
    }

    @Test("a dedicated plan places the vCluster and its workloads on the workspace's nodes")
    func dedicatedPlacement() async throws {
        let state = DesiredStateRenderer.render(F.snapshot(plan: "dedicated"))
        let values = try #require(F.field(state.hostObjects[4], "spec", "valuesContent")?.stringValue)
        let parsed = try #require(try await F.readWithPyYAML(values).first)
        let selector: JSONValue = .strings(["hexabase.ai/workspace": F.workspaceID])
        #expect(parsed.value(at: ["sync", "fromHost", "nodes", "enabled"]) == .bool(true))
        #expect(parsed.value(at: ["sync", "fromHost", "nodes", "selector", "labels"]) == selector)
        #expect(parsed.value(at: ["sync", "toHost", "pods", "enforceTolerations"]) == .strings(["hexabase.ai/workspace=\(F.workspaceID):NoSchedule"]))
        #expect(parsed.value(at: ["controlPlane", "statefulSet", "scheduling", "nodeSelector"]) == selector)
        #expect(parsed.value(at: ["controlPlane", "statefulSet", "scheduling", "tolerations"]) == [[
            "key": "hexabase.ai/workspace", "operator": "Equal", "value": .string(F.workspaceID), "effect": "NoSchedule",
        ]])
    }

    @Test("inside the vCluster: presets, group bindings, project namespaces, HNC anchors, roles, quotas")
    func virtualObjects() throws {
        let state = DesiredStateRenderer.render(F.snapshot(hnc: true))
        let objects = state.virtualObjects
        let summary = objects.map { "\($0.kind) \($0.namespace.map { $0 + "/" } ?? "")\($0.name)" }
        #expect(summary == [
            "Namespace data", "Namespace web",
            "ClusterRole hexabase:workspace-admin", "ClusterRole hexabase:workspace-viewer",
            "SubnamespaceAnchor web/web-staging", "SubnamespaceAnchor web-staging/web-staging-pr",
            "Role web/deployer",
            "ClusterRoleBinding rb-ws-admins", "ClusterRoleBinding rb-ws-users",
            "RoleBinding data/rb-data-users", "RoleBinding web/rb-web-users",
            "ResourceQuota web/project-quota", "ResourceQuota web-staging/project-quota",
        ])
        let byName = Dictionary(objects.map { ($0.name + ($0.namespace ?? ""), $0) }) { first, _ in first }
        let admins = try #require(byName["rb-ws-admins"])
        #expect(F.field(admins, "subjects") == [["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "hxb:WSAdmins"]])
        #expect(F.field(admins, "roleRef", "name") == "hexabase:workspace-admin")
        let custom = try #require(byName["rb-web-usersweb"])
        #expect(F.field(custom, "roleRef") == ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deployer"])
        let preset = try #require(byName["rb-data-usersdata"])
        #expect(F.field(preset, "roleRef", "kind") == "ClusterRole")
        let staging = try #require(byName["project-quotaweb-staging"])
        #expect(F.field(staging, "spec", "hard") == ["requests.cpu": "500m", "limits.cpu": "500m"])
        let viewer = try #require(byName["hexabase:workspace-viewer"])
        guard case .array(let rules)? = F.field(viewer, "rules") else { throw F.FixtureFailure(output: "viewer has no rules") }
        for rule in rules {
            #expect(rule["verbs"] == .strings(["get", "list", "watch"]))
            #expect(rule["apiGroups"] != .strings(["*"]) && rule["apiGroups"] != .strings([""]) || rule["resources"] != .strings(["*"]))
        }
        #expect(!YAMLWriter.document(viewer.document).contains("secrets"))
    }

    @Test("with HNC configured, its manifest goes first into the vCluster's deploy manifests, verbatim")
    func hncManifestsFirst() async throws {
        let state = DesiredStateRenderer.render(F.snapshot(hnc: true))
        let values = try #require(F.field(state.hostObjects[4], "spec", "valuesContent")?.stringValue)
        let parsed = try #require(try await F.readWithPyYAML(values).first)
        let manifests = try #require(parsed.value(at: ["experimental", "deploy", "vcluster", "manifests"])?.stringValue)
        #expect(manifests == F.hncStandIn.trimmingCharacters(in: .whitespacesAndNewlines) + "\n---\n" + state.virtualYAML)
    }

    @Test("workspace.hnc.manifests.file must be readable and define HNC's SubnamespaceAnchor CRD")
    func hncManifestsFile() throws {
        let folder = try F.temporaryFolder("hnc")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("default.yaml"), wrong = folder.appendingPathComponent("other.yaml")
        try F.hncStandIn.write(to: good, atomically: true, encoding: .utf8)
        try "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n".write(to: wrong, atomically: true, encoding: .utf8)
        #expect(try readHNCManifests(good.path) == F.hncStandIn)
        #expect(throws: (any Error).self) { try readHNCManifests(wrong.path) }
        #expect(throws: (any Error).self) { try readHNCManifests(folder.appendingPathComponent("missing.yaml").path) }
    }

    @Test("without HNC, sub-projects are plain namespaces labelled with their parent project")
    func subProjectsWithoutHNC() throws {
        let objects = DesiredStateRenderer.render(F.snapshot()).virtualObjects
        #expect(!objects.contains { $0.kind == "SubnamespaceAnchor" })
        let namespaces = objects.filter { $0.kind == "Namespace" }
        #expect(namespaces.map(\.name) == ["data", "web", "web-staging", "web-staging-pr"])
        let staging = try #require(namespaces.first { $0.name == "web-staging" })
        #expect(staging.labels[HostLabels.parentProject] == "prj-web")
        #expect(staging.labels[HostLabels.project] == "prj-web-staging")
        #expect(namespaces.first { $0.name == "web" }?.labels[HostLabels.parentProject] == nil)
        // Quotas and roles still land in the sub-project's namespace.
        #expect(objects.contains { $0.kind == "ResourceQuota" && $0.namespace == "web-staging" })
    }

    @Test("bindings to unknown groups or to another project's role are left out")
    func danglingReferences() {
        var snapshot = F.snapshot()
        snapshot.bindings = [
            RoleBinding(id: "rb-ghost", projectID: nil, role: .preset(.workspaceAdmin), groupID: "grp-missing"),
            RoleBinding(id: "rb-cross", projectID: "prj-data", role: .custom("rol-deployer"), groupID: "grp-users"),
            RoleBinding(id: "rb-custom-ws", projectID: nil, role: .custom("rol-deployer"), groupID: "grp-users"),
        ]
        let kinds = DesiredStateRenderer.render(snapshot).virtualObjects.map(\.kind)
        #expect(!kinds.contains("ClusterRoleBinding") && !kinds.contains("RoleBinding"))
    }
}
