import Foundation
import HTTPClientKit

/// The production ``ClusterProvider`` (DESIGN §7): server-side apply of each workspace's host
/// objects on the host K3s cluster, whose Helm controller then installs or upgrades the vCluster
/// chart (and, through the chart's deploy manifests, the objects inside it).
///
/// - apply: `PATCH <object path>?fieldManager=hexabase&force=true` with
///   `Content-Type: application/apply-patch+yaml` and the object as JSON (JSON is YAML), in the
///   state's order (namespace first). Server-side apply is idempotent: a re-run after a crash
///   converges, and fields another manager set are taken over (`force`).
/// - readiness: the HelmChart exists, its install job succeeded, and the vCluster StatefulSet
///   in the workspace namespace reports all replicas ready.
/// - delete: deletes the HelmChart (the Helm controller uninstalls the release), then, once it
///   is gone, the namespace; `.inProgress` until both GETs answer 404.
///
/// Errors: 401/403 → `.unauthorized` and 400/404/415/422 → `.invalid`, both permanent;
/// 409 → `.conflict`, 429, 5xx and transport failures → `.unavailable`, all retryable.
///
/// Tested against `Tests/Fixtures/fake_kube_apiserver.py`; a real API server's admission,
/// defaulting, field ownership details and the Helm controller itself are not exercised.
public struct KubernetesProvider: ClusterProvider {
    /// The field manager named in every apply.
    public static let fieldManager = "hexabase"

    private let connection: KubernetesConnection
    private let http: any HTTPClient

    /// A provider talking to `connection.serverURL` through `http`.
    public init(connection: KubernetesConnection, http: any HTTPClient) {
        self.connection = connection
        self.http = http
    }

    /// Server-side applies every host object, in order.
    public func apply(_ state: DesiredState) async throws {
        for object in state.hostObjects {
            let path = KubernetesResourcePath(object).path + "?fieldManager=\(Self.fieldManager)&force=true"
            let response = try await send(
                .patch, path, body: Array(object.document.jsonText.utf8), contentType: "application/apply-patch+yaml"
            )
            guard response.isSuccess else {
                throw Self.error(response, doing: "applying \(object.kind) \(object.namespace.map { $0 + "/" } ?? "")\(object.name)")
            }
        }
    }

    /// Chart applied → install job succeeded → StatefulSet ready.
    public func readiness(workspaceID: String) async throws -> ProvisioningReadiness {
        let release = VClusterChart.releaseName(workspaceID: workspaceID)
        let chart = KubernetesResourcePath(apiVersion: "helm.cattle.io/v1", kind: "HelmChart", namespace: VClusterChart.chartNamespace, name: release)
        guard try await get(chart) != nil else { return .progressing("the vCluster chart is not applied yet") }
        let jobPath = KubernetesResourcePath(
            apiVersion: "batch/v1", kind: "Job", namespace: VClusterChart.chartNamespace, name: VClusterChart.installJobName(workspaceID: workspaceID)
        )
        guard let job = try await get(jobPath) else { return .progressing("waiting for the chart's install job") }
        if (job.value(at: ["status", "succeeded"])?.intValue ?? 0) < 1 {
            let failures = job.value(at: ["status", "failed"])?.intValue ?? 0
            return .progressing(failures > 0 ? "the chart's install job is retrying (\(failures) failed attempts)" : "the chart is installing")
        }
        let statefulSetPath = KubernetesResourcePath(
            apiVersion: "apps/v1", kind: "StatefulSet", namespace: Workspace.hostNamespace(workspaceID), name: release
        )
        guard let statefulSet = try await get(statefulSetPath) else { return .progressing("waiting for the vCluster StatefulSet") }
        let wanted = statefulSet.value(at: ["spec", "replicas"])?.intValue ?? 1
        let ready = statefulSet.value(at: ["status", "readyReplicas"])?.intValue ?? 0
        return ready >= wanted && wanted > 0 ? .ready : .progressing("\(ready) of \(wanted) vCluster replicas ready")
    }

    /// Deletes the HelmChart, then the namespace, one step per call.
    public func delete(workspaceID: String) async throws -> DeletionProgress {
        let chart = KubernetesResourcePath(
            apiVersion: "helm.cattle.io/v1", kind: "HelmChart", namespace: VClusterChart.chartNamespace,
            name: VClusterChart.releaseName(workspaceID: workspaceID)
        )
        if try await get(chart) != nil {
            try await deleteObject(chart)
            // The Helm controller's finalizer runs the uninstall job before the chart goes.
            if try await get(chart) != nil { return .inProgress("uninstalling the vCluster chart") }
        }
        let namespace = KubernetesResourcePath(apiVersion: "v1", kind: "Namespace", namespace: nil, name: Workspace.hostNamespace(workspaceID))
        guard let current = try await get(namespace) else { return .gone }
        if current.value(at: ["metadata", "deletionTimestamp"]) == nil {
            try await deleteObject(namespace)
        }
        return try await get(namespace) == nil ? .gone : .inProgress("the workspace namespace is terminating")
    }

    /// The object at `path`, nil on 404.
    private func get(_ path: KubernetesResourcePath) async throws -> JSONValue? {
        let response = try await send(.get, path.path)
        if response.status == 404 { return nil }
        guard response.isSuccess, let object = JSONValue(jsonText: response.body) else {
            throw Self.error(response, doing: "reading \(path.kind) \(path.name)")
        }
        return object
    }

    /// Deletes in the background (dependents are garbage-collected); a 404 is success.
    private func deleteObject(_ path: KubernetesResourcePath) async throws {
        let options: JSONValue = ["apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"]
        let response = try await send(.delete, path.path, body: Array(options.jsonText.utf8), contentType: "application/json")
        guard response.isSuccess || response.status == 404 else {
            throw Self.error(response, doing: "deleting \(path.kind) \(path.name)")
        }
    }

    private func send(
        _ method: HTTPClientRequest.Method, _ path: String, body: [UInt8]? = nil, contentType: String? = nil
    ) async throws -> HTTPClientResponse {
        var headers = ["Accept": "application/json"]
        if let token = connection.bearerToken { headers["Authorization"] = "Bearer " + token }
        if let contentType { headers["Content-Type"] = contentType }
        do {
            return try await http.send(HTTPClientRequest(method: method, url: connection.serverURL + path, headers: headers, body: body))
        } catch let error as HTTPClientError {
            let permanent = error.code == .invalidRequest
            throw ClusterProviderError(
                permanent ? .configuration : .unavailable, "the Kubernetes API server: \(error.message)", isRetryable: !permanent, cause: error
            )
        }
    }

    /// Maps an unexpected status to a provider error; the API server's `Status.message` is kept
    /// (it names objects and fields, never credentials).
    static func error(_ response: HTTPClientResponse, doing action: String) -> ClusterProviderError {
        let reason = JSONValue(jsonText: response.body)?["message"]?.stringValue.map { ": " + String($0.prefix(300)) } ?? ""
        let message = "\(action) failed with HTTP \(response.status)\(reason)"
        switch response.status {
        case 401, 403: return ClusterProviderError(.unauthorized, message, isRetryable: false)
        case 409: return ClusterProviderError(.conflict, message, isRetryable: true)
        case 429, 500...: return ClusterProviderError(.unavailable, message, isRetryable: true)
        default: return ClusterProviderError(.invalid, message, isRetryable: false)
        }
    }
}
