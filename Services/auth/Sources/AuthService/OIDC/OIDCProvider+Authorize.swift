import AuthKit
import Crypto
import Foundation
import HTTPClientKit
import ServiceKit

/// The authorization endpoint (OAuth 2.0 §4.1, OIDC Core §3.1.2), code flow only.
extension OIDCProvider {
    static let authorizeParameters = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "response_mode"]

    func authorize(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        let badRequest = { (text: String) in HTTPReply.html(Pages.message(title: "Invalid sign-in request", text), status: 400) }
        // Until the client and its redirect URI are known good, errors are shown here, never
        // redirected (RFC 6749 §4.1.2.1): no open redirector.
        guard let clientID = exchange.parameter("client_id"), let client = try await clients.client(id: clientID) else {
            return badRequest("The application is not registered with Hexabase (unknown client_id).")
        }
        guard let redirectURI = exchange.parameter("redirect_uri"), client.allowsRedirect(to: redirectURI) else {
            return badRequest("The redirect URI is not registered for this application.")
        }
        let state = exchange.parameter("state")
        func fail(_ code: String, _ description: String) -> HTTPReply {
            var parameters = [("error", code), ("error_description", description)]
            if let state { parameters.append(("state", state)) }
            parameters.append(("iss", issuer))
            return .redirect(FormURLEncoding.appending(parameters, to: redirectURI))
        }
        if let name = exchange.repeatedParameters.first { return fail("invalid_request", "The parameter \(name) is repeated.") }
        guard exchange.parameter("response_type") == "code" else { return fail("unsupported_response_type", "Only response_type=code is supported.") }
        if let mode = exchange.parameter("response_mode"), mode != "query" { return fail("invalid_request", "Only response_mode=query is supported.") }
        guard client.grantTypes.contains(.authorizationCode) else { return fail("unauthorized_client", "This client may not use the authorization code flow.") }
        let challenge = exchange.parameter("code_challenge")
        if challenge == nil, client.kind == .public { return fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.") }
        if let challenge {
            guard exchange.parameter("code_challenge_method") == "S256" else { return fail("invalid_request", "code_challenge_method must be S256.") }
            guard Self.isPKCEValue(challenge, length: 43...43) else { return fail("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters).") }
        }
        let nonce = exchange.parameter("nonce")
        if let nonce, nonce.utf8.count > 512 { return fail("invalid_request", "nonce is too long.") }
        if let state, state.utf8.count > 2_048 { return fail("invalid_request", "state is too long.") }
        let scope = Scopes.granted(from: exchange.parameter("scope") ?? "")
        let prompt = Set((exchange.parameter("prompt") ?? "").split(separator: " ").map(String.init))

        let signedIn = prompt.contains("login") ? nil : try await browserSession(exchange)
        guard let (session, _) = signedIn else {
            if prompt.contains("none") { return fail("login_required", "The user is not signed in.") }
            // Back here after sign-in, without `prompt` (else prompt=login would loop).
            let parameters = Self.authorizeParameters.compactMap { name in exchange.parameter(name).map { (name, $0) } }
            return loginPage(exchange, returnTo: "/oauth2/authorize?" + FormURLEncoding.encode(parameters), email: "", error: nil)
        }
        let code = OpaqueToken.generate(prefix: OpaqueToken.codePrefix)
        try await store.insertAuthorizationCode(
            hash: OpaqueToken.hash(code),
            grant: AuthorizationCodeGrant(
                clientID: client.id, sessionID: session.id, userID: session.userID, redirectURI: redirectURI,
                scope: scope, nonce: nonce, codeChallenge: challenge
            ),
            expiresAt: Date().addingTimeInterval(settings.authorizationCodeLifetime.timeInterval)
        )
        var parameters = [("code", code)]
        if let state { parameters.append(("state", state)) }
        parameters.append(("iss", issuer))
        return .redirect(FormURLEncoding.appending(parameters, to: redirectURI))
    }

    /// RFC 7636 §4.1: unreserved characters only, within `length`.
    static func isPKCEValue(_ value: String, length: ClosedRange<Int>) -> Bool {
        length.contains(value.utf8.count) && value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
        }
    }

    /// RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge.
    static func verifierMatches(_ verifier: String, challenge: String) -> Bool {
        guard isPKCEValue(verifier, length: 43...128) else { return false }
        let computed = Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
        return ConstantTime.equal(computed, challenge)
    }
}
