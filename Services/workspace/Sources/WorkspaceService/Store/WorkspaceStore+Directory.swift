import Foundation
import Store

/// A person as auth announced them.
struct DirectoryUser: Sendable, Equatable {
    var id: String
    var email: String
    var displayName: String
}

extension WorkspaceStore {
    /// Records a user and gives them a personal organization, once per event and once per
    /// user: a redelivered event, or a second event for the same user, changes nothing.
    /// Returns the organization created, nil when there was nothing to do.
    func welcome(_ user: DirectoryUser, eventID: String, organizationID: String, changes: (Organization) -> [Change]) async throws -> Organization? {
        try await transaction { connection in
            let fresh = try await connection.execute("INSERT INTO processed_events (event_id) VALUES (\(eventID)) ON CONFLICT DO NOTHING")
            guard fresh == 1 else { return nil }
            try await connection.execute("""
                INSERT INTO users (id, email, display_name) VALUES (\(user.id), \(user.email), \(user.displayName))
                ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, display_name = EXCLUDED.display_name
                """)
            let name = String((user.displayName.isEmpty ? user.email : user.displayName).prefix(80)) + "'s organization"
            let rows = try await connection.query("""
                INSERT INTO organizations (id, name, personal_owner) VALUES (\(organizationID), \(name), \(user.id))
                ON CONFLICT (personal_owner) WHERE personal_owner IS NOT NULL DO NOTHING
                RETURNING id, name, personal_owner, created_at, updated_at
                """)
            guard let row = rows.first else { return nil }
            try await connection.execute("""
                INSERT INTO organization_members (organization_id, user_id, role) VALUES (\(organizationID), \(user.id), 'owner')
                """)
            var organization = try Self.organization(row)
            organization.callerRole = .owner
            try await record(changes(organization), on: connection)
            return organization
        }
    }

    /// The user with this id or e-mail.
    func directoryUser(id: String? = nil, email: String? = nil) async throws -> DirectoryUser? {
        let rows = try await pool.query("""
            SELECT id, email, display_name FROM users
            WHERE (\(id)::text IS NOT NULL AND id = \(id)) OR (\(email)::text IS NOT NULL AND email = lower(\(email)))
            """)
        return try rows.first.map { DirectoryUser(id: try $0.decode(column: "id"), email: try $0.decode(column: "email"), displayName: try $0.decode(column: "display_name")) }
    }
}
