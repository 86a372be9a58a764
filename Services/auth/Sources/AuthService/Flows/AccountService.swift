import Contracts
import Foundation
import Logging
import ServiceKit
import ServiceStore
import Store

/// Local accounts: sign-up, password sign-in (throttled, with equal cost for unknown e-mails),
/// password change and reset, e-mail verification. Mails and the sign-up event leave through
/// the outbox in the same transaction as the change.
struct AccountService: Sendable {
    let store: AuthStore
    let hasher: PasswordHasher
    let decoyHash: String
    let throttle: LoginThrottle
    let audit: AuditTrail
    /// The public base URL for links in mails (the issuer).
    let publicURL: String
    let resetLinkLifetime: Duration = .seconds(1_800)
    let verificationLinkLifetime: Duration = .seconds(86_400 * 3)

    static let userCreatedSubject = "hxb.events.auth.user.created"

    /// Creates a local account and queues its `user.created` event and verification mail.
    func signUp(email rawEmail: String, password: String, displayName rawName: String, origin: RequestOrigin) async throws -> User {
        let email = try CredentialRules.normalizedEmail(rawEmail)
        try CredentialRules.checkPassword(password, email: email)
        let displayName = try CredentialRules.displayName(rawName)
        let user = User(id: PrefixedID.make("usr"), email: email, displayName: displayName, createdAt: AuthClock.now())
        let hash = try await hasher.hash(password)
        do {
            try await store.createUser(user, passwordHash: hash, announcements: [try Self.userCreated(user, method: "password")])
        } catch let error as DatabaseError where error.code == .uniqueViolation {
            await audit.record(AuditEvent(action: "auth.signup", outcome: .failure, subject: email, details: ["reason": "email_taken"]), origin)
            throw ServiceError.invalidField("email", "an account with this e-mail address already exists", code: .conflict)
        }
        await audit.record(AuditEvent(action: "auth.signup", outcome: .success, actorID: user.id, subject: email), origin)
        try await sendVerification(to: user, origin: origin)
        origin.logger.info("user signed up", metadata: ["user_id": "\(user.id)"])
        return user
    }

    /// The user whose e-mail and password match. Refused with 429 while the account or the
    /// address is over its failure limit; an unknown e-mail costs the same hash as a wrong
    /// password, and both give the same 401.
    func authenticate(email rawEmail: String, password: String, origin: RequestOrigin) async throws -> User {
        let refused = ServiceError(.unauthenticated, "Invalid e-mail or password.")
        guard let email = try? CredentialRules.normalizedEmail(rawEmail), !password.isEmpty,
              password.count <= CredentialRules.maximumPasswordLength
        else { throw refused }
        let keys = LoginThrottle.keys(email: email, address: origin.sourceAddress)
        if let wait = throttle.retryAfter(try await store.throttleCounters(keys: keys), now: Date()) {
            await audit.record(AuditEvent(action: "auth.login", outcome: .failure, subject: email, details: ["reason": "throttled"]), origin)
            throw ServiceError(
                .rateLimited, "Too many failed sign-in attempts; try again later.",
                retryAfterSeconds: Int(wait.components.seconds)
            )
        }
        let found = try await store.userWithPasswordHash(email: email)
        let matches = await hasher.verify(password, against: found?.1 ?? decoyHash)
        guard let (user, hash) = found, hash != nil, matches else {
            try await store.recordLoginFailure(keys: keys, window: throttle.window)
            await audit.record(AuditEvent(action: "auth.login", outcome: .failure, actorID: found?.0.id, subject: email, details: ["reason": "bad_credentials"]), origin)
            throw refused
        }
        try await store.clearLoginFailures(key: keys[0])
        return user
    }

    /// Changes the password of `userID` after checking the current one; revokes every other
    /// session of the user.
    func changePassword(userID: String, sessionID: String?, current: String, new: String, origin: RequestOrigin) async throws {
        guard let (user, hash) = try await store.userWithPasswordHash(id: userID) else {
            throw ServiceError(.unauthenticated, "The access token is invalid or expired.")
        }
        guard let hash, await hasher.verify(current, against: hash) else {
            await audit.record(AuditEvent(action: "auth.password.change", outcome: .failure, actorID: userID, details: ["reason": "bad_current_password"]), origin)
            throw ServiceError.invalidField("current_password", "is not the account's password", code: .unprocessableEntity)
        }
        try CredentialRules.checkPassword(new, email: user.email)
        let newHash = try await hasher.hash(new)
        let revoked = try await store.pool.transaction { try await store.setPassword(userID: userID, hash: newHash, keepingSession: sessionID, on: $0) }
        await audit.record(AuditEvent(action: "auth.password.change", outcome: .success, actorID: userID, details: ["sessions_revoked": "\(revoked)"]), origin)
    }

