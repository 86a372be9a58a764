/// The body of an OAuth 2.0 token endpoint answer (RFC 6749 §5.1 and §5.2), success or error.
///
/// GitHub answers errors with status 200 and an `error` field, so the field decides, not the status.
struct OAuthTokenResponse: Decodable, Sendable {
    var accessToken: String?
    var tokenType: String?
    var idToken: String?
    var scope: String?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case idToken = "id_token"
        case scope
        case error
    }

    /// The `error` code when it looks like an RFC 6749 error code (safe to show and log);
    /// anything else is reported as "unknown", since the field is provider-controlled text.
    var safeErrorCode: String? {
        guard let error else { return nil }
        let allowed = error.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return allowed && (1...64).contains(error.utf8.count) ? error : "unknown"
    }
}
