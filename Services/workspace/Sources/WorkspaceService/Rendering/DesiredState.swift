/// What one workspace should look like: the objects to apply on the host cluster and the
/// objects that live inside its vCluster. Rendered by ``DesiredStateRenderer``; applied by a
/// ``ClusterProvider``.
///
/// The virtual objects already travel inside the host's vCluster `HelmChart` values (the chart's
/// deploy manifests), so a provider applies ``hostObjects`` only; ``virtualObjects`` is kept for
/// inspection and tests.
public struct DesiredState: Sendable, Equatable {
    /// The workspace these objects belong to.
    public var workspaceID: String
    /// The host namespace, quota, limits, network policy and the vCluster `HelmChart`, in apply
    /// order (namespace first, the chart last).
    public var hostObjects: [KubernetesObject]
    /// The objects inside the vCluster, in apply order (namespaces and cluster roles first).
    public var virtualObjects: [KubernetesObject]

    /// A state from its parts.
    public init(workspaceID: String, hostObjects: [KubernetesObject], virtualObjects: [KubernetesObject]) {
        self.workspaceID = workspaceID
        self.hostObjects = hostObjects
        self.virtualObjects = virtualObjects
    }

    /// The host objects as one multi-document YAML text.
    public var hostYAML: String { YAMLWriter.documents(hostObjects.map(\.document)) }

    /// The vCluster objects as one multi-document YAML text (what the chart applies inside).
    public var virtualYAML: String { YAMLWriter.documents(virtualObjects.map(\.document)) }
}
