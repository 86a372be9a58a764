import Foundation
import HTTPClientKit
import Testing
import TestSupport
@testable import WorkspaceService

/// The Kubernetes provider against `Tests/Fixtures/fake_kube_apiserver.py`, over plain HTTP on
/// loopback (TLS with the kubeconfig's CA and client certificates: ProviderKubernetesTLSTests).
/// Not exercised: a real API server (admission, defaulting, schema checks, real field
/// ownership), the K3s Helm controller and vCluster themselves.
@Suite("Kubernetes provider")
struct ProviderKubernetesTests {
    typealias F = RenderingFixtures
    static let token = "test-token-0123"

    /// Runs `body` with a fake API server (`arguments` added to its command line, e.g. TLS).
    static func withFakeAPIServer(arguments: [String] = [], _ body: (PythonServer) async throws -> Void) async throws {
        let server = try await PythonServer.start("fake-kube-apiserver") { port in
            [PythonServer.fixture("fake_kube_apiserver.py"), "--port", "\(port)", "--token", token, "--forbidden-token", "readonly-token"] + arguments
        }
        do {
            try await body(server)
        } catch {
            print(server.output)
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private static func provider(_ server: PythonServer, token: String = token) -> KubernetesProvider {
        KubernetesProvider(connection: KubernetesConnection(serverURL: server.baseURL, bearerToken: token), http: CurlHTTPClient())
    }

    /// Everything the stand-in stores, keyed by group-version/resource/namespace/name.
    private static func stored(_ server: PythonServer) async throws -> [String: JSONValue] {
        let response = try await CurlHTTPClient().send(HTTPClientRequest(url: server.baseURL + "/_fake/objects"))
        return JSONValue(jsonText: response.body)?.objectValue ?? [:]
    }

    @Test("apply creates every host object at its REST path, and applying again changes nothing")
    func applyIsIdempotent() async throws {
        try await Self.withFakeAPIServer { server in
            let provider = Self.provider(server)
            let state = DesiredStateRenderer.render(F.snapshot())
            try await provider.apply(state)
            let first = try await Self.stored(server)
            let id = F.workspaceID
            for key in [
                "v1/namespaces//\(id)", "v1/resourcequotas/\(id)/workspace-quota", "v1/limitranges/\(id)/workspace-defaults",
                "networking.k8s.io/v1/networkpolicies/\(id)/workspace-isolation", "helm.cattle.io/v1/helmcharts/kube-system/\(id)",
            ] {
                #expect(first[key] != nil, "\(key) missing from \(first.keys.sorted())")
            }
            let chart = try #require(first["helm.cattle.io/v1/helmcharts/kube-system/\(id)"])
            #expect(chart.value(at: ["spec", "valuesContent"]) == F.field(state.hostObjects[4], "spec", "valuesContent"))
            try await provider.apply(state)
            #expect(try await Self.stored(server) == first, "no resourceVersion moved")

            var changed = F.snapshot()
            changed.plan.pods = 99
            try await provider.apply(DesiredStateRenderer.render(changed))
            let after = try await Self.stored(server)
            let quota = "v1/resourcequotas/\(id)/workspace-quota"
            #expect(after[quota]?.value(at: ["spec", "hard", "pods"]) == "99")
            #expect(after[quota]?.value(at: ["metadata", "resourceVersion"]) != first[quota]?.value(at: ["metadata", "resourceVersion"]))
        }
    }

    @Test("readiness goes from progressing to ready as the chart installs and the StatefulSet comes up")
    func readiness() async throws {
        try await Self.withFakeAPIServer { server in
            let provider = Self.provider(server)
            #expect(try await provider.readiness(workspaceID: F.workspaceID) == .progressing("the vCluster chart is not applied yet"))
            try await provider.apply(DesiredStateRenderer.render(F.snapshot()))
            var seen: [ProvisioningReadiness] = []
            for _ in 0..<10 {
                let readiness = try await provider.readiness(workspaceID: F.workspaceID)
                seen.append(readiness)
                if readiness == .ready { break }
            }
            #expect(seen.last == .ready, "\(seen)")
            #expect(seen.contains(.progressing("the chart is installing")), "\(seen)")
            #expect(seen.contains { if case .progressing(let why) = $0 { why.contains("replicas ready") } else { false } }, "\(seen)")
        }
    }

    @Test("delete reports inProgress until the chart and the namespace are gone, then gone, and stays idempotent")
    func delete() async throws {
        try await Self.withFakeAPIServer { server in
            let provider = Self.provider(server)
            try await provider.apply(DesiredStateRenderer.render(F.snapshot()))
            var seen: [DeletionProgress] = []
            for _ in 0..<10 {
                let progress = try await provider.delete(workspaceID: F.workspaceID)
                seen.append(progress)
                if progress == .gone { break }
            }
            #expect(seen.last == .gone, "\(seen)")
            #expect(seen.contains(.inProgress("uninstalling the vCluster chart")), "\(seen)")
            #expect(seen.contains(.inProgress("the workspace namespace is terminating")), "\(seen)")
            #expect(try await provider.delete(workspaceID: F.workspaceID) == .gone)
            let left = try await Self.stored(server).keys.filter { $0.contains(F.workspaceID) }
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test("a 403 or 401 is a permanent authorization error; a 503 or a refused connection is retryable")
    func errors() async throws {
        try await Self.withFakeAPIServer { server in
            let state = DesiredStateRenderer.render(F.snapshot())
            for token in ["readonly-token", "wrong-token"] {
                let error = await #expect(throws: ClusterProviderError.self) { try await Self.provider(server, token: token).apply(state) }
                #expect(error?.code == .unauthorized)
                #expect(error?.isRetryable == false)
                #expect(error.map { !$0.description.contains(token) } ?? false)
            }
            let inject = HTTPClientRequest(method: .post, url: server.baseURL + "/_fake/fail", body: Array(#"{"status": 503, "count": 1}"#.utf8))
            _ = try await CurlHTTPClient().send(inject)
            let unavailable = await #expect(throws: ClusterProviderError.self) { try await Self.provider(server).apply(state) }
            #expect(unavailable?.code == .unavailable)
            #expect(unavailable?.isRetryable == true)
            try await Self.provider(server).apply(state)
        }
        let closed = KubernetesProvider(
            connection: KubernetesConnection(serverURL: "http://127.0.0.1:\(try NATSTestServer.freeTCPPort())", bearerToken: Self.token),
            http: CurlHTTPClient()
        )
        let refused = await #expect(throws: ClusterProviderError.self) { try await closed.readiness(workspaceID: F.workspaceID) }
        #expect(refused?.isRetryable == true)
    }

    @Test("HTTP statuses map to codes: 409 conflict, 422 and 415 invalid, 5xx and 429 unavailable")
    func statusMapping() {
        let cases: [(Int, ClusterProviderError.Code, Bool)] = [
            (401, .unauthorized, false), (403, .unauthorized, false), (409, .conflict, true), (422, .invalid, false),
            (415, .invalid, false), (400, .invalid, false), (429, .unavailable, true), (500, .unavailable, true), (503, .unavailable, true),
        ]
        for (status, code, retryable) in cases {
            let error = KubernetesProvider.error(HTTPClientResponse(status: status, body: Array(#"{"message":"why"}"#.utf8)), doing: "x")
            #expect(error.code == code, "\(status)")
            #expect(error.isRetryable == retryable, "\(status)")
            #expect(error.message == "x failed with HTTP \(status): why")
        }
    }

    @Test("the stand-in is faithful where the provider relies on it: 415 on a merge-patch, 422 without a field manager")
    func standInChecks() async throws {
        try await Self.withFakeAPIServer { server in
            let url = server.baseURL + "/api/v1/namespaces/demo"
            let body = Array(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo"}}"#.utf8)
            let headers = ["Authorization": "Bearer \(Self.token)"]
            let wrongType = try await CurlHTTPClient().send(HTTPClientRequest(
                method: .patch, url: url + "?fieldManager=x", headers: headers.merging(["Content-Type": "application/merge-patch+json"]) { $1 }, body: body
            ))
            #expect(wrongType.status == 415)
            let noManager = try await CurlHTTPClient().send(HTTPClientRequest(
                method: .patch, url: url, headers: headers.merging(["Content-Type": "application/apply-patch+yaml"]) { $1 }, body: body
            ))
            #expect(noManager.status == 422)
        }
    }

    @Test("REST paths per group, version, scope and kind")
    func paths() {
        let id = F.workspaceID
        let expected = [
            "/api/v1/namespaces/\(id)",
            "/api/v1/namespaces/\(id)/resourcequotas/workspace-quota",
            "/api/v1/namespaces/\(id)/limitranges/workspace-defaults",
            "/apis/networking.k8s.io/v1/namespaces/\(id)/networkpolicies/workspace-isolation",
            "/apis/helm.cattle.io/v1/namespaces/kube-system/helmcharts/\(id)",
        ]
        #expect(DesiredStateRenderer.render(F.snapshot()).hostObjects.map { KubernetesResourcePath($0).path } == expected)
        #expect(KubernetesResourcePath(apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", namespace: nil, name: "hexabase:workspace-admin").path
            == "/apis/rbac.authorization.k8s.io/v1/clusterroles/hexabase:workspace-admin")
    }
}
