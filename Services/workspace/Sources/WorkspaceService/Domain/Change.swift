import Foundation

/// Who asked for a change and from where (for audit records).
struct Actor: Sendable, Equatable {
    /// A user id, a service client id, or "" for the service's own workers.
    var id: String
    var requestID: String?
    var sourceAddress: String?

    static let worker = Actor(id: "", requestID: nil, sourceAddress: nil)
}

/// One mutation, recorded twice in the transaction that makes it: as an audit record and as
/// an event (`hxb.events.workspace.<entity>.<verb>`) in the outbox.
struct Change: Sendable, Equatable {
    var entity: String
    var verb: String
    var resourceID: String
    var organizationID: String
    var workspaceID: String?
    var actor: Actor
    /// A short machine-readable detail (e.g. a failure reason), also in the event.
    var detail: String = ""
    /// Extra audit details (safe values only: ids, names, roles).
    var details: [String: String] = [:]

    /// The audit action, e.g. `workspace.create`.
    var action: String {
        let verbs = ["created": "create", "updated": "update", "deleted": "delete"]
        return "\(entity).\(verbs[verb] ?? verb)"
    }

    /// The event subject.
    var subject: String { "hxb.events.workspace.\(entity).\(verb)" }
}
