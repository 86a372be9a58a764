/// Where workspaces' desired states go: a directory of manifests (the one-machine default,
/// GitOps-ready) or a host K3s cluster's API (DESIGN §7).
///
/// Every method is idempotent: the task worker retries after a crash or an error at any point,
/// and a re-run converges to the same result without duplicating anything.
public protocol ClusterProvider: Sendable {
    /// Makes the host match `state.hostObjects` (the vCluster objects travel inside the
    /// HelmChart's values). Throws a ``ClusterProviderError``.
    func apply(_ state: DesiredState) async throws

    /// How far the workspace's vCluster is from serving requests.
    func readiness(workspaceID: String) async throws -> ProvisioningReadiness

    /// Starts or continues removing everything of the workspace; call again until `.gone`.
    func delete(workspaceID: String) async throws -> DeletionProgress
}

/// What ``ClusterProvider/readiness(workspaceID:)`` found.
public enum ProvisioningReadiness: Sendable, Equatable {
    /// The vCluster serves requests.
    case ready
    /// Still starting; the text says what is awaited.
    case progressing(String)
    /// It cannot get ready without a change; the text says why.
    case failed(String)
}

/// What ``ClusterProvider/delete(workspaceID:)`` found.
public enum DeletionProgress: Sendable, Equatable {
    /// Nothing of the workspace is left.
    case gone
    /// Deletion is under way; the text says what is awaited.
    case inProgress(String)
}
