import Foundation

/// One sign-in of a user from one device. Refresh tokens, authorization codes and device
/// grants belong to a session; revoking it ends them all.
public struct Session: Sendable, Equatable {
    /// How the user proved who they are.
    public enum Method: String, Sendable {
        case password
        case federated
    }

    public var id: String
    public var userID: String
    public var method: Method
    public var createdAt: Date
    public var lastUsedAt: Date
    public var expiresAt: Date
    public var sourceAddress: String?
    public var userAgent: String?
}

/// Where a sign-in comes from, for the session row and the audit trail.
public struct SignInOrigin: Sendable, Equatable {
    public var sourceAddress: String?
    public var userAgent: String?

    public init(sourceAddress: String?, userAgent: String?) {
        self.sourceAddress = sourceAddress
        self.userAgent = userAgent.map { String($0.prefix(512)) }
    }
}
