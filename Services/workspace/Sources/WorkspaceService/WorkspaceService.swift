import ServiceKit

/// The workspace service's description (ADR-32 name `workspace`, subjects `hxb.workspace.v1.*`).
public let workspaceServiceDescription = ServiceDescription(
    name: "workspace", version: "0.1.0",
    description: "Organizations, workspaces (vClusters), projects, members, groups, roles and access checks."
)
