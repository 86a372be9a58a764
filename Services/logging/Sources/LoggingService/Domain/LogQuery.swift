import Contracts
import Foundation

/// Whose records a query may read: decided by the service from the verified identity (via
/// workspace's CheckAccess), never taken from the request as is.
public enum LogScope: Sendable, Equatable {
    /// Every record of the tier (platform admins, system logs).
    case platform
    /// The records of one organization.
    case organization(String)
    /// The records of one workspace.
    case workspace(String)
    /// The records of one project, inside the workspace it belongs to.
    case project(workspace: String, project: String)
}

/// Where a page of a newest-first query resumes: strictly older than this record.
public struct LogCursor: Sendable, Equatable {
    public var time: Date
    public var sequence: Int64

    public init(time: Date, sequence: Int64) {
        self.time = time
        self.sequence = sequence
    }
}

/// A validated query of one tier. Every field is a value to bind, never SQL.
public struct LogQuery: Sendable, Equatable {
    public var tier: Hexabase_Logs_V1_Tier
    public var scope: LogScope
    /// [since, until)
    public var since: Date?
    public var until: Date?
    /// This level and above.
    public var minimumLevel: LogLevel?
    public var service: String?
    public var resource: String?
    public var actorID: String?
    public var action: String?
    public var outcome: String?
    public var requestID: String?
    /// Words that must all appear in the message.
    public var text: String?
    /// Records per page (the store returns at most this many).
    public var limit: Int
    /// Newest-first paging: only records older than this.
    public var before: LogCursor?

    public init(
        tier: Hexabase_Logs_V1_Tier, scope: LogScope, since: Date? = nil, until: Date? = nil, minimumLevel: LogLevel? = nil,
        service: String? = nil, resource: String? = nil, actorID: String? = nil, action: String? = nil, outcome: String? = nil,
        requestID: String? = nil, text: String? = nil, limit: Int = 100, before: LogCursor? = nil
    ) {
        self.tier = tier
        self.scope = scope
        self.since = since
        self.until = until
        self.minimumLevel = minimumLevel
        self.service = service
        self.resource = resource
        self.actorID = actorID
        self.action = action
        self.outcome = outcome
        self.requestID = requestID
        self.text = text
        self.limit = limit
        self.before = before
    }
}
