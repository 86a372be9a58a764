import AuthKit
import Crypto
import Foundation
import ServiceKit
import Store

/// Sign-in through an upstream provider: `/oauth2/federated/<id>` sends the browser there
/// (with `state`, `nonce` and PKCE), `/oauth2/federated/<id>/callback` verifies the answer,
/// then finds, links or creates the user and starts a browser session.
///
/// The `state` is also kept in a cookie of the browser that started, and the callback must
/// come from that browser (RFC 6749 §10.12): else an attacker could send a victim their own
/// callback link and sign the victim into the attacker's account (login CSRF).
extension OIDCProvider {
    static let federationCookie = "hxb_federation"

    func federated(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        let rest = exchange.path.dropFirst("/oauth2/federated/".count).split(separator: "/", omittingEmptySubsequences: false)
        guard let id = rest.first.map(String.init), let provider = upstream.first(where: { $0.id == id }), rest.count <= 2 else {
            return .html(Pages.message(title: "Sign in", "No such sign-in provider."), status: 404)
        }
        let redirectURI = issuer + "/oauth2/federated/" + id + "/callback"
        if rest.count == 1 {
            let state = OpaqueToken.generate(prefix: OpaqueToken.statePrefix)
            let nonce = OpaqueToken.generate(prefix: "n")
            let verifier = OpaqueToken.generate(prefix: "v")
            let challenge = Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
            try await store.insertFederationState(
                hash: OpaqueToken.hash(state), provider: id, nonce: nonce, codeVerifier: verifier,
                returnTo: Self.safeReturnPath(exchange.query["return_to"]),
                expiresAt: Date().addingTimeInterval(settings.federationStateLifetime.timeInterval)
            )
            return .redirect(
                try await provider.authorizationURL(redirectURI: redirectURI, state: state, nonce: nonce, codeChallenge: challenge),
                cookies: [cookie(Self.federationCookie, state, maxAge: Int(settings.federationStateLifetime.components.seconds))]
            )
        }
        guard rest[1] == "callback" else { return .html(Pages.message(title: "Sign in", "No such page."), status: 404) }
        let clearBinding = cookie(Self.federationCookie, "", maxAge: 0)
        let failed = { (text: String) in HTTPReply.html(Pages.message(title: "Sign-in failed", text), status: 400, cookies: [clearBinding]) }
        guard let state = exchange.query["state"], state.utf8.count < 200,
              let bound = exchange.cookie(Self.federationCookie), ConstantTime.equal(bound, state),
              let saved = try await store.takeFederationState(hash: OpaqueToken.hash(state), provider: id)
        else { return failed("The sign-in attempt is unknown or expired, or was started in another browser. Please start again.") }
        if exchange.query["error"] != nil {
            await sessions.audit.record(AuditEvent(action: "auth.login", outcome: .failure, details: ["provider": id, "reason": "upstream_error"]), origin)
            return failed("\(provider.displayName) did not sign you in.")
        }
        guard let code = exchange.query["code"], code.utf8.count < 4_096 else { return failed("The answer of \(provider.displayName) has no code.") }
        let identity: UpstreamIdentity
        do {
            identity = try await provider.complete(code: code, redirectURI: redirectURI, codeVerifier: saved.codeVerifier, nonce: saved.nonce)
        } catch {
            origin.logger.warning("upstream sign-in failed", metadata: ["provider": "\(id)", "error": "\(error)"])
            await sessions.audit.record(AuditEvent(action: "auth.login", outcome: .failure, details: ["provider": id, "reason": "upstream_rejected"]), origin)
            return failed("\(provider.displayName) could not confirm who you are.")
        }
        guard identity.emailVerified, let email = try? CredentialRules.normalizedEmail(identity.email ?? "") else {
            await sessions.audit.record(AuditEvent(action: "auth.login", outcome: .failure, subject: identity.email, details: ["provider": id, "reason": "email_not_verified"]), origin)
            return failed("\(provider.displayName) has no verified e-mail address for you.")
        }
        let user = try await federatedUser(identity, email: email, origin: origin)
        var reply = try await signIn(user, method: .federated, returnTo: saved.returnTo, origin: origin)
        reply.headers.append(("Set-Cookie", clearBinding))
        return reply
    }

    /// The user linked to `identity`; else the user with the same (verified) e-mail, now
    /// linked; else a new user. Never a duplicate: e-mails are unique.
    func federatedUser(_ identity: UpstreamIdentity, email: String, origin: RequestOrigin) async throws -> User {
        if let linked = try await store.linkedUser(provider: identity.providerID, subject: identity.subject) { return linked }
        for _ in 0..<2 {
            if let existing = try await store.user(email: email) {
                let dropped = try await store.pool.transaction { connection in
                    try await store.linkIdentity(provider: identity.providerID, subject: identity.subject, email: email, userID: existing.id, on: connection)
                    let dropped = try await store.dropUnprovenCredentials(userID: existing.id, on: connection)
                    _ = try await store.markEmailVerified(userID: existing.id, email: email, on: connection)
                    return dropped
                }
                await sessions.audit.record(AuditEvent(
                    action: "auth.identity.link", outcome: .success, actorID: existing.id, subject: email,
                    details: ["provider": identity.providerID, "unproven_credentials_dropped": String(dropped)]
                ), origin)
                return try await store.user(id: existing.id) ?? existing
            }
            let user = User(
                id: PrefixedID.make("usr"), email: email, displayName: String((identity.name ?? "").prefix(200)),
                createdAt: AuthClock.now(), emailVerified: true
            )
            do {
                try await store.pool.transaction { connection in
                    try await store.createUser(user, passwordHash: nil, announcements: [try AccountService.userCreated(user, method: identity.providerID)], on: connection)
                    try await store.linkIdentity(provider: identity.providerID, subject: identity.subject, email: email, userID: user.id, on: connection)
                }
                await sessions.audit.record(AuditEvent(action: "auth.signup", outcome: .success, actorID: user.id, subject: email, details: ["provider": identity.providerID]), origin)
                return user
            } catch let error as DatabaseError where error.code == .uniqueViolation {
                continue  // Another sign-in created the user meanwhile: link to it.
            }
        }
        throw ServiceError(.conflict, "The account changed during sign-in; please try again.")
    }
}
