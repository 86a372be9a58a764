/// Label keys and the node taint the platform puts on host and virtual objects.
public enum HostLabels {
    /// The workspace id; also the label and taint key of a dedicated plan's nodes.
    public static let workspace = "hexabase.ai/workspace"
    /// The organization id.
    public static let organization = "hexabase.ai/organization"
    /// The project id, on project namespaces inside the vCluster.
    public static let project = "hexabase.ai/project"
    /// The parent project's id, on a sub-project's namespace when HNC is not installed.
    public static let parentProject = "hexabase.ai/parent-project"
    /// `app.kubernetes.io/managed-by`.
    public static let managedBy = "app.kubernetes.io/managed-by"
    /// The value of ``managedBy``.
    public static let manager = "hexabase"

    /// The labels of every object of a workspace.
    public static func common(_ workspace: Workspace) -> [String: String] {
        [Self.workspace: workspace.id, organization: workspace.organizationID, managedBy: manager]
    }
}
