import Foundation
import ServiceKit
import ServiceStore
import Store

extension WorkspaceStore {
    static func invitation(_ row: PostgresRow) throws -> Invitation {
        Invitation(
            id: try row.decode(column: "id"), organizationID: try row.decode(column: "organization_id"),
            email: try row.decode(column: "email"), role: OrganizationRole(rawValue: try row.decode(column: "role")) ?? .member,
            invitedBy: try row.decode(column: "invited_by"), createdAt: try row.decode(column: "created_at"),
            expiresAt: try row.decode(column: "expires_at"), acceptedAt: try row.decode(Date?.self, column: "accepted_at"),
            revokedAt: try row.decode(Date?.self, column: "revoked_at")
        )
    }

    private static let invitationColumns = "id, organization_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at"

    /// Stores an invitation and its mail (outbox) in one transaction. An existing member with
    /// that e-mail, or a pending invitation for it, is a 409.
    func createInvitation(_ invitation: Invitation, tokenHash: Data, mail: OutboxItem, changes: [Change]) async throws -> Invitation {
        try await transaction { connection in
            let member = try await connection.query("""
                SELECT 1 FROM organization_members m JOIN users u ON u.id = m.user_id
                WHERE m.organization_id = \(invitation.organizationID) AND u.email = \(invitation.email)
                """)
            guard member.isEmpty else { throw ServiceError(.conflict, "That person is already a member of the organization.") }
            let pending = try await connection.query("""
                SELECT 1 FROM invitations WHERE organization_id = \(invitation.organizationID) AND email = \(invitation.email)
                  AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() FOR UPDATE
                """)
            guard pending.isEmpty else { throw ServiceError(.conflict, "A pending invitation for that e-mail already exists.") }
            let rows = try await connection.query("""
                INSERT INTO invitations (id, organization_id, email, role, token_hash, invited_by, expires_at)
                VALUES (\(invitation.id), \(invitation.organizationID), \(invitation.email), \(invitation.role.rawValue), \(tokenHash),
                        \(invitation.invitedBy), \(invitation.expiresAt))
                RETURNING \(unescaped: Self.invitationColumns)
                """)
            try await Outbox.enqueue([mail], on: connection)
            try await record(changes, on: connection)
            return try Self.invitation(rows[0])
        }
    }

    func invitations(organizationID: String, page: PageRequest) async throws -> Page<Invitation> {
        let rows = try await pool.query("""
            SELECT \(unescaped: Self.invitationColumns) FROM invitations
            WHERE organization_id = \(organizationID) AND id > \(page.after) ORDER BY id LIMIT \(page.limit)
            """)
        return page.page(try rows.map(Self.invitation), id: \.id)
    }

    /// Revokes a pending invitation; returns it (nil when there is none with that id).
    func revokeInvitation(organizationID: String, id: String, changes: [Change]) async throws -> Invitation? {
        try await transaction { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.invitationColumns) FROM invitations
                WHERE organization_id = \(organizationID) AND id = \(id) FOR UPDATE
                """)
            guard let row = rows.first else { return nil }
            var invitation = try Self.invitation(row)
            guard invitation.state() == .pending else {
                throw ServiceError(.failedPrecondition, "The invitation is \(invitation.state().rawValue), not pending.")
            }
            try await connection.execute("UPDATE invitations SET revoked_at = now() WHERE id = \(id)")
            invitation.revokedAt = Date()
            try await record(changes, on: connection)
            return invitation
        }
    }

    /// Accepts the invitation whose token hashes to `tokenHash` for `user`: single use,
    /// unexpired, for the user's own e-mail. Returns the organization joined.
    func acceptInvitation(tokenHash: Data, user: DirectoryUser, changes: (Invitation) -> [Change]) async throws -> Organization {
        try await transaction { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.invitationColumns) FROM invitations WHERE token_hash = \(tokenHash) FOR UPDATE
                """)
            // One answer for unknown, used, revoked, expired and someone else's invitation.
            let invalid = ServiceError(.notFound, "The invitation is invalid, expired or already used.")
            guard let row = rows.first else { throw invalid }
            let invitation = try Self.invitation(row)
            guard invitation.state() == .pending, invitation.email == user.email.lowercased() else { throw invalid }
            let organization = try await connection.query("""
                SELECT id, name, personal_owner, created_at, updated_at FROM organizations
                WHERE id = \(invitation.organizationID) AND deleted_at IS NULL
                """)
            guard let organizationRow = organization.first else { throw invalid }
            try await connection.execute("""
                UPDATE invitations SET accepted_at = now(), accepted_by = \(user.id) WHERE id = \(invitation.id)
                """)
            try await connection.execute("""
                INSERT INTO organization_members (organization_id, user_id, role) VALUES (\(invitation.organizationID), \(user.id), \(invitation.role.rawValue))
                ON CONFLICT DO NOTHING
                """)
            try await record(changes(invitation), on: connection)
            var joined = try Self.organization(organizationRow)
            joined.callerRole = invitation.role
            return joined
        }
    }
}
