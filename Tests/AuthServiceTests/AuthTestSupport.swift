import AuthService
import Contracts
import Foundation
import ServiceKit
import Synchronization
import SwiftProtobuf
import Testing
import TestSupport

/// Mails the service sent, for tests to read links from.
final class CapturedMail: MailSender, Sendable {
    private let mails = Mutex<[OutgoingMail]>([])

    func send(_ mail: OutgoingMail) async throws {
        mails.withLock { $0.append(mail) }
    }

    var all: [OutgoingMail] { mails.withLock { $0 } }

    /// Waits for a mail of `template` to `to` and returns the token of its link.
    func token(_ template: String, to: String) async throws -> String {
        var token: String?
        try await waitUntil("a \(template) mail to \(to)") {
            token = all.last { $0.template == template && $0.to == to }.flatMap { mail in
                mail.text.range(of: "token=").map { String(mail.text[$0.upperBound...].prefix { !$0.isWhitespace }) }
            }
            return token != nil
        }
        return token!
    }
}

extension RPCClient {
    /// A typed call with an optional bearer token, for brevity in tests.
    func auth<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, _ request: Request, as: Response.Type = Response.self, token: String? = nil
    ) async throws(ServiceError) -> Response {
        try await call("hxb.auth.v1.\(method)", request, as: Response.self, metadata: token.map { .bearer($0) } ?? CallMetadata())
    }
}
