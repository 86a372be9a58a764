import Foundation
import ServiceKit

/// The device authorization grant (RFC 8628): a CLI or headless client shows a short code,
/// the user approves it in a browser at `/oauth2/device`, the client polls the token endpoint.
extension OIDCProvider {
    /// Letters without vowels (no words) and without look-alikes (RFC 8628 §6.1).
    static let userCodeAlphabet = Array("BCDFGHJKLMNPQRSTVWXZ")

    func deviceAuthorization(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        do {
            let client = try await authenticateClient(exchange)
            guard client.grantTypes.contains(.deviceCode) else { throw OAuthError.unauthorizedClient("This client may not use the device flow.") }
            let deviceCode = OpaqueToken.generate(prefix: OpaqueToken.devicePrefix)
            let userCode = Self.makeUserCode()
            let lifetime = Int(settings.deviceCodeLifetime.components.seconds)
            try await store.insertDeviceAuthorization(
                deviceCodeHash: OpaqueToken.hash(deviceCode),
                DeviceAuthorization(
                    userCode: userCode, clientID: client.id, scope: Scopes.granted(from: exchange.form["scope"] ?? ""),
                    status: .pending, pollInterval: settings.devicePollInterval,
                    expiresAt: Date().addingTimeInterval(TimeInterval(lifetime))
                )
            )
            let display = Self.displayUserCode(userCode)
            return .json([
                "device_code": deviceCode, "user_code": display,
                "verification_uri": issuer + "/oauth2/device",
                "verification_uri_complete": issuer + "/oauth2/device?user_code=" + display,
                "expires_in": lifetime, "interval": settings.devicePollInterval,
            ])
        } catch let error as OAuthError {
            return .oauthError(error, basicAuthUsed: exchange.basicCredentials != nil)
        }
    }

    func redeemDeviceCode(_ exchange: HTTPExchange, client: OAuthClient, origin: RequestOrigin) async throws -> TokenSet {
        guard let deviceCode = exchange.form["device_code"], deviceCode.utf8.count < 200 else { throw OAuthError.invalidRequest("device_code is required.") }
        switch try await store.pollDeviceAuthorization(deviceCodeHash: OpaqueToken.hash(deviceCode), clientID: client.id) {
        case .pending: throw OAuthError("authorization_pending", "The user has not approved the request yet.")
        case .slowDown: throw OAuthError("slow_down", "Polling too fast; wait 5 seconds more between requests.")
        case .denied: throw OAuthError("access_denied", "The user denied the request.")
        case .expired: throw OAuthError("expired_token", "The device code expired; start again.")
        case .invalid: throw OAuthError.invalidGrant("The device code is invalid or already used.")
        case .approved(let authorization):
            guard let sessionID = authorization.sessionID, let userID = authorization.userID, let user = try await store.user(id: userID),
                  let authTime = try await store.sessionCreatedAt(id: sessionID)
            else { throw OAuthError.invalidGrant("The device code is invalid or already used.") }
            let tokens = try await sessions.issue(user: user, sessionID: sessionID, authTime: authTime, client: client, scope: authorization.scope, nonce: nil)
            await sessions.audit.record(AuditEvent(action: "auth.token.issue", outcome: .success, actorID: user.id, subject: client.id, details: ["grant_type": "device_code", "session_id": sessionID]), origin)
            return tokens
        }
    }

    /// The verification page: enter the code, sign in, then allow or deny.
    func devicePage(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        let (csrf, setCookie) = csrfToken(exchange)
        let entered = exchange.parameter("user_code").map(Self.normalizeUserCode)
        guard let (session, user) = try await browserSession(exchange) else {
            let returnTo = "/oauth2/device" + (entered.map { "?user_code=" + $0 } ?? "")
            return loginPage(exchange, returnTo: returnTo, email: "", error: nil)
        }
        guard let userCode = entered, !userCode.isEmpty else { return .html(Pages.deviceEntry(csrf: csrf, error: nil), cookies: setCookie) }
        let throttleKey = LoginThrottle.deviceKey(sessionID: session.id)
        if let wait = accounts.throttle.retryAfter(try await store.throttleCounters(keys: [throttleKey]), now: Date()) {
            return HTTPReply.html(Pages.deviceEntry(csrf: csrf, error: "Too many wrong codes. Try again later."), status: 429, cookies: setCookie)
                .withHeader("Retry-After", String(wait.components.seconds))
        }
        guard let pending = try await store.pendingDeviceAuthorization(userCode: userCode), let client = try await clients.client(id: pending.clientID) else {
            try await store.recordLoginFailure(keys: [throttleKey], window: accounts.throttle.window)
            await sessions.audit.record(AuditEvent(action: "auth.device.code", outcome: .failure, actorID: user.id, details: ["reason": "unknown_code"]), origin)
            return .html(Pages.deviceEntry(csrf: csrf, error: "That code is unknown or has expired. Check your device and try again."), status: 400, cookies: setCookie)
        }
        if exchange.method == "GET" {
            return .html(Pages.deviceConfirm(userCode: Self.displayUserCode(userCode), clientName: client.name, email: user.email, csrf: csrf), cookies: setCookie)
        }
        guard checkCSRF(exchange) else { return .html(Pages.message(title: "Connect a device", "Your form expired. Please try again."), status: 403) }
        let approve = exchange.form["action"] == "approve"
        guard try await store.decideDeviceAuthorization(userCode: userCode, approve: approve, sessionID: session.id) else {
            return .html(Pages.deviceEntry(csrf: csrf, error: "That code is unknown or has expired."), status: 400)
        }
        await sessions.audit.record(AuditEvent(action: "auth.device.\(approve ? "approve" : "deny")", outcome: .success, actorID: user.id, subject: client.id), origin)
        return .html(approve
            ? Pages.message(title: "Device connected", "You can return to your device; it is signed in as \(user.email).")
            : Pages.message(title: "Request denied", "The device was not given access."))
    }

    static func makeUserCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in userCodeAlphabet[Int(generator.next(upperBound: UInt32(userCodeAlphabet.count)))] })
    }

    /// `BCDF-GHJK` for people; stored without the dash.
    static func displayUserCode(_ code: String) -> String {
        code.count == 8 ? String(code.prefix(4)) + "-" + String(code.suffix(4)) : code
    }

    /// Upper-cased, dashes and spaces removed, so `bcdf ghjk` matches.
    static func normalizeUserCode(_ text: String) -> String {
        String(text.uppercased().filter { $0.isLetter }.prefix(16))
    }
}
