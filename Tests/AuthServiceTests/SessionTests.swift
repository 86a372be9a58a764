import AuthService
import Contracts
import Foundation
import ServiceKit
import Store
import Testing
import TestSupport

@Suite("Sessions, refresh tokens and account recovery over NATS")
struct SessionTests {
    typealias Auth = AuthServiceTests

    @Test("a refresh token works once; its successor works; presenting a used one revokes the whole family")
    func refreshRotationAndReuse() async throws {
        try await Auth.withAuth { client, _, _ in
            _ = try await Auth.signUp(client, email: "rotate@example.com")
            let login = try await Auth.login(client, email: "rotate@example.com")
            #expect(login.refreshToken.hasPrefix("hxr_"))
            var request = Hexabase_Auth_V1_RefreshTokenRequest()
            request.refreshToken = login.refreshToken
            let first = try await client.auth("RefreshToken", request, as: Hexabase_Auth_V1_RefreshTokenResponse.self)
            #expect(first.refreshToken != login.refreshToken)
            #expect(!first.accessToken.isEmpty)
            var next = Hexabase_Auth_V1_RefreshTokenRequest()
            next.refreshToken = first.refreshToken
            let second = try await client.auth("RefreshToken", next, as: Hexabase_Auth_V1_RefreshTokenResponse.self)
            // Reuse of the first token: refused, and the live successor dies with its family.
            await expectError(.unauthenticated, "reused token") { try await client.auth("RefreshToken", request, as: Hexabase_Auth_V1_RefreshTokenResponse.self) }
            var latest = Hexabase_Auth_V1_RefreshTokenRequest()
            latest.refreshToken = second.refreshToken
            await expectError(.unauthenticated, "family revoked") { try await client.auth("RefreshToken", latest, as: Hexabase_Auth_V1_RefreshTokenResponse.self) }
            var garbage = Hexabase_Auth_V1_RefreshTokenRequest()
            garbage.refreshToken = "hxr_not-a-real-token"
            await expectError(.unauthenticated, "unknown token") { try await client.auth("RefreshToken", garbage, as: Hexabase_Auth_V1_RefreshTokenResponse.self) }
        }
    }

