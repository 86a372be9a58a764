import Foundation
import HTTPTypes
import ServiceKit

/// The credentials the edge reads from `Authorization`.
enum AuthorizationHeader {
    /// The token of `Authorization: Bearer <token>`; a missing or other header is a 401.
    static func bearerToken(_ headers: HTTPFields) throws(ServiceError) -> String {
        guard let header = headers[.authorization] else {
            throw ServiceError(.unauthenticated, "A bearer token is required.")
        }
        guard let token = credential(header, scheme: "bearer") else {
            throw ServiceError(.unauthenticated, "The Authorization header must be `Bearer <token>`.")
        }
        return token
    }

    /// A log ingestion token as log shippers send it: `Authorization: Bearer <token>` (Vector's
    /// `auth.strategy = "bearer"`, Fluent Bit's `header Authorization Bearer …`) or HTTP Basic
    /// with any user name and the token as the password (Vector's `basic`, Fluent Bit's
    /// `http_user`/`http_passwd`). It is not checked here; a missing one is a 401.
    static func ingestionToken(_ headers: HTTPFields) throws(ServiceError) -> String {
        let refusal = ServiceError(
            .unauthenticated,
            "A log ingestion token is required: `Authorization: Bearer <token>`, or HTTP Basic with the token as the password."
        )
        guard let header = headers[.authorization] else { throw refusal }
        if let token = credential(header, scheme: "bearer") { return token }
        guard let encoded = credential(header, scheme: "basic"),
              let decoded = Data(base64Encoded: encoded).flatMap({ String(data: $0, encoding: .utf8) }),
              let colon = decoded.firstIndex(of: ":")
        else { throw refusal }
        // RFC 7617: the user id ends at the first colon; the password may contain colons.
        let password = decoded[decoded.index(after: colon)...]
        guard !password.isEmpty else { throw refusal }
        return String(password)
    }

    /// The credentials of `<scheme> <credentials>` (the scheme is case-insensitive), or nil.
    private static func credential(_ header: String, scheme: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == scheme else { return nil }
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }
}
