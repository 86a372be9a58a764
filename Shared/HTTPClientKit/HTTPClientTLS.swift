/// TLS material of a client, in PEM, for servers that use their own certificate authority or
/// authenticate clients by certificate (a Kubernetes API server, for instance).
///
/// Empty settings mean the system's trust store and no client certificate. A
/// ``certificateAuthorityPEM`` replaces the system store for the requests of that client: only
/// certificates chaining to it are accepted.
public struct HTTPClientTLS: Sendable, Equatable {
    /// The PEM bundle of the authorities trusted instead of the system's.
    public var certificateAuthorityPEM: String?
    /// A PEM client certificate (chain) presented to the server.
    public var clientCertificatePEM: String?
    /// The PEM private key of ``clientCertificatePEM``.
    public var clientKeyPEM: String?

    public init(certificateAuthorityPEM: String? = nil, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }
}
