import Foundation
import ServiceKit
import Store

extension WorkspaceStore {
    static func organization(_ row: PostgresRow) throws -> Organization {
        Organization(
            id: try row.decode(column: "id"), name: try row.decode(column: "name"),
            personalOwner: try row.decode(String?.self, column: "personal_owner"),
            createdAt: try row.decode(column: "created_at"), updatedAt: try row.decode(column: "updated_at"), callerRole: nil
        )
    }

    static func member(_ row: PostgresRow) throws -> OrganizationMember {
        OrganizationMember(
            user: DirectoryUser(id: try row.decode(column: "user_id"), email: try row.decode(column: "email"), displayName: try row.decode(column: "display_name")),
            role: OrganizationRole(rawValue: try row.decode(column: "role")) ?? .member,
            createdAt: try row.decode(column: "created_at")
        )
    }

    /// Creates an organization with its creator as owner.
    func createOrganization(id: String, name: String, owner: String, changes: [Change]) async throws -> Organization {
        try await transaction { connection in
            let rows = try await connection.query("""
                INSERT INTO organizations (id, name) VALUES (\(id), \(name)) RETURNING id, name, personal_owner, created_at, updated_at
                """)
            try await connection.execute("INSERT INTO organization_members (organization_id, user_id, role) VALUES (\(id), \(owner), 'owner')")
            try await record(changes, on: connection)
            var organization = try Self.organization(rows[0])
            organization.callerRole = .owner
            return organization
        }
    }

    /// A live organization.
    func organization(id: String) async throws -> Organization? {
        try await pool.query("""
            SELECT id, name, personal_owner, created_at, updated_at FROM organizations WHERE id = \(id) AND deleted_at IS NULL
            """, prepared: true).first.map(Self.organization)
    }

    /// The live organizations `userID` belongs to (all of them for a platform admin), by id.
    func organizations(of userID: String, all: Bool, page: PageRequest) async throws -> Page<Organization> {
        let rows = try await pool.query("""
            SELECT o.id, o.name, o.personal_owner, o.created_at, o.updated_at, m.role
            FROM organizations o LEFT JOIN organization_members m ON m.organization_id = o.id AND m.user_id = \(userID)
            WHERE o.deleted_at IS NULL AND (\(all) OR m.user_id IS NOT NULL) AND o.id > \(page.after)
            ORDER BY o.id LIMIT \(page.limit)
            """)
        let organizations = try rows.map { row in
            var organization = try Self.organization(row)
            organization.callerRole = try row.decode(String?.self, column: "role").flatMap(OrganizationRole.init(rawValue:))
            return organization
        }
        return page.page(organizations, id: \.id)
    }

    func renameOrganization(id: String, name: String, changes: [Change]) async throws -> Organization? {
        try await transaction { connection in
            let rows = try await connection.query("""
                UPDATE organizations SET name = \(name), updated_at = now() WHERE id = \(id) AND deleted_at IS NULL
                RETURNING id, name, personal_owner, created_at, updated_at
                """)
            guard let row = rows.first else { return nil }
            try await record(changes, on: connection)
            return try Self.organization(row)
        }
    }

    /// Soft-deletes an organization; refused (412) while it has workspaces that are not deleted.
    func deleteOrganization(id: String, changes: [Change]) async throws {
        try await transaction { connection in
            let locked = try await connection.query("SELECT personal_owner FROM organizations WHERE id = \(id) AND deleted_at IS NULL FOR UPDATE")
            guard let row = locked.first else { throw ServiceError(.notFound, "The organization does not exist.") }
            if try row.decode(String?.self, column: "personal_owner") != nil {
                throw ServiceError(.failedPrecondition, "A personal organization cannot be deleted.")
            }
            let live = try await connection.query("SELECT count(*)::int AS n FROM workspaces WHERE organization_id = \(id) AND state <> 'deleted'")
            let count: Int = try live[0].decode(column: "n")
            guard count == 0 else {
                throw ServiceError(.failedPrecondition, "The organization still has \(count) workspace(s); delete them first.")
            }
            try await connection.execute("UPDATE organizations SET deleted_at = now(), updated_at = now() WHERE id = \(id)")
            try await connection.execute("""
                UPDATE invitations SET revoked_at = now() WHERE organization_id = \(id) AND accepted_at IS NULL AND revoked_at IS NULL
                """)
            try await record(changes, on: connection)
        }
    }

