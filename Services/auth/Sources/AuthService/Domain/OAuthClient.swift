import Foundation

/// A client of the OIDC provider.
public struct OAuthClient: Sendable, Equatable {
    /// `public` clients (browsers, CLIs, kubelogin) hold no secret and must use PKCE.
    public enum Kind: String, Sendable {
        case `public`
        case confidential
    }

    /// The grants a client may use (RFC 6749, RFC 8628).
    public enum GrantType: String, Sendable, CaseIterable {
        case authorizationCode = "authorization_code"
        case refreshToken = "refresh_token"
        case clientCredentials = "client_credentials"
        case deviceCode = "urn:ietf:params:oauth:grant-type:device_code"
    }

    public var id: String
    public var name: String
    public var kind: Kind
    public var redirectURIs: [String]
    public var grantTypes: Set<GrantType>
    /// For a workspace's vCluster client: whose groups its ID tokens carry.
    public var workspaceID: String?
    public var createdAt: Date

    /// Whether `uri` is one of this client's redirect URIs: compared exactly, except that a
    /// public client's loopback URI (`http://localhost`, `http://127.0.0.1`, `http://[::1]`)
    /// matches the same URI on any port (RFC 8252 §7.3: native apps listen on a port the OS
    /// gives them).
    public func allowsRedirect(to uri: String) -> Bool {
        if redirectURIs.contains(uri) { return true }
        guard kind == .public, let presented = Self.loopbackWithoutPort(uri) else { return false }
        return redirectURIs.contains { Self.loopbackWithoutPort($0) == presented }
    }

    /// `uri` without its port when it is an `http` loopback URI; nil otherwise.
    static func loopbackWithoutPort(_ uri: String) -> String? {
        guard var components = URLComponents(string: uri), components.scheme == "http",
              let host = components.host, ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host),
              components.user == nil, components.password == nil, components.fragment == nil
        else { return nil }
        components.port = nil
        return components.string
    }

    /// Checks a redirect URI given at registration: absolute, no fragment, `https` except for
    /// loopback `http` and private-use schemes of native apps (`com.example.app:/cb`).
    public static func validateRedirectURI(_ uri: String) -> String? {
        guard uri.utf8.count <= 2_000, let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased() else {
            return "must be an absolute URI"
        }
        if components.fragment != nil { return "must not have a fragment" }
        switch scheme {
        case "https":
            return components.host?.isEmpty == false ? nil : "must have a host"
        case "http":
            return loopbackWithoutPort(uri) != nil ? nil : "must use https (http is allowed only for localhost and loopback addresses)"
        case "javascript", "data", "file", "vbscript":
            return "must not use the \(scheme) scheme"
        default:
            return scheme.contains(".") ? nil : "must use https, loopback http or a private-use scheme (reverse domain name)"
        }
    }
}
