import Logging
import Mail
import TestSupport
import Testing

/// SMTPMailer's TLS policies against a real server with a self-signed certificate.
@Suite("SMTPMailer TLS")
struct SMTPTLSTests {
    private let logger = Logger(label: "hexabase.test.mail")

    private func send(
        to server: SMTPTestServer, tls: SMTPConfiguration.TLSPolicy, caFile: String?
    ) async throws {
        let configuration = try SMTPConfiguration(url: server.url, tls: tls, caFile: caFile, timeout: .seconds(20))
        try await SMTPMailer(configuration: configuration, logger: logger).send(try message())
    }

    private func withServer(
        certificate: SelfSignedCertificate?, implicitTLS: Bool = false, requireSTARTTLS: Bool = false,
        _ body: (SMTPTestServer) async throws -> Void
    ) async throws {
        var options = SMTPTestServer.Options()
        options.certificate = certificate.map { ($0.certificateFile, $0.keyFile) }
        options.implicitTLS = implicitTLS
        options.requireSTARTTLS = requireSTARTTLS
        try await SMTPTestServer.withServer(options, body)
    }

    @Test("required STARTTLS with the server's CA delivers over TLS")
    func requiredSTARTTLS() async throws {
        let certificate = try SelfSignedCertificate.make()
        defer { certificate.remove() }
        try await withServer(certificate: certificate, requireSTARTTLS: true) { server in
            try await send(to: server, tls: .required, caFile: certificate.certificateFile)
            #expect(try server.messages().first?.tls == true)
        }
    }

    @Test("smtps:// with the server's CA delivers over TLS")
    func implicitTLS() async throws {
        let certificate = try SelfSignedCertificate.make()
        defer { certificate.remove() }
        try await withServer(certificate: certificate, implicitTLS: true) { server in
            #expect(server.url.hasPrefix("smtps://"))
            try await send(to: server, tls: .required, caFile: certificate.certificateFile)
            #expect(try server.messages().first?.tls == true)
        }
    }

    @Test("a certificate that does not verify is tlsFailed, and nothing is sent")
    func unverifiedCertificate() async throws {
        let certificate = try SelfSignedCertificate.make()
        defer { certificate.remove() }
        try await withServer(certificate: certificate) { server in
            // The system store does not know the self-signed certificate.
            await expectMailError(.tlsFailed) { try await send(to: server, tls: .required, caFile: nil) }
            let received = try server.messages()
            #expect(received.isEmpty)
        }
    }

    @Test("required TLS against a server without STARTTLS is tlsFailed")
    func requiredWithoutSTARTTLS() async throws {
        try await withServer(certificate: nil) { server in
            await expectMailError(.tlsFailed) { try await send(to: server, tls: .required, caFile: nil) }
            let received = try server.messages()
            #expect(received.isEmpty)
        }
    }

    @Test("opportunistic TLS goes on in clear text when the server has no STARTTLS")
    func opportunisticWithoutSTARTTLS() async throws {
        try await withServer(certificate: nil) { server in
            try await send(to: server, tls: .opportunistic, caFile: nil)
            #expect(try server.messages().first?.tls == false)
        }
    }
}
