import Foundation

/// A security-relevant event of the auth service (sign-up, login success or failure, …).
/// Never carries a password, token or secret.
public struct AuditEvent: Sendable {
    public enum Outcome: String, Sendable {
        case success
        case failure
    }

    public var action: String
    public var outcome: Outcome
    /// Who acted (a user id), when known.
    public var actorID: String?
    /// What the action was about (e.g. the e-mail tried at login).
    public var subject: String?
    public var sourceAddress: String?
    public var requestID: String?
    public var details: [String: String]

    public init(
        action: String, outcome: Outcome, actorID: String? = nil, subject: String? = nil,
        sourceAddress: String? = nil, requestID: String? = nil, details: [String: String] = [:]
    ) {
        self.action = action
        self.outcome = outcome
        self.actorID = actorID
        self.subject = subject
        self.sourceAddress = sourceAddress
        self.requestID = requestID
        self.details = details
    }

    var detailsJSON: String {
        let data = (try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
