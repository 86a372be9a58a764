/// What a successful grant returns (RFC 6749 §5.1, OIDC Core §3.1.3.3).
struct TokenSet: Sendable {
    var accessToken: String
    var expiresIn: Int
    var refreshToken: String?
    var idToken: String?
    var scope: String
}

/// The scopes this provider knows. Unknown scopes are ignored (RFC 6749 §3.3 lets the server
/// grant fewer than asked; the `scope` of the response says which).
enum Scopes {
    static let supported: [String] = ["openid", "profile", "email", "groups", "offline_access"]

    /// The supported scopes among those asked, in a stable order.
    static func granted(from requested: String) -> String {
        let asked = Set(requested.split(separator: " ").map(String.init))
        return supported.filter(asked.contains).joined(separator: " ")
    }

    static func contains(_ scope: String, _ name: String) -> Bool {
        scope.split(separator: " ").contains { $0 == name }
    }
}
