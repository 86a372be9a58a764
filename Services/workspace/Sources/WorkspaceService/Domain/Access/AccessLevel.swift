/// A person's role in an organization. Owners can do everything, admins everything but
/// deleting the organization and moving ownership, members can see the organization.
public enum OrganizationRole: String, Sendable, CaseIterable, Comparable {
    case member, admin, owner

    var rank: Int {
        switch self {
        case .member: 0
        case .admin: 1
        case .owner: 2
        }
    }

    public static func < (lhs: OrganizationRole, rhs: OrganizationRole) -> Bool { lhs.rank < rhs.rank }
}

/// What a person may do in a workspace or a project: see it (viewer) or manage it (admin).
/// Granted by the preset roles bound to their groups, or implied by an organization role.
public enum AccessLevel: Int, Sendable, Comparable, CustomStringConvertible {
    case none = 0
    case viewer = 1
    case admin = 2

    public static func < (lhs: AccessLevel, rhs: AccessLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The level a preset role grants.
    public init(_ preset: PresetRole) {
        switch preset {
        case .workspaceAdmin: self = .admin
        case .workspaceViewer: self = .viewer
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .viewer: "viewer"
        case .admin: "admin"
        }
    }
}
