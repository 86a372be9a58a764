/// Everything that decides what one person may do, loaded in one go and cached briefly:
/// their organization roles, the workspaces they belong to, and the levels their groups'
/// role bindings grant at workspace and at project scope.
public struct UserAccess: Sendable, Equatable {
    public var userID: String
    public var isPlatformAdmin: Bool
    public var organizationRoles: [String: OrganizationRole]
    /// Workspaces the user is a member of.
    public var workspaces: Set<String>
    /// The best preset bound at workspace scope to one of the user's (flattened) groups.
    public var workspaceLevels: [String: AccessLevel]
    /// The best preset bound at project scope, by project id.
    public var projectLevels: [String: AccessLevel]
    /// Workspaces where the user holds a project-scope role: they can see the workspace
    /// itself (read, kubeconfig), not its other projects.
    public var projectWorkspaces: Set<String> = []
    /// The user's flattened group names by workspace (the ID token's `groups` claim).
    public var groupNames: [String: [String]]

    public init(
        userID: String, isPlatformAdmin: Bool = false, organizationRoles: [String: OrganizationRole] = [:],
        workspaces: Set<String> = [], workspaceLevels: [String: AccessLevel] = [:], projectLevels: [String: AccessLevel] = [:],
        groupNames: [String: [String]] = [:]
    ) {
        self.userID = userID
        self.isPlatformAdmin = isPlatformAdmin
        self.organizationRoles = organizationRoles
        self.workspaces = workspaces
        self.workspaceLevels = workspaceLevels
        self.projectLevels = projectLevels
        self.groupNames = groupNames
    }
}

/// The answer of the permission model for one action on one resource.
public struct AccessDecision: Sendable, Equatable {
    /// Whether the action is allowed.
    public var allowed: Bool
    /// Whether the user can see the resource at all: when not, callers answer 404, not 403,
    /// so that existence does not leak across tenants.
    public var visible: Bool
    /// The grant that allowed it, or why not.
    public var reason: String
}

/// The permission model: a pure function of the user's access facts and where the resource
/// sits. Organization owners and admins manage every workspace of their organization;
/// workspace levels come from preset roles bound to groups; a project inherits its
/// workspace's level and adds the bindings on it and on its ancestors.
public enum AccessPolicy {
    public static func decide(_ action: Action, on placement: ResourcePlacement, for user: UserAccess) -> AccessDecision {
        if user.isPlatformAdmin {
            return AccessDecision(allowed: true, visible: true, reason: "platform admin")
        }
        let organizationRole = user.organizationRoles[placement.organizationID]
        switch action.requirement {
        case .organization(let needed):
            guard let organizationRole else {
                return AccessDecision(allowed: false, visible: false, reason: "not a member of the organization")
            }
            let allowed = organizationRole >= needed
            return AccessDecision(
                allowed: allowed, visible: true,
                reason: allowed ? "organization \(organizationRole.rawValue)" : "needs organization \(needed.rawValue)"
            )
        case .access(let needed):
            let (level, grant) = accessLevel(on: placement, for: user, organizationRole: organizationRole)
            let allowed = level >= needed
            return AccessDecision(
                allowed: allowed, visible: level > .none,
                reason: allowed ? grant : "needs \(needed) access"
            )
        }
    }

    /// The user's level on a workspace or project and what grants it.
    public static func accessLevel(on placement: ResourcePlacement, for user: UserAccess, organizationRole: OrganizationRole?) -> (AccessLevel, String) {
        if let organizationRole, organizationRole >= .admin {
            return (.admin, "organization \(organizationRole.rawValue)")
        }
        guard let workspaceID = placement.workspaceID, user.workspaces.contains(workspaceID) else {
            return (.none, "not a member of the workspace")
        }
        var level = user.workspaceLevels[workspaceID] ?? .none
        var grant = "workspace role (\(level))"
        if placement.projectChain.isEmpty, level == .none, user.projectWorkspaces.contains(workspaceID) {
            return (.viewer, "project role in the workspace")
        }
        for projectID in placement.projectChain {
            if let projectLevel = user.projectLevels[projectID], projectLevel > level {
                level = projectLevel
                grant = "project role (\(projectLevel))"
            }
        }
        return (level, level == .none ? "no role in the workspace" : grant)
    }
}
