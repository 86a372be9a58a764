import Foundation
import ServiceKit

/// The pages behind mailed links: password reset and e-mail verification. Links only show a
/// form; the change happens on its POST, so a mail scanner that follows links changes nothing.
extension OIDCProvider {
    func passwordResetPage(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        let (csrf, setCookie) = csrfToken(exchange)
        let token = exchange.parameter("token")
        if exchange.method == "GET" {
            return .html(token.map { Pages.resetPassword(token: $0, csrf: csrf, error: nil) } ?? Pages.requestReset(csrf: csrf, error: nil), cookies: setCookie)
        }
        guard checkCSRF(exchange) else { return .html(Pages.message(title: "Reset your password", "Your form expired. Please try again."), status: 403) }
        guard let token else {
            do {
                try await accounts.requestPasswordReset(email: exchange.form["email"] ?? "", origin: origin)
            } catch let error as ServiceError where error.code.status < 500 {
                return .html(Pages.requestReset(csrf: csrf, error: error.message), status: error.code.status)
            }
            return .html(Pages.message(title: "Check your mail", "If an account uses that address, we mailed it a link to reset the password."))
        }
        do {
            try await accounts.resetPassword(token: token, new: exchange.form["new_password"] ?? "", origin: origin)
        } catch let error as ServiceError where error.code.status < 500 {
            return .html(Pages.resetPassword(token: token, csrf: csrf, error: error.message), status: error.code.status)
        }
        return .html(Pages.message(title: "Password changed", "Your password is changed and every session is signed out. Sign in again with the new password."))
    }

    func verifyEmailPage(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        let (csrf, setCookie) = csrfToken(exchange)
        guard let token = exchange.parameter("token") else {
            return .html(Pages.message(title: "Confirm your e-mail", "The link is incomplete."), status: 400)
        }
        if exchange.method == "GET" {
            return .html(Pages.confirm(title: "Confirm your e-mail", text: "Confirm that this address is yours.", action: "/oauth2/email/verify", button: "Confirm", csrf: csrf, fields: [("token", token)]), cookies: setCookie)
        }
        guard checkCSRF(exchange) else { return .html(Pages.message(title: "Confirm your e-mail", "Your form expired. Please try again."), status: 403) }
        do {
            let user = try await accounts.verifyEmail(token: token, origin: origin)
            return .html(Pages.message(title: "E-mail confirmed", "\(user.email) is confirmed. Thank you."))
        } catch let error as ServiceError where error.code.status < 500 {
            return .html(Pages.message(title: "Confirm your e-mail", "This link is invalid, used or expired."), status: error.code.status)
        }
    }
}
