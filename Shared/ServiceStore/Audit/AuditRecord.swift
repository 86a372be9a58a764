import Contracts
import Foundation
import ServiceKit
import SwiftProtobuf

/// Who did what to which resource, with what outcome (DESIGN §9: every mutation leaves one):
/// the audit tier of the logging service. Write it with ``AuditLog`` — in the transaction of
/// the change it records, or on its own for security events outside one — and an
/// ``OutboxRelay`` delivers it into `HXB_LOGS`.
///
/// Holds ids and safe values only: never a password, token or secret.
public struct AuditRecord: Sendable, Equatable {
    /// Who started the action.
    public enum Initiator: String, Sendable {
        /// A signed-in person (or an anonymous one, e.g. a failed login).
        case user
        /// A service identity (client credentials) or the platform itself (workers, schedules).
        case service
        /// An AI agent acting for ``AuditRecord/onBehalfOf``.
        case aiAgent = "ai_agent"
    }

    /// How it ended.
    public enum Outcome: String, Sendable {
        case success
        /// Attempted and failed (bad credentials, a task that gave up).
        case failure
        /// Refused by authorization.
        case denied
    }

    /// `log-<UUIDv7>`: the record's id in the logging service and its JetStream message id.
    public var id: String
    public var time: Date
    /// The service that records it (`auth`, `workspace`, …).
    public var service: String
    /// A user id, a service client id, or "" for the platform itself.
    public var actorID: String
    public var initiatedBy: Initiator
    /// The user an AI agent (or a service) acted for; "" otherwise.
    public var onBehalfOf: String
    /// `<domain>.<verb>`, e.g. `workspace.create`, `auth.login`.
    public var action: String
    /// What it was done to, e.g. `workspaces/ws-…`.
    public var resource: String
    public var organizationID: String
    public var workspaceID: String
    public var projectID: String
    public var outcome: Outcome
    /// The end user's network address, as the edge saw it.
    public var sourceAddress: String
    public var requestID: String
    public var traceID: String
    /// A few further facts (ids, names, a reason); at most 64 are shipped.
    public var details: [String: String]

    /// A record; `id` and `time` default to a fresh id and now.
    public init(
        id: String = PrefixedID.make("log"), time: Date = Date(), service: String, actorID: String,
        initiatedBy: Initiator, onBehalfOf: String = "", action: String, resource: String,
        organizationID: String = "", workspaceID: String = "", projectID: String = "", outcome: Outcome,
        sourceAddress: String = "", requestID: String = "", traceID: String = "", details: [String: String] = [:]
    ) {
        self.id = id
        self.time = time
        self.service = service
        self.actorID = actorID
        self.initiatedBy = initiatedBy
        self.onBehalfOf = onBehalfOf
        self.action = action
        self.resource = resource
        self.organizationID = organizationID
        self.workspaceID = workspaceID
        self.projectID = projectID
        self.outcome = outcome
        self.sourceAddress = sourceAddress
        self.requestID = requestID
        self.traceID = traceID
        self.details = details
    }

    /// The level of its log record: `info` for a success, `notice` for a failure, `warning`
    /// for a denial.
    public var level: String {
        switch outcome {
        case .success: "info"
        case .failure: "notice"
        case .denied: "warning"
        }
    }

    /// A one-line summary: `usr-… workspace.create workspaces/ws-… success` (`-` for no actor
    /// or resource).
    public var message: String {
        [actorID.isEmpty ? "-" : actorID, action, resource.isEmpty ? "-" : resource, outcome.rawValue].joined(separator: " ")
    }

    /// The record as the logging service stores it: tier `TIER_AUDIT`, the actor's user id as
    /// `user_id` when a user acted, the details as attributes.
    public var logRecord: Hexabase_Logs_V1_LogRecord {
        var record = Hexabase_Logs_V1_LogRecord()
        record.id = id
        record.tier = .audit
        record.time = Google_Protobuf_Timestamp(date: time)
        record.level = level
        record.service = service
        record.message = message
        record.requestID = requestID
        record.traceID = traceID
        record.organizationID = organizationID
        record.workspaceID = workspaceID
        record.projectID = projectID
        record.userID = initiatedBy == .user ? actorID : onBehalfOf
        record.actorID = actorID
        record.initiatedBy = initiatedBy.rawValue
        record.onBehalfOf = onBehalfOf
        record.action = action
        record.resource = resource
        record.outcome = outcome.rawValue
        record.sourceAddress = sourceAddress
        record.attributes = SystemLogRecord.limitedAttributes(details.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return record
    }
}
