import Contracts
import Foundation
import ServiceKit

extension LoggingAPI {
    @Sendable func getRetention(_ request: Hexabase_Logs_V1_GetRetentionRequest, context: RequestContext) async throws -> Hexabase_Logs_V1_Retention {
        let userID = try await context.userIdentity().subject
        let organizationID = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        _ = try await access.require("organization.read", on: "organizations/\(organizationID)", userID: userID, context: context)
        return retentionMessage(organizationID, try await retention.choice(for: organizationID))
    }

    /// Applies to new records through their expiry day, and to those already stored through the
    /// retention job's next pass (``RetentionBook/purgeShortened(_:now:)``).
    @Sendable func updateRetention(_ request: Hexabase_Logs_V1_UpdateRetentionRequest, context: RequestContext) async throws -> Hexabase_Logs_V1_Retention {
        let userID = try await context.userIdentity().subject
        let organizationID = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        func days(_ value: Int32, _ field: String, _ limits: LoggingConfiguration.RetentionLimits, current: Int) throws -> Int {
            guard value != 0 else { return current }
            guard (limits.minDays...limits.maxDays).contains(Int(value)) else {
                throw ServiceError.invalidField(field, "must be between \(limits.minDays) and \(limits.maxDays) days", code: .unprocessableEntity)
            }
            return Int(value)
        }
        _ = try await access.require("organization.update", on: "organizations/\(organizationID)", userID: userID, context: context)
        let current = try await retention.choice(for: organizationID)
        let choice = RetentionBook.Choice(
            auditDays: try days(request.auditDays, "audit_days", retention.audit, current: current.auditDays),
            workloadDays: try days(request.workloadDays, "workload_days", retention.workload, current: current.workloadDays)
        )
        try await store.setRetention(
            organizationID: organizationID, auditDays: request.auditDays == 0 ? nil : choice.auditDays,
            workloadDays: request.workloadDays == 0 ? nil : choice.workloadDays, defaults: retention.defaults, by: userID,
            audit: auditRecord(
                "logs.retention.update", resource: "organizations/\(organizationID)/log-retention", userID: userID,
                organizationID: organizationID,
                details: [
                    "audit_days": "\(choice.auditDays)", "workload_days": "\(choice.workloadDays)",
                    "previous_audit_days": "\(current.auditDays)", "previous_workload_days": "\(current.workloadDays)",
                ],
                context: context
            )
        )
        retention.remember(organizationID, choice)
        return retentionMessage(organizationID, choice)
    }

    private func retentionMessage(_ organizationID: String, _ choice: RetentionBook.Choice) -> Hexabase_Logs_V1_Retention {
        var message = Hexabase_Logs_V1_Retention()
        message.organizationID = organizationID
        message.auditDays = Int32(choice.auditDays)
        message.workloadDays = Int32(choice.workloadDays)
        message.auditMinDays = Int32(retention.audit.minDays)
        message.auditMaxDays = Int32(retention.audit.maxDays)
        message.workloadMinDays = Int32(retention.workload.minDays)
        message.workloadMaxDays = Int32(retention.workload.maxDays)
        return message
    }
}
