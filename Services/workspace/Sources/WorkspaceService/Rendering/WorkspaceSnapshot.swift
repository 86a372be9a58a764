/// Everything the desired state of one workspace is rendered from, read from the database in
/// one transaction and nothing else: rendering the same snapshot twice gives the same objects.
public struct WorkspaceSnapshot: Sendable, Equatable {
    public var workspace: Workspace
    public var plan: Plan
    /// The OIDC issuer the virtual API server trusts (auth's public issuer URL).
    public var issuer: String
    /// Prefixed to the `sub` claim to form Kubernetes user names, e.g. "hxb:".
    public var usernamePrefix: String
    /// Prefixed to group names in the vCluster's RBAC, e.g. "hxb:" (the API server adds it).
    public var groupsPrefix: String
    public var groups: [Group]
    public var projects: [Project]
    public var roles: [ProjectRole]
    public var bindings: [RoleBinding]
    /// The Hierarchical Namespace Controller's release manifest (configuration), installed in the
    /// vCluster before the workspace's own objects; sub-projects are then HNC sub-namespaces.
    /// nil: HNC is not installed, and a sub-project is a plain namespace labelled with its parent
    /// (``HostLabels/parentProject``).
    public var hncManifests: String?

    public init(
        workspace: Workspace, plan: Plan, issuer: String, usernamePrefix: String = "hxb:", groupsPrefix: String = "hxb:",
        groups: [Group], projects: [Project], roles: [ProjectRole], bindings: [RoleBinding], hncManifests: String? = nil
    ) {
        self.hncManifests = hncManifests
        self.workspace = workspace
        self.plan = plan
        self.issuer = issuer
        self.usernamePrefix = usernamePrefix
        self.groupsPrefix = groupsPrefix
        self.groups = groups
        self.projects = projects
        self.roles = roles
        self.bindings = bindings
    }
}
