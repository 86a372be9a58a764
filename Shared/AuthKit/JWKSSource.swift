import Contracts
import ServiceKit

/// Where a ``TokenVerifier`` gets the signing keys (a JWKS document, RFC 7517).
public protocol JWKSSource: Sendable {
    /// The current JWKS JSON.
    func fetchJWKS() async throws -> String
}

/// Asks the auth service for its JWKS over NATS (`hxb.auth.v1.GetJWKS`).
public struct NATSJWKSSource: JWKSSource {
    private let client: RPCClient

    public init(client: RPCClient) {
        self.client = client
    }

    public func fetchJWKS() async throws -> String {
        let response = try await client.call(
            "hxb.auth.v1.GetJWKS", Hexabase_Auth_V1_GetJWKSRequest(), as: Hexabase_Auth_V1_GetJWKSResponse.self,
            timeout: .seconds(3)
        )
        return response.jwksJson
    }
}
