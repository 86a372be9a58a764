import Foundation
import ServiceStore

/// Who asked for a change and from where (for audit records).
struct Actor: Sendable, Equatable {
    /// A user id, a service client id, or "" for the service's own workers.
    var id: String
    var requestID: String?
    var sourceAddress: String?
    var traceID: String?
    /// A person, or a service identity or the service's own workers.
    var initiatedBy: AuditRecord.Initiator

    init(id: String, requestID: String?, sourceAddress: String?, traceID: String? = nil, initiatedBy: AuditRecord.Initiator = .user) {
        self.id = id
        self.requestID = requestID
        self.sourceAddress = sourceAddress
        self.traceID = traceID
        self.initiatedBy = initiatedBy
    }

    static let worker = Actor(id: "", requestID: nil, sourceAddress: nil, initiatedBy: .service)
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

    /// A failure for a task that gave up (`failed`), a success for everything else.
    var outcome: AuditRecord.Outcome { verb == "failed" ? .failure : .success }

    /// What was changed, as an audit resource: `organizations/org-…`, `workspaces/ws-…`,
    /// `projects/prj-…`, or a child of the workspace (or else the organization), e.g.
    /// `workspaces/ws-…/groups/grp-…`, `organizations/org-…/members/usr-…`.
    var resource: String {
        switch entity {
        case "organization", "workspace", "project": return "\(entity)s/\(resourceID)"
        default:
            let parent = workspaceID.map { "workspaces/\($0)" } ?? "organizations/\(organizationID)"
            let collection = ["workspace_member": "members", "group_member": "groups"][entity] ?? entity + "s"
            return "\(parent)/\(collection)/\(resourceID)"
        }
    }
}
