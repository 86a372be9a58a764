/// The actions of the platform's permission model (docs/access-control.md): one table for every
/// service. Each names the kind of resource it applies to and what it needs there.
public struct Action: Sendable, Hashable, CustomStringConvertible {
    /// What an action needs on its resource.
    public enum Requirement: Sendable, Hashable {
        /// An organization role at least this high.
        case organization(OrganizationRole)
        /// A workspace (or, on a project, project) access level at least this high.
        case access(AccessLevel)
    }

    /// The kind of resource an action is checked on.
    public enum ResourceKind: String, Sendable {
        case organization, workspace, project
    }

    public let name: String
    public let resource: ResourceKind
    public let requirement: Requirement

    public var description: String { name }

    /// The action with this name, or nil.
    public static func named(_ name: String) -> Action? { table[name] }

    /// Every action, by name.
    public static let all: [Action] = [
        // Organizations
        Action(name: "organization.read", resource: .organization, requirement: .organization(.member)),
        Action(name: "organization.update", resource: .organization, requirement: .organization(.admin)),
        Action(name: "organization.delete", resource: .organization, requirement: .organization(.owner)),
        Action(name: "organization.members.read", resource: .organization, requirement: .organization(.member)),
        Action(name: "organization.members.manage", resource: .organization, requirement: .organization(.admin)),
        Action(name: "organization.ownership.transfer", resource: .organization, requirement: .organization(.owner)),
        Action(name: "organization.invitations.manage", resource: .organization, requirement: .organization(.admin)),
        Action(name: "organization.workspaces.create", resource: .organization, requirement: .organization(.admin)),
        Action(name: "organization.audit.read", resource: .organization, requirement: .organization(.admin)),
        // Workspaces
        Action(name: "workspace.read", resource: .workspace, requirement: .access(.viewer)),
        Action(name: "workspace.update", resource: .workspace, requirement: .access(.admin)),
        Action(name: "workspace.delete", resource: .workspace, requirement: .access(.admin)),
        Action(name: "workspace.kubeconfig", resource: .workspace, requirement: .access(.viewer)),
        Action(name: "workspace.members.manage", resource: .workspace, requirement: .access(.admin)),
        Action(name: "workspace.groups.manage", resource: .workspace, requirement: .access(.admin)),
        Action(name: "workspace.roles.manage", resource: .workspace, requirement: .access(.admin)),
        Action(name: "workspace.projects.create", resource: .workspace, requirement: .access(.admin)),
        // Projects
        Action(name: "project.read", resource: .project, requirement: .access(.viewer)),
        Action(name: "project.update", resource: .project, requirement: .access(.admin)),
        Action(name: "project.delete", resource: .project, requirement: .access(.admin)),
        // Other services, on a workspace or on a project (checked by them through CheckAccess)
        Action(name: "functions.read", resource: .project, requirement: .access(.viewer)),
        Action(name: "functions.write", resource: .project, requirement: .access(.admin)),
        Action(name: "functions.invoke", resource: .project, requirement: .access(.viewer)),
        Action(name: "backup.read", resource: .workspace, requirement: .access(.viewer)),
        Action(name: "backup.write", resource: .workspace, requirement: .access(.admin)),
        Action(name: "backup.restore", resource: .workspace, requirement: .access(.admin)),
        Action(name: "logs.read", resource: .workspace, requirement: .access(.viewer)),
        Action(name: "logs.manage", resource: .workspace, requirement: .access(.admin)),
        Action(name: "aiops.use", resource: .workspace, requirement: .access(.viewer)),
    ]

    private static let table: [String: Action] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
