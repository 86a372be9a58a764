import Foundation
import ServiceStore

/// A security-relevant event of the auth service (sign-up, login success or failure, …).
/// Never carries a password, token or secret.
public struct AuditEvent: Sendable {
    public enum Outcome: String, Sendable {
        case success
        case failure
    }

    public var action: String
    public var outcome: Outcome
    /// Who acted (a user id, or a service's client id), when known.
    public var actorID: String?
    /// A person (the default), or a service identity or the auth service itself.
    public var initiatedBy: AuditRecord.Initiator
    /// What the action was about (e.g. the e-mail tried at login).
    public var subject: String?
    public var sourceAddress: String?
    public var requestID: String?
    public var details: [String: String]

    public init(
        action: String, outcome: Outcome, actorID: String? = nil, initiatedBy: AuditRecord.Initiator = .user, subject: String? = nil,
        sourceAddress: String? = nil, requestID: String? = nil, details: [String: String] = [:]
    ) {
        self.action = action
        self.outcome = outcome
        self.actorID = actorID
        self.initiatedBy = initiatedBy
        self.subject = subject
        self.sourceAddress = sourceAddress
        self.requestID = requestID
        self.details = details
    }

    /// What the event was about, as an audit resource: `sessions/…`, `clients/…`, `keys/…`,
    /// `refresh_token_families/…`, or for account events `users/usr-…` (`users` when the account
    /// is unknown, e.g. a failed login).
    var resource: String {
        let (collection, id): (String, String?)
        switch action {
        case "auth.session.revoke", "auth.logout": (collection, id) = ("sessions", subject)
        case "auth.token.issue", "auth.code.reuse_detected": (collection, id) = ("clients", subject)
        case _ where action.hasPrefix("auth.client.") || action.hasPrefix("auth.device."): (collection, id) = ("clients", subject)
        case "auth.key.rotate": (collection, id) = ("keys", subject)
        case "auth.refresh_token.revoke": (collection, id) = ("refresh_token_families", subject)
        default: (collection, id) = ("users", actorID)
        }
        return id.flatMap { $0.isEmpty ? nil : "\(collection)/\($0)" } ?? collection
    }

    var detailsJSON: String {
        let data = (try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
