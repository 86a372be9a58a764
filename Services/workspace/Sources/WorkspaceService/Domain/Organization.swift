import Foundation

/// An organization: the people and the billing unit that owns workspaces.
struct Organization: Sendable, Equatable {
    var id: String
    var name: String
    /// The user whose personal organization this is (created at sign-up), if any.
    var personalOwner: String?
    var createdAt: Date
    var updatedAt: Date
    /// The role of whoever asked, when known.
    var callerRole: OrganizationRole?
}

/// A person's membership of an organization.
struct OrganizationMember: Sendable, Equatable {
    var user: DirectoryUser
    var role: OrganizationRole
    var createdAt: Date
}

/// An e-mailed offer to join an organization.
struct Invitation: Sendable, Equatable {
    enum State: String, Sendable {
        case pending, accepted, revoked, expired
    }

    /// Invitations are valid for 7 days.
    static let lifetime: TimeInterval = 7 * 24 * 3600

    var id: String
    var organizationID: String
    var email: String
    var role: OrganizationRole
    var invitedBy: String
    var createdAt: Date
    var expiresAt: Date
    var acceptedAt: Date?
    var revokedAt: Date?

    func state(now: Date = Date()) -> State {
        if acceptedAt != nil { return .accepted }
        if revokedAt != nil { return .revoked }
        return expiresAt <= now ? .expired : .pending
    }
}
