import Foundation

/// A throwaway self-signed TLS certificate for `localhost` and `127.0.0.1`, made with the
/// `openssl` command-line tool, for tests of TLS clients. The certificate file doubles as the
/// CA file that makes a client trust it, and as the CA that signs client certificates
/// (``issueClientCertificate(commonName:)``).
public struct SelfSignedCertificate: Sendable {
    /// The PEM certificate.
    public let certificateFile: String
    /// The PEM private key (unencrypted).
    public let keyFile: String

    /// The certificate as PEM text.
    public var certificatePEM: String { (try? String(contentsOfFile: certificateFile, encoding: .utf8)) ?? "" }

    /// Writes `cert.pem` and `key.pem` into a new temporary folder.
    public static func make() throws -> SelfSignedCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hxb-cert-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", key, "-out", certificate, "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        return SelfSignedCertificate(certificateFile: certificate, keyFile: key)
    }

    /// A client certificate (PEM certificate and key) for `commonName`, signed by this one.
    public func issueClientCertificate(commonName: String) throws -> (certificatePEM: String, keyPEM: String) {
        let directory = URL(fileURLWithPath: certificateFile).deletingLastPathComponent()
        let name = "client-\(UUID().uuidString.prefix(8))"
        let key = directory.appendingPathComponent("\(name).key").path
        let request = directory.appendingPathComponent("\(name).csr").path
        let certificate = directory.appendingPathComponent("\(name).pem").path
        let extensions = directory.appendingPathComponent("\(name).ext")
        try "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
            .write(to: extensions, atomically: true, encoding: .utf8)
        try Self.openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=\(commonName)"])
        try Self.openssl([
            "x509", "-req", "-in", request, "-CA", certificateFile, "-CAkey", keyFile, "-CAcreateserial",
            "-days", "2", "-out", certificate, "-extfile", extensions.path,
        ])
        return (try String(contentsOfFile: certificate, encoding: .utf8), try String(contentsOfFile: key, encoding: .utf8))
    }

    /// Deletes the certificate's folder.
    public func remove() {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: certificateFile).deletingLastPathComponent())
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFixtureError(message: "openssl \(arguments.first ?? "") failed: \(text)")
        }
    }
}
