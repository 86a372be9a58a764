import Foundation
import HTTPClientKit
import ServiceKit

/// Cookies, CSRF and sign-in for the browser flows.
extension OIDCProvider {
    static let sessionCookie = "hxb_session"
    static let csrfCookie = "hxb_csrf"

    /// The signed-in browser session, if its cookie names a live one.
    func browserSession(_ exchange: HTTPExchange) async throws -> (Session, User)? {
        guard let token = exchange.cookie(Self.sessionCookie), token.hasPrefix(OpaqueToken.browserPrefix + "_"), token.utf8.count < 100 else { return nil }
        return try await store.activeBrowserSession(tokenHash: OpaqueToken.hash(token))
    }

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        var cookie = "\(name)=\(value); Path=/oauth2; HttpOnly; SameSite=Lax"
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        if settings.secureCookies { cookie += "; Secure" }
        return cookie
    }

    /// The CSRF token of this browser (from its cookie) or a new one with the cookie to set.
    func csrfToken(_ exchange: HTTPExchange) -> (token: String, setCookie: [String]) {
        if let existing = exchange.cookie(Self.csrfCookie), existing.utf8.count >= 32, existing.utf8.count < 100 { return (existing, []) }
        let token = OpaqueToken.generate(prefix: "csrf")
        return (token, [cookie(Self.csrfCookie, token)])
    }

    /// A form post must carry the browser's CSRF cookie value as its `csrf` field, and, when
    /// the browser sends `Origin`, come from the issuer's origin.
    func checkCSRF(_ exchange: HTTPExchange) -> Bool {
        if let requestOrigin = exchange.header("origin"), requestOrigin != Self.origin(of: issuer) {
            return false
        }
        guard let cookie = exchange.cookie(Self.csrfCookie), let field = exchange.form["csrf"] else { return false }
        return ConstantTime.equal(cookie, field)
    }

    /// `scheme://host[:port]` of a URL, as browsers send it in `Origin`.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// A local path to return to after sign-in; anything else (another host, a scheme,
    /// `//host`, backslashes) falls back to the account page: no open redirects.
    static func safeReturnPath(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/oauth2/"), !candidate.hasPrefix("//"), !candidate.contains("\\"),
              !candidate.contains("\r"), !candidate.contains("\n"), candidate.utf8.count <= 4_096,
              !candidate.hasPrefix("/oauth2/login"), !candidate.hasPrefix("/oauth2/federated/")
        else { return "/oauth2/account" }
        return candidate
    }

    var federatedChoices: [(id: String, name: String)] { upstream.map { ($0.id, $0.displayName) } }

    func loginPage(_ exchange: HTTPExchange, returnTo: String, email: String, error: String?, status: Int = 200) -> HTTPReply {
        let (csrf, setCookie) = csrfToken(exchange)
        return .html(
            Pages.login(email: email, returnTo: Self.safeReturnPath(returnTo), csrf: csrf, error: error, providers: federatedChoices),
            status: status, cookies: setCookie
        )
    }

    func loginSubmit(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        let returnTo = Self.safeReturnPath(exchange.form["return_to"])
        let email = exchange.form["email"] ?? ""
        guard checkCSRF(exchange) else {
            return loginPage(exchange, returnTo: returnTo, email: email, error: "Your sign-in form expired. Please try again.", status: 403)
        }
        let user: User
        do {
            user = try await accounts.authenticate(email: email, password: exchange.form["password"] ?? "", origin: origin)
        } catch let error as ServiceError where error.code == .unauthenticated || error.code == .rateLimited {
            var reply = loginPage(exchange, returnTo: returnTo, email: email, error: error.message, status: error.code.status)
            if let seconds = error.retryAfterSeconds { reply = reply.withHeader("Retry-After", String(seconds)) }
            return reply
        }
        return try await signIn(user, method: .password, returnTo: returnTo, origin: origin)
    }

    /// Starts a browser session for `user` and sends the browser on to `returnTo`.
    func signIn(_ user: User, method: Session.Method, returnTo: String, origin: RequestOrigin) async throws -> HTTPReply {
        let (session, browserToken) = try await sessions.start(user: user, method: method, origin: origin, browser: true)
        await sessions.audit.record(AuditEvent(action: "auth.login", outcome: .success, actorID: user.id, subject: user.email, details: ["session_id": session.id, "method": method.rawValue]), origin)
        return .redirect(
            Self.safeReturnPath(returnTo), status: 303,
            cookies: [cookie(Self.sessionCookie, browserToken ?? "", maxAge: Int(session.expiresAt.timeIntervalSinceNow))]
        )
    }

    /// GET shows a confirmation; POST (with CSRF) revokes the browser session and clears the
    /// cookie. A registered `post_logout_redirect_uri` of the `client_id` is honoured.
    func logout(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        let redirect = try await postLogoutRedirect(exchange)
        if exchange.method == "GET" {
            let (csrf, setCookie) = csrfToken(exchange)
            var fields: [(String, String)] = []
            if let redirect { fields = [("post_logout_redirect_uri", redirect.uri), ("client_id", redirect.clientID), ("state", exchange.query["state"] ?? "")] }
            return .html(Pages.confirm(title: "Sign out", text: "Sign out of Hexabase on this browser?", action: "/oauth2/logout", button: "Sign out", csrf: csrf, fields: fields), cookies: setCookie)
        }
        guard checkCSRF(exchange) else { return .html(Pages.message(title: "Sign out", "Your form expired. Please try again."), status: 403) }
        if let (session, user) = try await browserSession(exchange), try await store.revokeSession(id: session.id, userID: user.id, reason: "logout") {
            await sessions.audit.record(AuditEvent(action: "auth.logout", outcome: .success, actorID: user.id, subject: session.id), origin)
        }
        let clear = cookie(Self.sessionCookie, "", maxAge: 0)
        if let redirect {
            let state = exchange.form["state"].flatMap { $0.isEmpty ? nil : [(name: "state", value: $0)] } ?? []
            return .redirect(FormURLEncoding.appending(state, to: redirect.uri), status: 303, cookies: [clear])
        }
        return .html(Pages.message(title: "Signed out", "You are signed out of Hexabase on this browser."), cookies: [clear])
    }

    private func postLogoutRedirect(_ exchange: HTTPExchange) async throws -> (uri: String, clientID: String)? {
        guard let uri = exchange.parameter("post_logout_redirect_uri"), let clientID = exchange.parameter("client_id"),
              let client = try await clients.client(id: clientID), client.allowsRedirect(to: uri)
        else { return nil }
        return (uri, clientID)
    }

    /// A small landing page for a signed-in browser (after a reset or a direct sign-in).
    func accountPage(_ exchange: HTTPExchange) async throws -> HTTPReply {
        guard let (_, user) = try await browserSession(exchange) else {
            return loginPage(exchange, returnTo: "/oauth2/account", email: "", error: nil)
        }
        return .html(Pages.message(title: "Signed in", "You are signed in as \(user.email)."))
    }
}
