/// The vCluster Helm chart every workspace runs, pinned, and the names derived from it.
///
/// Values shape (vCluster 0.20 and later, `vcluster.yaml`): the virtual API server's flags go
/// in `controlPlane.distro.k8s.apiServer.extraArgs`; manifests applied inside the virtual cluster
/// go in `experimental.deploy.vcluster.manifests` (re-applied when a Helm upgrade changes
/// them); dedicated nodes use `sync.fromHost.nodes.selector.labels` (vCluster then pins synced
/// pods to those nodes), `sync.toHost.pods.enforceTolerations` and
/// `controlPlane.statefulSet.scheduling` for the control plane pod itself.
public enum VClusterChart {
    /// The chart's name in its repository.
    public static let name = "vcluster"
    /// The chart repository.
    public static let repository = "https://charts.loft.sh"
    /// The pinned chart version; every key the renderer writes exists in this version's values.
    public static let version = "0.20.0"
    /// Where the K3s Helm controller keeps the `HelmChart` objects (and runs their install
    /// jobs): outside the workspace namespace, so deleting that namespace never strands the
    /// chart's uninstall job.
    public static let chartNamespace = "kube-system"

    /// The `HelmChart` name, which is also the Helm release and the vCluster StatefulSet name.
    public static func releaseName(workspaceID: String) -> String { workspaceID }

    /// The job the K3s Helm controller runs to install or upgrade the chart.
    public static func installJobName(workspaceID: String) -> String { "helm-install-" + releaseName(workspaceID: workspaceID) }
}
