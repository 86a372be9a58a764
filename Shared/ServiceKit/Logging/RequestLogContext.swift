import Logging
import Synchronization

/// What a request learns about its caller and its tenant while it runs, attached to every log
/// line written during it: `user_id` (or `client_id` for a service caller), `organization_id`,
/// `workspace_id`, `project_id`.
///
/// The RPC server binds a fresh one to each request's task (``current``);
/// ``RequestContext/identity()`` fills the caller once the token verified, and handlers tag the
/// tenant once they know it (``tagTenant(organizationID:workspaceID:projectID:)``). Loggers read
/// it through ``metadataProvider`` (installed by ``ProcessMain/bootstrap(service:level:)``), so
/// lines written before the facts were known simply lack them.
public final class RequestLogContext: Sendable {
    /// The context of the request this task works for; nil outside a request.
    @TaskLocal public static var current: RequestLogContext?

    /// Reads ``current`` into every log line's metadata.
    public static let metadataProvider = Logger.MetadataProvider { current?.metadata ?? [:] }

    private let fields = Mutex(Logger.Metadata())

    /// An empty context.
    public init() {}

    /// Records the verified caller: a user's id as `user_id`, a service's client id as `client_id`.
    public func identify(_ identity: Identity) {
        let key = identity.kind == .user ? LogMetadataKey.userID : LogMetadataKey.clientID
        fields.withLock { $0[key] = .string(identity.subject) }
    }

    /// Tags the request's tenant; a nil or empty id leaves that tag as it was. Only ids the
    /// service verified belong here (an authorized resource's placement), never a request body's.
    public func tagTenant(organizationID: String? = nil, workspaceID: String? = nil, projectID: String? = nil) {
        let tags = [
            (LogMetadataKey.organizationID, organizationID), (LogMetadataKey.workspaceID, workspaceID),
            (LogMetadataKey.projectID, projectID),
        ].compactMap { key, value in value.flatMap { $0.isEmpty ? nil : (key, $0) } }
        guard !tags.isEmpty else { return }
        fields.withLock { fields in
            for (key, value) in tags { fields[key] = .string(value) }
        }
    }

    /// The tags so far, as log metadata.
    public var metadata: Logger.Metadata {
        fields.withLock { $0 }
    }
}

/// The metadata keys with a meaning beyond the line they are on: the log shipper turns them
/// into fields of the shipped record instead of attributes.
public enum LogMetadataKey {
    /// `Hxb-Request-Id` of the request (set by the RPC server).
    public static let requestID = "request_id"
    /// The W3C trace id of the request (set by the RPC server).
    public static let traceID = "trace_id"
    /// The signed-in user of the request.
    public static let userID = "user_id"
    /// The service client calling, when a service (client credentials) is the caller.
    public static let clientID = "client_id"
    public static let organizationID = "organization_id"
    public static let workspaceID = "workspace_id"
    public static let projectID = "project_id"
    /// The process's service name (``ProcessMain/bootstrap(service:level:)`` sets it).
    public static let service = "service"
}
