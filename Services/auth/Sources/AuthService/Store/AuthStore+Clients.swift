import Foundation
import Store

extension AuthStore {
    /// Inserts a client. With `replacing`, an existing client of the same id is updated
    /// (configured clients are written at every start); without, a taken id or workspace
    /// throws `uniqueViolation`.
    func insertClient(_ client: OAuthClient, secretHash: Data?, createdBy: String?, replacing: Bool = false) async throws {
        let conflict = replacing ? """
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, secret_hash = EXCLUDED.secret_hash,
                redirect_uris = EXCLUDED.redirect_uris, grant_types = EXCLUDED.grant_types
            """ : ""
        try await pool.execute("""
            INSERT INTO clients (id, name, kind, secret_hash, redirect_uris, grant_types, workspace_id, created_at, created_by)
            VALUES (\(client.id), \(client.name), \(client.kind.rawValue), \(secretHash), \(client.redirectURIs),
                    \(client.grantTypes.map(\.rawValue).sorted()), \(client.workspaceID), \(client.createdAt), \(createdBy))
            \(unescaped: conflict)
            """)
    }

    /// The client with this id and its secret hash.
    func client(id: String) async throws -> (OAuthClient, secretHash: Data?)? {
        let rows = try await pool.query("""
            SELECT id, name, kind, secret_hash, redirect_uris, grant_types, workspace_id, created_at FROM clients WHERE id = \(id)
            """, prepared: true)
        guard let row = rows.first else { return nil }
        let grants = try row.decode([String].self, column: "grant_types").compactMap(OAuthClient.GrantType.init(rawValue:))
        let client = OAuthClient(
            id: try row.decode(column: "id"), name: try row.decode(column: "name"),
            kind: OAuthClient.Kind(rawValue: try row.decode(column: "kind")) ?? .public,
            redirectURIs: try row.decode(column: "redirect_uris"), grantTypes: Set(grants),
            workspaceID: try row.decode(String?.self, column: "workspace_id"), createdAt: try row.decode(column: "created_at")
        )
        return (client, try row.decode(Data?.self, column: "secret_hash"))
    }

    /// Deletes a client by id or by workspace; its codes, device grants and refresh-token
    /// families go with it. Returns the id of the client deleted.
    func deleteClient(id: String?, workspaceID: String?) async throws -> String? {
        try await pool.transaction { connection in
            let rows = try await connection.query("""
                DELETE FROM clients WHERE (\(id)::text IS NOT NULL AND id = \(id)) OR (\(workspaceID)::text IS NOT NULL AND workspace_id = \(workspaceID))
                RETURNING id
                """)
            guard let deleted = try rows.first?.decode(String.self, column: "id") else { return nil }
            try await connection.execute("""
                UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = 'client_deleted'
                WHERE client_id = \(deleted) AND revoked_at IS NULL
                """)
            return deleted
        }
    }
}
