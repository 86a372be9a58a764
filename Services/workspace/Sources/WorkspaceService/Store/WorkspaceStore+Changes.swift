import Contracts
import Foundation
import Logging
import ServiceKit
import ServiceStore
import Store
import SwiftProtobuf

extension WorkspaceStore {
    /// Writes the audit records (the local `audit_events` row and the ``AuditRecord`` for the
    /// logging service) and outbox events of `changes` on `connection` (inside the transaction
    /// of the change itself: all exist exactly when the change committed).
    func record(_ changes: [Change], on connection: PostgresConnection) async throws {
        for change in changes {
            var details = change.details
            if !change.detail.isEmpty { details["detail"] = change.detail }
            let detailsJSON = String(decoding: try JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]), as: UTF8.self)
            try await connection.execute("""
                INSERT INTO audit_events (action, outcome, actor_id, organization_id, workspace_id, subject, source_address, request_id, details)
                VALUES (\(change.action), \(change.outcome.rawValue), \(change.actor.id.isEmpty ? nil : change.actor.id),
                        \(change.organizationID), \(change.workspaceID), \(change.resourceID), \(change.actor.sourceAddress),
                        \(change.actor.requestID), \(detailsJSON)::jsonb)
                """)
            try await AuditLog.record([
                Self.auditRecord(
                    action: change.action, actor: change.actor, resource: change.resource, organizationID: change.organizationID,
                    workspaceID: change.workspaceID, projectID: change.entity == "project" ? change.resourceID : nil,
                    outcome: change.outcome, details: details
                ),
            ], on: connection)
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

    /// Records a refused action on `resource` (outside any transaction): an `audit_events` row
    /// (outcome `failure`) and an ``AuditRecord`` (outcome `denied`) in one transaction of its
    /// own. A failure to write them is logged, never turned into a different answer.
    func recordDenied(action: String, actor: Actor, resource: ResourceName, placement: ResourcePlacement, reason: String, logger: Logger) async {
        let record = Self.auditRecord(
            action: action, actor: actor, resource: resource.description, organizationID: placement.organizationID,
            workspaceID: placement.workspaceID, projectID: placement.projectChain.first, outcome: .denied, details: ["reason": reason]
        )
        let details = String(decoding: (try? JSONSerialization.data(withJSONObject: ["reason": reason], options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
        await AuditLog.record(record, pool: pool, logger: logger) { connection in
            try await connection.execute("""
                INSERT INTO audit_events (action, outcome, actor_id, organization_id, workspace_id, subject, source_address, request_id, details)
                VALUES (\(action), 'failure', \(actor.id), \(placement.organizationID), \(placement.workspaceID), \(resource.id),
                        \(actor.sourceAddress), \(actor.requestID), \(details)::jsonb)
                """)
        }
    }

    /// The logging service's record of an action of `actor` in the workspace service.
    private static func auditRecord(
        action: String, actor: Actor, resource: String, organizationID: String, workspaceID: String?, projectID: String?,
        outcome: AuditRecord.Outcome, details: [String: String]
    ) -> AuditRecord {
        AuditRecord(
            service: workspaceServiceDescription.name, actorID: actor.id, initiatedBy: actor.initiatedBy, action: action,
            resource: resource, organizationID: organizationID, workspaceID: workspaceID ?? "", projectID: projectID ?? "",
            outcome: outcome, sourceAddress: actor.sourceAddress ?? "", requestID: actor.requestID ?? "",
            traceID: actor.traceID ?? "", details: details
        )
    }
}