    // MARK: Members

    func organizationMembers(organizationID: String, page: PageRequest) async throws -> Page<OrganizationMember> {
        let rows = try await pool.query("""
            SELECT m.user_id, u.email, u.display_name, m.role, m.created_at
            FROM organization_members m JOIN users u ON u.id = m.user_id
            WHERE m.organization_id = \(organizationID) AND m.user_id > \(page.after)
            ORDER BY m.user_id LIMIT \(page.limit)
            """)
        return page.page(try rows.map(Self.member), id: \.user.id)
    }

    /// Changes a member's role (not to or from owner: that is ``transferOwnership``).
    func setMemberRole(organizationID: String, userID: String, role: OrganizationRole, changes: [Change]) async throws -> OrganizationMember? {
        try await transaction { connection in
            let current = try await connection.query("""
                SELECT role FROM organization_members WHERE organization_id = \(organizationID) AND user_id = \(userID) FOR UPDATE
                """)
            guard let row = current.first else { return nil }
            if try row.decode(String.self, column: "role") == OrganizationRole.owner.rawValue {
                throw ServiceError(.failedPrecondition, "An owner's role changes only by transferring ownership.")
            }
            try await connection.execute("""
                UPDATE organization_members SET role = \(role.rawValue) WHERE organization_id = \(organizationID) AND user_id = \(userID)
                """)
            try await record(changes, on: connection)
            return try await Self.member(organizationID: organizationID, userID: userID, on: connection)
        }
    }

    static func member(organizationID: String, userID: String, on connection: PostgresConnection) async throws -> OrganizationMember? {
        try await connection.query("""
            SELECT m.user_id, u.email, u.display_name, m.role, m.created_at
            FROM organization_members m JOIN users u ON u.id = m.user_id
            WHERE m.organization_id = \(organizationID) AND m.user_id = \(userID)
            """).first.map(member)
    }

    /// Removes a member (and their workspace memberships in the organization). The last owner
    /// cannot be removed; the owner of a personal organization cannot leave it.
    func removeMember(organizationID: String, userID: String, changes: [Change]) async throws -> Bool {
        try await transaction { connection in
            let owners = try await connection.query("""
                SELECT user_id, role FROM organization_members WHERE organization_id = \(organizationID) AND role = 'owner' FOR UPDATE
                """)
            let ownerIDs = try owners.map { try $0.decode(String.self, column: "user_id") }
            if ownerIDs == [userID] {
                throw ServiceError(.failedPrecondition, "The last owner cannot leave; transfer ownership first.")
            }
            let deleted = try await connection.execute("""
                DELETE FROM organization_members WHERE organization_id = \(organizationID) AND user_id = \(userID)
                """)
            guard deleted == 1 else { return false }
            let touched = try await connection.query("""
                DELETE FROM workspace_members WHERE user_id = \(userID)
                  AND workspace_id IN (SELECT id FROM workspaces WHERE organization_id = \(organizationID))
                RETURNING workspace_id
                """)
            for row in touched { try await markChanged(workspaceID: try row.decode(column: "workspace_id"), on: connection) }
            try await record(changes, on: connection)
            return true
        }
    }

    /// Makes `newOwner` (a member) an owner and the previous owner `from` an admin.
    func transferOwnership(organizationID: String, from: String, to newOwner: String, changes: [Change]) async throws -> [OrganizationMember] {
        try await transaction { connection in
            let updated = try await connection.execute("""
                UPDATE organization_members SET role = 'owner' WHERE organization_id = \(organizationID) AND user_id = \(newOwner)
                """)
            guard updated == 1 else { throw ServiceError(.notFound, "The new owner must already be a member of the organization.") }
            if from != newOwner {
                try await connection.execute("""
                    UPDATE organization_members SET role = 'admin' WHERE organization_id = \(organizationID) AND user_id = \(from) AND role = 'owner'
                    """)
            }
            try await connection.execute("""
                UPDATE organizations SET personal_owner = NULL WHERE id = \(organizationID) AND personal_owner = \(from) AND \(from) <> \(newOwner)
                """)
            try await record(changes, on: connection)
            var members: [OrganizationMember] = []
            for id in [newOwner, from] {
                if let member = try await Self.member(organizationID: organizationID, userID: id, on: connection) { members.append(member) }
            }
            return members
        }
    }
}
