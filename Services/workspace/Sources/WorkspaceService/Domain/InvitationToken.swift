import AuthKit
import Crypto
import Foundation

/// The secret of an invitation: 32 random bytes, base64url. Only its SHA-256 is stored.
enum InvitationToken {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64URL.encode(bytes)
    }

    static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}

/// An invitation mail, as the outbox carries it to the mail relay.
struct InvitationMail: Codable, Sendable, Equatable {
    static let kind = "mail"
    static let topic = "invitation"

    var to: String
    var subject: String
    var text: String
}
