import Foundation
import Logging
import Mail
import TestSupport
import Testing

/// SMTPMailer against a real SMTP server (aiosmtpd, see `SMTPTestServer`).
@Suite("SMTPMailer")
struct SMTPMailerTests {
    private let logger = Logger(label: "hexabase.test.mail")

    private func mailer(
        _ server: SMTPTestServer, username: String? = nil, password: String? = nil,
        timeout: Duration = .seconds(20), maxConcurrentSends: Int = 4
    ) throws -> SMTPMailer {
        SMTPMailer(
            configuration: try SMTPConfiguration(
                url: server.url, username: username, password: password, timeout: timeout,
                maxConcurrentSends: maxConcurrentSends
            ),
            logger: logger
        )
    }

    @Test("delivers a multipart mail intact: headers, Unicode, long lines, dots and 'From ' lines")
    func deliversIntact() async throws {
        try await SMTPTestServer.withServer { server in
            let text = "Grüße, Zoë!\n.\n..leading dots\nFrom the team\n" + String(repeating: "long line ", count: 30) + "\nend = ok \n"
            let html = "<p>Grüße</p>\n<p>" + String(repeating: "é", count: 100) + "</p>\n"
            let mail = MailMessage(
                from: try MailAddress("no-reply@hexabase.test", displayName: "Hexabase Ünïcode"),
                to: [try MailAddress("alice@example.com", displayName: "Alice, A.")],
                subject: "Bestätigen Sie Ihre E-Mail-Adresse 🔐 " + String(repeating: "lang ", count: 20),
                textBody: text, htmlBody: html
            )
            try await mailer(server).send(mail)
            let received = try #require(try server.messages().first)
            #expect(received.defects.isEmpty)
            #expect(received.mailFrom == "no-reply@hexabase.test")
            #expect(received.rcptTos == ["alice@example.com"])
            #expect(received.subject == mail.subject)
            #expect(received.from == "Hexabase Ünïcode <no-reply@hexabase.test>")
            #expect(received.to == ["alice@example.com"] && received.toNames == ["Alice, A."])
            #expect(received.contentType == "multipart/alternative")
            #expect(received.text == text)
            #expect(received.html == html)
            #expect(!received.authenticated && !received.tls)
            let lines = String(decoding: received.raw, as: UTF8.self).components(separatedBy: "\r\n")
            for line in lines {
                #expect(line.utf8.count <= 78 && !line.contains("\n") && !line.contains("\r"), "\(line)")
            }
        }
    }

    @Test("delivers one copy to every recipient")
    func multipleRecipients() async throws {
        try await SMTPTestServer.withServer { server in
            try await mailer(server).send(try message(to: ["a@example.com", "B <b@example.org>", "c@example.net"]))
            let received = try server.messages()
            #expect(received.count == 1)
            #expect(received.first?.rcptTos == ["a@example.com", "b@example.org", "c@example.net"])
            #expect(received.first?.to == ["a@example.com", "b@example.org", "c@example.net"])
        }
    }

    @Test("authenticates with the right password")
    func authenticates() async throws {
        var options = SMTPTestServer.Options()
        options.credentials = ("mailer", "correct horse")
        try await SMTPTestServer.withServer(options) { server in
            try await mailer(server, username: "mailer", password: "correct horse").send(try message())
            #expect(try server.messages().first?.authenticated == true)
        }
    }

    @Test("reports a wrong password as authenticationFailed, without the password")
    func wrongPassword() async throws {
        var options = SMTPTestServer.Options()
        options.credentials = ("mailer", "correct horse")
        try await SMTPTestServer.withServer(options) { server in
            let mailer = try mailer(server, username: "mailer", password: "battery staple")
            let error = await expectMailError(.authenticationFailed) { try await mailer.send(try message()) }
            #expect(error.map { !"\($0)".contains("battery staple") } == true)
            #expect(error?.isRetryable == false)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("reports a server that wants credentials as authenticationFailed")
    func credentialsRequired() async throws {
        var options = SMTPTestServer.Options()
        options.credentials = ("mailer", "pw")
        try await SMTPTestServer.withServer(options) { server in
            let error = await expectMailError(.authenticationFailed) { try await mailer(server).send(try message()) }
            #expect(error?.smtpStatus == 530)
        }
    }

    @Test("reports a refused recipient as rejected with the SMTP status, and sends nothing")
    func rejectedRecipient() async throws {
        var options = SMTPTestServer.Options()
        options.rejectedRecipients = ["gone@example.com"]
        try await SMTPTestServer.withServer(options) { server in
            let mail = try message(to: ["alice@example.com", "gone@example.com"])
            let error = await expectMailError(.rejected) { try await mailer(server).send(mail) }
            #expect(error?.smtpStatus == 550)
            #expect(error?.isRetryable == false)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("reports a closed port as connectionFailed")
    func connectionRefused() async throws {
        let port = try NATSTestServer.freeTCPPort()
        let mailer = SMTPMailer(configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)"), logger: logger)
        let error = await expectMailError(.connectionFailed) { try await mailer.send(try message()) }
        #expect(error?.isRetryable == true)
    }

    @Test("reports a server that never answers as timeout")
    func silentServerTimesOut() async throws {
        var options = SMTPTestServer.Options()
        options.silent = true
        try await SMTPTestServer.withServer(options) { server in
            await expectMailError(.timeout) { try await mailer(server, timeout: .seconds(1)).send(try message()) }
        }
    }

    @Test("stops a send when its task is cancelled")
    func cancellation() async throws {
        var options = SMTPTestServer.Options()
        options.silent = true
        try await SMTPTestServer.withServer(options) { server in
            let mailer = try mailer(server, timeout: .seconds(600))
            let mail = try message()
            let send = Task { try await mailer.send(mail) }
            try await Task.sleep(for: .milliseconds(300))
            send.cancel()
            await #expect(throws: CancellationError.self) { try await send.value }
        }
    }

    @Test("delivers concurrent sends, more than the concurrency limit")
    func concurrentSends() async throws {
        try await SMTPTestServer.withServer { server in
            let mailer = try mailer(server, maxConcurrentSends: 2)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<6 {
                    let mail = try message(subject: "Message \(index)")
                    group.addTask { try await mailer.send(mail) }
                }
                try await group.waitForAll()
            }
            #expect(Set(try server.messages().map(\.subject)) == Set((0..<6).map { "Message \($0)" }))
        }
    }
}
