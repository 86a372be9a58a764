import Foundation
import HTTPClientKit

/// An OAuth 2.0 client's id and secret. Its descriptions and mirror never show the secret, so
/// logging or dumping a provider cannot leak it.
struct ClientCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// How the client authenticates at the token endpoint (RFC 6749 §2.3.1, OIDC Core §9).
    enum Method: String, Sendable {
        /// HTTP Basic with the form-encoded id and secret.
        case clientSecretBasic = "client_secret_basic"
        /// `client_id` and `client_secret` in the form body.
        case clientSecretPost = "client_secret_post"
    }

    let id: String
    let secret: String

    /// The header and body fields that authenticate the client with `method`.
    func authentication(_ method: Method) -> (headers: [String: String], fields: [(name: String, value: String)]) {
        switch method {
        case .clientSecretBasic:
            // RFC 6749 §2.3.1: both parts are form-encoded before the Basic encoding.
            let pair = FormURLEncoding.escape(id) + ":" + FormURLEncoding.escape(secret)
            return (["Authorization": "Basic " + Data(pair.utf8).base64EncodedString()], [])
        case .clientSecretPost:
            return ([:], [("client_id", id), ("client_secret", secret)])
        }
    }

    var description: String { "ClientCredentials(id: \(id), secret: <redacted>)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["id": id, "secret": "<redacted>"]) }
}
