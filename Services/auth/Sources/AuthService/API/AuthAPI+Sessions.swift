import Contracts
import Foundation
import ServiceKit

extension AuthAPI {
    @Sendable func logout(_ request: Hexabase_Auth_V1_LogoutRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_LogoutResponse {
        let (identity, user) = try await signedInUser(context)
        if let sessionID = identity.sessionID, try await store.revokeSession(id: sessionID, userID: user.id, reason: "logout") {
            await sessions.audit.record(AuditEvent(action: "auth.logout", outcome: .success, actorID: user.id, subject: sessionID), RequestOrigin(context))
        }
        return Hexabase_Auth_V1_LogoutResponse()
    }

    @Sendable func listSessions(_ request: Hexabase_Auth_V1_ListSessionsRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_ListSessionsResponse {
        let (identity, user) = try await signedInUser(context)
        var response = Hexabase_Auth_V1_ListSessionsResponse()
        response.sessions = try await store.activeSessions(userID: user.id).map { session in
            var message = Hexabase_Auth_V1_Session()
            message.id = session.id
            message.createTime = .init(date: session.createdAt)
            message.lastUseTime = .init(date: session.lastUsedAt)
            message.expireTime = .init(date: session.expiresAt)
            message.sourceAddress = session.sourceAddress ?? ""
            message.userAgent = session.userAgent ?? ""
            message.authMethod = session.method.rawValue
            message.current = session.id == identity.sessionID
            return message
        }
        return response
    }

    @Sendable func revokeSession(_ request: Hexabase_Auth_V1_RevokeSessionRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_RevokeSessionResponse {
        let (_, user) = try await signedInUser(context)
        guard !request.sessionID.isEmpty else { throw ServiceError.invalidField("session_id", "is required") }
        // Another user's session id answers like an unknown one.
        guard try await store.revokeSession(id: request.sessionID, userID: user.id, reason: "revoked_by_user") else {
            throw ServiceError(.notFound, "No such active session.")
        }
        await sessions.audit.record(AuditEvent(action: "auth.session.revoke", outcome: .success, actorID: user.id, subject: request.sessionID), RequestOrigin(context))
        return Hexabase_Auth_V1_RevokeSessionResponse()
    }

    @Sendable func revokeAllSessions(_ request: Hexabase_Auth_V1_RevokeAllSessionsRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_RevokeAllSessionsResponse {
        let (identity, user) = try await signedInUser(context)
        let count = try await store.revokeSessions(userID: user.id, keeping: request.keepCurrent ? identity.sessionID : nil, reason: "revoked_by_user")
        await sessions.audit.record(AuditEvent(action: "auth.session.revoke_all", outcome: .success, actorID: user.id, details: ["count": "\(count)"]), RequestOrigin(context))
        var response = Hexabase_Auth_V1_RevokeAllSessionsResponse()
        response.revokedCount = Int32(clamping: count)
        return response
    }

    @Sendable func changePassword(_ request: Hexabase_Auth_V1_ChangePasswordRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_ChangePasswordResponse {
        let (identity, user) = try await signedInUser(context)
        try await accounts.changePassword(
            userID: user.id, sessionID: identity.sessionID, current: request.currentPassword, new: request.newPassword, origin: RequestOrigin(context)
        )
        return Hexabase_Auth_V1_ChangePasswordResponse()
    }

    @Sendable func requestPasswordReset(_ request: Hexabase_Auth_V1_RequestPasswordResetRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_RequestPasswordResetResponse {
        try await accounts.requestPasswordReset(email: request.email, origin: RequestOrigin(context))
        return Hexabase_Auth_V1_RequestPasswordResetResponse()
    }

    @Sendable func resetPassword(_ request: Hexabase_Auth_V1_ResetPasswordRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_ResetPasswordResponse {
        try await accounts.resetPassword(token: request.token, new: request.newPassword, origin: RequestOrigin(context))
        return Hexabase_Auth_V1_ResetPasswordResponse()
    }

    @Sendable func verifyEmail(_ request: Hexabase_Auth_V1_VerifyEmailRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_VerifyEmailResponse {
        var response = Hexabase_Auth_V1_VerifyEmailResponse()
        response.user = try await accounts.verifyEmail(token: request.token, origin: RequestOrigin(context)).message
        return response
    }

    @Sendable func resendVerification(_ request: Hexabase_Auth_V1_ResendVerificationRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_ResendVerificationResponse {
        let (_, user) = try await signedInUser(context)
        try await accounts.sendVerification(to: user, origin: RequestOrigin(context))
        return Hexabase_Auth_V1_ResendVerificationResponse()
    }
}
