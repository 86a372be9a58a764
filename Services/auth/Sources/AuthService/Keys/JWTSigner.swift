import JWTKit

/// A private key ready to sign RS256 JWTs.
public struct JWTSigner: Sendable {
    public let kid: String
    private let keys: JWTKeyCollection

    public init(kid: String, privateKeyPEM: String) async throws {
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: privateKeyPEM), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        self.kid = kid
        self.keys = keys
    }

    /// Signs `payload` (header `alg: RS256`, `kid`, `typ: JWT`).
    public func sign(_ payload: some JWTPayload) async throws -> String {
        var header = JWTHeader()
        header.typ = "JWT"
        return try await keys.sign(payload, kid: JWKIdentifier(string: kid), header: header)
    }
}

/// Where a ``TokenIssuer`` gets the key to sign with: the ``SigningKeyRing`` in the service,
/// a ``FixedSigner`` in benchmarks and fast tests.
public protocol SignerSource: Sendable {
    func signer() async throws -> JWTSigner
}

/// Always the same key.
public struct FixedSigner: SignerSource {
    let fixed: JWTSigner

    public init(_ key: SigningKey) async throws {
        fixed = try await JWTSigner(kid: key.kid, privateKeyPEM: key.privateKeyPEM)
    }

    public func signer() async throws -> JWTSigner { fixed }
}