    /// Mails a reset link if `email` has an account; says nothing either way.
    func requestPasswordReset(email rawEmail: String, origin: RequestOrigin) async throws {
        guard let email = try? CredentialRules.normalizedEmail(rawEmail) else {
            throw ServiceError.invalidField("email", "must be a valid e-mail address", code: .unprocessableEntity)
        }
        guard let user = try await store.user(email: email) else {
            await audit.record(AuditEvent(action: "auth.password.reset_request", outcome: .failure, subject: email, details: ["reason": "unknown_email"]), origin)
            return
        }
        try await mailLink(purpose: "password_reset", path: "/oauth2/password/reset", to: user, lifetime: resetLinkLifetime, subject: "Reset your Hexabase password") { link in
            "Someone asked to reset the password of your Hexabase account (\(user.email)).\n\nTo choose a new password, open this link within 30 minutes:\n\n\(link)\n\nIf it was not you, ignore this mail; your password stays as it is.\n"
        }
        await audit.record(AuditEvent(action: "auth.password.reset_request", outcome: .success, actorID: user.id, subject: email), origin)
    }

    /// Sets a new password with a reset token; revokes every session of the user.
    func resetPassword(token: String, new: String, origin: RequestOrigin) async throws {
        let invalid = ServiceError.invalidField("token", "is invalid, used or expired", code: .unprocessableEntity)
        guard token.hasPrefix(OpaqueToken.accountPrefix + "_"), token.utf8.count < 100 else { throw invalid }
        guard !new.isEmpty else { throw ServiceError.invalidField("new_password", "is required") }
        let newHash = try await hasher.hash(new)
        let userID: String? = try await store.consumeAccountToken(hash: OpaqueToken.hash(token), purpose: "password_reset") { userID, email, connection in
            try CredentialRules.checkPassword(new, email: email)
            _ = try await store.setPassword(userID: userID, hash: newHash, keepingSession: nil, on: connection)
            // Following the link proved the address.
            _ = try await store.markEmailVerified(userID: userID, email: email, on: connection)
            return userID
        }
        guard let userID else { throw invalid }
        await audit.record(AuditEvent(action: "auth.password.reset", outcome: .success, actorID: userID), origin)
    }

    /// Mails a verification link to `user` unless the address is verified already.
    func sendVerification(to user: User, origin: RequestOrigin) async throws {
        guard !user.emailVerified else { return }
        try await mailLink(purpose: "email_verification", path: "/oauth2/email/verify", to: user, lifetime: verificationLinkLifetime, subject: "Confirm your e-mail address for Hexabase") { link in
            "Welcome to Hexabase.\n\nTo confirm that \(user.email) is your address, open this link within 3 days:\n\n\(link)\n"
        }
    }

    /// Stores a one-time token for `purpose` and queues the mail carrying its link, together.
    private func mailLink(purpose: String, path: String, to user: User, lifetime: Duration, subject: String, text: (String) -> String) async throws {
        let token = OpaqueToken.generate(prefix: OpaqueToken.accountPrefix)
        let mail = OutgoingMail(template: purpose, to: user.email, subject: subject, text: text(publicURL + path + "?token=" + token))
        try await store.insertAccountToken(
            hash: OpaqueToken.hash(token), purpose: purpose, user: user,
            expiresAt: Date().addingTimeInterval(lifetime.timeInterval), mail: try .mail(mail)
        )
    }

    /// Marks the e-mail of a verification token's user as verified.
    func verifyEmail(token: String, origin: RequestOrigin) async throws -> User {
        let invalid = ServiceError.invalidField("token", "is invalid, used or expired", code: .unprocessableEntity)
        guard token.hasPrefix(OpaqueToken.accountPrefix + "_"), token.utf8.count < 100 else { throw invalid }
        let user: User?? = try await store.consumeAccountToken(hash: OpaqueToken.hash(token), purpose: "email_verification") { userID, email, connection in
            try await store.markEmailVerified(userID: userID, email: email, on: connection)
        }
        guard let verified = user ?? nil else { throw invalid }
        await audit.record(AuditEvent(action: "auth.email.verify", outcome: .success, actorID: verified.id, subject: verified.email), origin)
        return verified
    }

    /// The `user.created` event.
    static func userCreated(_ user: User, method: String) throws -> OutboxItem {
        var event = Hexabase_Auth_V1_UserCreated()
        event.eventID = PrefixedID.make("evt")
        event.user = user.message
        event.signUpMethod = method
        return try .event(userCreatedSubject, event, id: event.eventID)
    }
}
