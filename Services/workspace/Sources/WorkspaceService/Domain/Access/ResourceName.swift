/// A resource named the way CheckAccess and the permission model name it:
/// `organizations/<id>`, `workspaces/<id>` or `projects/<id>`.
public struct ResourceName: Sendable, Hashable, CustomStringConvertible {
    public var kind: Action.ResourceKind
    public var id: String

    public init(kind: Action.ResourceKind, id: String) {
        self.kind = kind
        self.id = id
    }

    /// Parses `organizations/org-…`; nil when the form or the id prefix is wrong.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let id = String(parts[1])
        switch parts[0] {
        case "organizations" where id.hasPrefix("org-"): kind = .organization
        case "workspaces" where id.hasPrefix("ws-"): kind = .workspace
        case "projects" where id.hasPrefix("prj-"): kind = .project
        default: return nil
        }
        guard id.count <= 64 else { return nil }
        self.id = id
    }

    public var description: String {
        switch kind {
        case .organization: "organizations/\(id)"
        case .workspace: "workspaces/\(id)"
        case .project: "projects/\(id)"
        }
    }
}

/// Where a resource sits in the tenancy tree: its organization, workspace and project chain.
public struct ResourcePlacement: Sendable, Equatable {
    public var organizationID: String
    public var workspaceID: String?
    /// The project and its ancestors, nearest first (empty for organizations and workspaces).
    public var projectChain: [String]

    public init(organizationID: String, workspaceID: String? = nil, projectChain: [String] = []) {
        self.organizationID = organizationID
        self.workspaceID = workspaceID
        self.projectChain = projectChain
    }
}