    @Test("sessions are listed, revoked one by one or all at once; logout ends the session and its refresh token")
    func sessionManagement() async throws {
        try await Auth.withAuth { client, _, _ in
            _ = try await Auth.signUp(client, email: "multi@example.com")
            let a = try await Auth.login(client, email: "multi@example.com")
            let b = try await Auth.login(client, email: "multi@example.com")
            let list = try await client.auth("ListSessions", Hexabase_Auth_V1_ListSessionsRequest(), as: Hexabase_Auth_V1_ListSessionsResponse.self, token: a.accessToken)
            #expect(Set(list.sessions.map(\.id)) == [a.sessionID, b.sessionID])
            #expect(list.sessions.first { $0.id == a.sessionID }?.current == true)

            var revoke = Hexabase_Auth_V1_RevokeSessionRequest()
            revoke.sessionID = b.sessionID
            _ = try await client.auth("RevokeSession", revoke, as: Hexabase_Auth_V1_RevokeSessionResponse.self, token: a.accessToken)
            await expectError(.unauthenticated, "revoked session's token") { try await client.auth("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, token: b.accessToken) }
            await expectError(.notFound, "already revoked") { try await client.auth("RevokeSession", revoke, as: Hexabase_Auth_V1_RevokeSessionResponse.self, token: a.accessToken) }

            // Another user cannot revoke this user's session.
            _ = try await Auth.signUp(client, email: "mallory@example.com")
            let mallory = try await Auth.login(client, email: "mallory@example.com")
            var steal = Hexabase_Auth_V1_RevokeSessionRequest()
            steal.sessionID = a.sessionID
            await expectError(.notFound, "foreign session") { try await client.auth("RevokeSession", steal, as: Hexabase_Auth_V1_RevokeSessionResponse.self, token: mallory.accessToken) }

            let c = try await Auth.login(client, email: "multi@example.com")
            var all = Hexabase_Auth_V1_RevokeAllSessionsRequest()
            all.keepCurrent = true
            let revoked = try await client.auth("RevokeAllSessions", all, as: Hexabase_Auth_V1_RevokeAllSessionsResponse.self, token: c.accessToken)
            #expect(revoked.revokedCount == 1)
            _ = try await client.auth("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, token: c.accessToken)

            _ = try await client.auth("Logout", Hexabase_Auth_V1_LogoutRequest(), as: Hexabase_Auth_V1_LogoutResponse.self, token: c.accessToken)
            await expectError(.unauthenticated, "after logout") { try await client.auth("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, token: c.accessToken) }
            var refresh = Hexabase_Auth_V1_RefreshTokenRequest()
            refresh.refreshToken = c.refreshToken
            await expectError(.unauthenticated, "refresh after logout") { try await client.auth("RefreshToken", refresh, as: Hexabase_Auth_V1_RefreshTokenResponse.self) }
        }
    }

    @Test("past the session limit a new login revokes the least recently used session")
    func sessionLimit() async throws {
        try await Auth.withAuth(configure: { $0.maxSessionsPerUser = 2 }) { client, database, _ in
            _ = try await Auth.signUp(client, email: "limit@example.com")
            let first = try await Auth.login(client, email: "limit@example.com")
            let second = try await Auth.login(client, email: "limit@example.com")
            let third = try await Auth.login(client, email: "limit@example.com")
            await expectError(.unauthenticated, "evicted session") { try await client.auth("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, token: first.accessToken) }
            for live in [second, third] {
                _ = try await client.auth("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, token: live.accessToken)
            }
            let rows = try await database.query("SELECT revoked_reason FROM sessions WHERE id = \(first.sessionID)")
            #expect(try rows.first?.decode(String?.self, column: "revoked_reason") == "session_limit")
            let audit = try await database.query("SELECT count(*) AS n FROM audit_events WHERE action = 'auth.session.revoke' AND subject = \(first.sessionID)")
            #expect(try audit.first?.decode(Int.self, column: "n") == 1)
        }
    }

    @Test("failed logins are throttled per account with 429 and Retry-After, before the password is checked")
    func loginThrottle() async throws {
        try await Auth.withAuth(configure: { $0.loginThrottle = LoginThrottle(maxFailuresPerAccount: 3, maxFailuresPerAddress: 100, window: .seconds(600)) }) { client, _, _ in
            _ = try await Auth.signUp(client, email: "throttle@example.com")
            for _ in 0..<3 {
                await expectError(.unauthenticated) { try await Auth.login(client, email: "throttle@example.com", password: "wrong password 123") }
            }
            do {
                _ = try await Auth.login(client, email: "throttle@example.com")
                Issue.record("the right password passed a locked account")
            } catch let error as ServiceError {
                #expect(error.code == .rateLimited)
                #expect((error.retryAfterSeconds ?? 0) > 0)
            }
            // Unknown e-mails are throttled the same way (no account enumeration).
            for _ in 0..<3 {
                await expectError(.unauthenticated) { try await Auth.login(client, email: "ghost@example.com", password: "wrong password 123") }
            }
            await expectError(.rateLimited) { try await Auth.login(client, email: "ghost@example.com", password: "wrong password 123") }
        }
    }

    @Test("change password needs the current one and signs out every other session")
    func changePassword() async throws {
        try await Auth.withAuth { client, _, _ in
            _ = try await Auth.signUp(client, email: "change@example.com")
            let keep = try await Auth.login(client, email: "change@example.com")
            let other = try await Auth.login(client, email: "change@example.com")
            var wrong = Hexabase_Auth_V1_ChangePasswordRequest()
            wrong.currentPassword = "not my password"
            wrong.newPassword = "a much better passphrase"
            await expectError(.unprocessableEntity, "wrong current") { try await client.auth("ChangePassword", wrong, as: Hexabase_Auth_V1_ChangePasswordResponse.self, token: keep.accessToken) }
            var change = Hexabase_Auth_V1_ChangePasswordRequest()
            change.currentPassword = "correct horse battery staple"
            change.newPassword = "a much better passphrase"
            _ = try await client.auth("ChangePassword", change, as: Hexabase_Auth_V1_ChangePasswordResponse.self, token: keep.accessToken)
            _ = try await client.auth("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, token: keep.accessToken)
            await expectError(.unauthenticated, "other session") { try await client.auth("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, token: other.accessToken) }
            await expectError(.unauthenticated, "old password") { try await Auth.login(client, email: "change@example.com") }
            _ = try await Auth.login(client, email: "change@example.com", password: "a much better passphrase")
        }
    }

    @Test("a mailed reset link sets a new password once and ends every session; verification links confirm the e-mail")
    func recoveryAndVerification() async throws {
        let mail = CapturedMail()
        try await Auth.withAuth(mail: mail) { client, _, _ in
            let created = try await Auth.signUp(client, email: "forgot@example.com")
            #expect(!created.user.emailVerified)
            let verifyToken = try await mail.token("email_verification", to: "forgot@example.com")
            var verify = Hexabase_Auth_V1_VerifyEmailRequest()
            verify.token = verifyToken
            let verified = try await client.auth("VerifyEmail", verify, as: Hexabase_Auth_V1_VerifyEmailResponse.self)
            #expect(verified.user.emailVerified)
            await expectError(.unprocessableEntity, "verification link used twice") { try await client.auth("VerifyEmail", verify, as: Hexabase_Auth_V1_VerifyEmailResponse.self) }

            let before = try await Auth.login(client, email: "forgot@example.com")
            var ask = Hexabase_Auth_V1_RequestPasswordResetRequest()
            ask.email = "forgot@example.com"
            _ = try await client.auth("RequestPasswordReset", ask, as: Hexabase_Auth_V1_RequestPasswordResetResponse.self)
            ask.email = "nobody-here@example.com"
            _ = try await client.auth("RequestPasswordReset", ask, as: Hexabase_Auth_V1_RequestPasswordResetResponse.self)
            let resetToken = try await mail.token("password_reset", to: "forgot@example.com")
            #expect(!mail.all.contains { $0.to == "nobody-here@example.com" }, "no mail for an unknown address")
            var reset = Hexabase_Auth_V1_ResetPasswordRequest()
            reset.token = resetToken
            reset.newPassword = "short"
            await expectError(.unprocessableEntity, "weak new password") { try await client.auth("ResetPassword", reset, as: Hexabase_Auth_V1_ResetPasswordResponse.self) }
            reset.newPassword = "brand new passphrase here"
            _ = try await client.auth("ResetPassword", reset, as: Hexabase_Auth_V1_ResetPasswordResponse.self)
            await expectError(.unprocessableEntity, "reset link used twice") { try await client.auth("ResetPassword", reset, as: Hexabase_Auth_V1_ResetPasswordResponse.self) }
            await expectError(.unauthenticated, "session before the reset") { try await client.auth("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest(), as: Hexabase_Auth_V1_WhoAmIResponse.self, token: before.accessToken) }
            _ = try await Auth.login(client, email: "forgot@example.com", password: "brand new passphrase here")
        }
    }

    @Test("sign-up publishes hxb.events.auth.user.created once the transaction commits")
    func userCreatedEvent() async throws {
        try await Auth.withAuth { client, _, configuration in
            let connection = try await NATSConnection.connect(configuration: configuration.service.nats, logger: TestLogging.logger("events"))
            let (stream, continuation) = AsyncStream.makeStream(of: NATSMessage.self)
            let subscription = try connection.subscribe(subject: "hxb.events.auth.user.created") { continuation.yield($0) }
            try await connection.flush()
            let created = try await Auth.signUp(client, email: "event@example.com")
            var received: Hexabase_Auth_V1_UserCreated?
            for await message in stream {
                received = try Hexabase_Auth_V1_UserCreated(serializedBytes: message.payload)
                break
            }
            await subscription.drain(timeout: .seconds(1))
            #expect(received?.user.id == created.user.id)
            #expect(received?.signUpMethod == "password")
            #expect(received?.eventID.hasPrefix("evt-") == true)
            await connection.close()
        }
    }

    @Test("user.created is kept in JetStream with its event id as message id: a consumer that starts after the sign-up still gets it")
    func userCreatedEventIsDurable() async throws {
        try await Auth.withAuth { client, _, configuration in
            let created = try await Auth.signUp(client, email: "durable@example.com")
            let logger = TestLogging.logger("events")
            let connection = try await NATSConnection.connect(configuration: configuration.service.nats, logger: logger)
            let (stream, continuation) = AsyncStream.makeStream(of: NATSMessage.self)
            let consumer = EventConsumer(
                connection: connection,
                configuration: EventConsumer.Configuration(name: "test-user-created", subject: "hxb.events.auth.user.created", fetchWait: .milliseconds(200)),
                logger: logger
            ) { continuation.yield($0) }
            let message = try await withRunningService(consumer, logger: logger, isReady: { true }) { _ in
                var iterator = stream.makeAsyncIterator()
                return await iterator.next()
            }
            let event = try Hexabase_Auth_V1_UserCreated(serializedBytes: try #require(message).payload)
            #expect(event.user.id == created.user.id)
            #expect(message?.headers["Nats-Msg-Id"] == event.eventID)
            await connection.close()
        }
    }
}
