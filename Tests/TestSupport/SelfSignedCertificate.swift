import Foundation

/// A throwaway self-signed TLS certificate for `localhost` and `127.0.0.1`, made with the
/// `openssl` command-line tool, for tests of TLS clients. The certificate file doubles as the
/// CA file that makes a client trust it.
public struct SelfSignedCertificate: Sendable {
    /// The PEM certificate.
    public let certificateFile: String
    /// The PEM private key (unencrypted).
    public let keyFile: String

    /// Writes `cert.pem` and `key.pem` into a new temporary folder.
    public static func make() throws -> SelfSignedCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-cert-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", key, "-out", certificate, "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFixtureError(message: "openssl could not make a certificate: \(text)")
        }
        return SelfSignedCertificate(certificateFile: certificate, keyFile: key)
    }

    /// Deletes the certificate's folder.
    public func remove() {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: certificateFile).deletingLastPathComponent())
    }
}
