import HTTPClientKit

/// The authorization-code grant at a token endpoint (RFC 6749 §4.1.3, with PKCE's
/// `code_verifier`, RFC 7636 §4.5), shared by the OIDC and GitHub providers.
struct OAuthTokenExchange: Sendable {
    let http: UpstreamHTTP
    let credentials: ClientCredentials
    let method: ClientCredentials.Method

    /// Redeems `code` and returns a response that has an access token, or throws:
    /// `.tokenRejected` when the provider refuses the code, `.misconfigured` when it refuses the
    /// client, `.upstreamUnavailable` / `.invalidResponse` for transport and format problems.
    func redeem(code: String, redirectURI: String, codeVerifier: String, at endpoint: String) async throws -> OAuthTokenResponse {
        let (headers, clientFields) = credentials.authentication(method)
        var request = HTTPClientRequest.form(
            url: endpoint,
            fields: [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                ("code_verifier", codeVerifier),
            ] + clientFields,
            headers: headers
        )
        request.headers["Accept"] = "application/json"
        let response = try await http.send(request, fetching: "token response")
        if response.status == 429 || response.status >= 500 {
            throw http.unavailable(cause: HTTPStatusError(status: response.status, fetching: "token response"))
        }
        // Error answers are JSON with any status (400/401 per RFC 6749, 200 at GitHub).
        guard let body = try? http.decode(OAuthTokenResponse.self, from: response, fetching: "token response") else {
            throw http.invalid("token response", cause: HTTPStatusError(status: response.status, fetching: "token response"))
        }
        if let error = body.safeErrorCode {
            switch error {
            case "invalid_client", "unauthorized_client", "incorrect_client_credentials", "redirect_uri_mismatch":
                throw http.misconfigured("the provider refused the client (\(error))")
            default:
                throw FederationError.tokenRejected(http.providerName, reason: "the provider refused the authorization code (\(error))")
            }
        }
        guard response.isSuccess else {
            throw http.invalid("token response", cause: HTTPStatusError(status: response.status, fetching: "token response"))
        }
        guard let accessToken = body.accessToken, !accessToken.isEmpty else {
            throw http.invalid("token response (no access token)")
        }
        if let type = body.tokenType, type.lowercased() != "bearer" {
            throw http.invalid("token response (token type is not Bearer)")
        }
        return body
    }
}
