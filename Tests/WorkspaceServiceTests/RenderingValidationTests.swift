import Foundation
import Testing
@testable import WorkspaceService

@Suite("Rendered objects pass Kubernetes validation")
struct RenderingValidationTests {
    typealias F = RenderingFixtures

    @Test("every object, host and virtual, validates offline against the Kubernetes schemas", arguments: ["shared", "dedicated"])
    func schemas(plan: String) async throws {
        let state = DesiredStateRenderer.render(F.snapshot(plan: plan))
        let folder = try F.temporaryFolder("validate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("host.yaml")
        try Data(state.hostYAML.utf8).write(to: file)
        let run = try await F.runFixture("validate_manifests.py", [file.path], requiring: ["yaml", "kubernetes_validate"])
        #expect(run.ok, "\(run.output)")
        let summary = try #require(JSONValue(jsonText: Array(run.output.utf8)), "\(run.output)")
        guard case .array(let validated)? = summary["objects"] else { throw F.FixtureFailure(output: run.output) }
        // The script found the virtual objects inside the chart's values and checked them too.
        #expect(validated.count == state.hostObjects.count + state.virtualObjects.count)
        #expect(summary["errors"] == .array([]))
    }

    @Test("the validator catches what it is there to catch")
    func validatorRejects() async throws {
        let folder = try F.temporaryFolder("validate-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yaml")
        let bad = YAMLWriter.documents([
            ["apiVersion": "v1", "kind": "ResourceQuota", "metadata": ["name": "Bad_Name", "namespace": "x"], "spec": ["hard": ["pods": "1"]]],
            ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "x", "namespace": "y", "labels": ["k": "not a value"]]],
            ["apiVersion": "v1", "kind": "LimitRange", "metadata": ["name": "l", "namespace": "x"], "spec": ["limitz": []]],
        ])
        try Data(bad.utf8).write(to: file)
        let run = try await F.runFixture("validate_manifests.py", [file.path], requiring: ["yaml", "kubernetes_validate"])
        #expect(!run.ok)
        for expected in ["Bad_Name", "cluster-scoped object with a namespace", "label value", "LimitRange/l: schema"] {
            #expect(run.output.contains(expected), "\(run.output)")
        }
    }

    @Test("names and label values follow the Kubernetes rules")
    func names() {
        let state = DesiredStateRenderer.render(F.snapshot(plan: "dedicated"))
        for object in state.hostObjects + state.virtualObjects {
            if !["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"].contains(object.kind) {
                #expect(KubernetesName.subdomainProblem(object.name) == nil, "\(object.kind) \(object.name)")
            }
            if let namespace = object.namespace {
                #expect(KubernetesName.labelProblem(namespace) == nil)
            }
            for value in object.labels.values {
                #expect(KubernetesName.labelProblem(value.lowercased()) == nil, "label value \(value)")
            }
        }
    }
}
