import Foundation

/// Which URLs may point at an identity provider: `https` always; plain `http` only on the
/// loopback interface (`127.0.0.1`, `localhost`, `[::1]`), for local providers and tests.
/// Tokens and client secrets must never cross a network in clear text.
enum UpstreamURL {
    /// True when `text` is an absolute URL with a host, no fragment, and an allowed scheme.
    static func isAcceptable(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty, components.fragment == nil, components.user == nil
        else { return false }
        switch scheme {
        case "https": return true
        case "http": return isLoopback(host)
        default: return false
        }
    }

    /// True when `text` is acceptable and has no query string (an issuer or a base URL).
    static func isAcceptableBase(_ text: String) -> Bool {
        isAcceptable(text) && URLComponents(string: text)?.query == nil
    }

    /// `base` without trailing slashes, joined with `path` (which starts with `/`).
    static func join(_ base: String, _ path: String) -> String {
        var trimmed = Substring(base)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed + path
    }

    private static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
    }
}
