import Contracts
import Foundation
import ServiceKit
import ServiceStore
import Store
import SwiftProtobuf

extension WorkspaceStore {
    /// Writes the audit records and outbox events of `changes` on `connection` (inside the
    /// transaction of the change itself: both exist exactly when the change committed).
    func record(_ changes: [Change], on connection: PostgresConnection) async throws {
        for change in changes {
            var details = change.details
            if !change.detail.isEmpty { details["detail"] = change.detail }
            let detailsJSON = String(decoding: try JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]), as: UTF8.self)
            try await connection.execute("""
                INSERT INTO audit_events (action, outcome, actor_id, organization_id, workspace_id, subject, source_address, request_id, details)
                VALUES (\(change.action), 'success', \(change.actor.id.isEmpty ? nil : change.actor.id), \(change.organizationID),
                        \(change.workspaceID), \(change.resourceID), \(change.actor.sourceAddress), \(change.actor.requestID), \(detailsJSON)::jsonb)
                """)
            var event = Hexabase_Workspace_V1_ResourceChanged()
            event.eventID = PrefixedID.make("evt")
            event.entity = change.entity
            event.verb = change.verb
            event.resourceID = change.resourceID
            event.organizationID = change.organizationID
            event.workspaceID = change.workspaceID ?? ""
            event.actorID = change.actor.id
            event.occurTime = Google_Protobuf_Timestamp(date: Date())
            event.detail = change.detail
            try await Outbox.enqueue([try OutboxItem.event(change.subject, event, id: event.eventID)], on: connection)
        }
    }

    /// Records a refused mutation (outside any transaction; a failure to write it is logged
    /// by the caller, never turned into a different answer).
    func recordDenied(action: String, actor: Actor, subject: String, reason: String) async throws {
        let details = String(decoding: try JSONSerialization.data(withJSONObject: ["reason": reason], options: [.sortedKeys]), as: UTF8.self)
        try await pool.execute("""
            INSERT INTO audit_events (action, outcome, actor_id, subject, source_address, request_id, details)
            VALUES (\(action), 'failure', \(actor.id), \(subject), \(actor.sourceAddress), \(actor.requestID), \(details)::jsonb)
            """)
    }
}
