import ServiceKit

/// Turns what the store read into the rendering input, adding what comes from configuration.
struct SnapshotBuilder: Sendable {
    let plans: PlanCatalog
    /// auth's public issuer URL (what the vCluster's API server trusts).
    let issuer: String
    let usernamePrefix: String
    let groupsPrefix: String
    /// HNC's release manifest, when the platform installs HNC in every vCluster.
    var hncManifests: String? = nil

    func snapshot(_ input: (generation: Int64, workspace: Workspace, groups: [Group], projects: [Project], roles: [ProjectRole], bindings: [RoleBinding])) throws -> WorkspaceSnapshot {
        guard let plan = plans.plan(input.workspace.planID) else {
            throw ClusterProviderError(.configuration, "The workspace's plan \(input.workspace.planID) is not in the catalog.", isRetryable: false)
        }
        return WorkspaceSnapshot(
            workspace: input.workspace, plan: plan, issuer: issuer, usernamePrefix: usernamePrefix, groupsPrefix: groupsPrefix,
            groups: input.groups, projects: input.projects, roles: input.roles, bindings: input.bindings,
            hncManifests: hncManifests
        )
    }
}
