import Contracts
import Foundation
import SwiftProtobuf

/// A person who can sign in.
public struct User: Sendable, Equatable {
    public var id: String
    public var email: String
    public var displayName: String
    public var createdAt: Date
    /// Whether the user proved they own `email` (a mailed link or an upstream provider).
    public var emailVerified: Bool

    public init(id: String, email: String, displayName: String, createdAt: Date, emailVerified: Bool = false) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.createdAt = createdAt
        self.emailVerified = emailVerified
    }

    /// The protobuf form.
    var message: Hexabase_Auth_V1_User {
        var message = Hexabase_Auth_V1_User()
        message.id = id
        message.email = email
        message.displayName = displayName
        message.createTime = Google_Protobuf_Timestamp(date: createdAt)
        message.emailVerified = emailVerified
        return message
    }
}
