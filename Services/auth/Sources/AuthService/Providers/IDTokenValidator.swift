import Foundation

/// The claim checks of OIDC Core §3.1.3.7 for an ID token whose signature is already verified.
/// Pure: the clock is a parameter, so every rule is tested without I/O.
struct IDTokenValidator: Sendable {
    /// The issuer the token must name exactly.
    let issuer: String
    /// Our client id: it must be an audience, and the authorized party when `azp` is present.
    let clientID: String
    /// Tolerated clock skew between us and the provider.
    let leeway: Duration
    /// The oldest `iat` accepted: a fresh login's token was issued moments ago.
    let maximumAge: Duration

    /// Throws the first failed check; `nonce` is the value stored with the login attempt.
    func validate(_ claims: UpstreamIDTokenClaims, nonce expectedNonce: String, now: Date) throws(IDTokenRejection) {
        let leewaySeconds = leeway.timeInterval
        guard claims.iss == issuer else { throw IDTokenRejection("the ID token was issued by another issuer") }
        guard !claims.sub.isEmpty, claims.sub.utf8.count <= 255 else {
            throw IDTokenRejection("the ID token's subject is empty or too long")
        }
        let audiences = claims.aud.value
        guard audiences.contains(clientID) else { throw IDTokenRejection("the ID token is for another client") }
        if let azp = claims.azp {
            guard azp == clientID else { throw IDTokenRejection("the ID token was issued to another party") }
        } else if audiences.count > 1 {
            throw IDTokenRejection("the ID token has several audiences and no authorized party")
        }
        guard claims.exp.value.addingTimeInterval(leewaySeconds) > now else {
            throw IDTokenRejection("the ID token has expired")
        }
        let issuedAt = claims.iat.value
        guard issuedAt.addingTimeInterval(-leewaySeconds) <= now else {
            throw IDTokenRejection("the ID token was issued in the future")
        }
        guard issuedAt.addingTimeInterval(maximumAge.timeInterval + leewaySeconds) >= now else {
            throw IDTokenRejection("the ID token was issued too long ago")
        }
        if let notBefore = claims.nbf?.value, notBefore.addingTimeInterval(-leewaySeconds) > now {
            throw IDTokenRejection("the ID token is not valid yet")
        }
        guard let nonce = claims.nonce else { throw IDTokenRejection("the ID token has no nonce") }
        guard ConstantTime.equal(nonce, expectedNonce) else { throw IDTokenRejection("the ID token's nonce does not match") }
    }
}
