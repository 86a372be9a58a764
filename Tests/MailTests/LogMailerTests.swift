import Mail
import Testing
import TestSupport

@Suite("LogMailer")
struct LogMailerTests {
    @Test("writes the whole mail to the log at notice level, behind a marker")
    func logsTheMail() async throws {
        let handler = RecordingLogHandler()
        let mailer = LogMailer(logger: handler.logger(label: "hexabase.test.mail"))
        let link = "http://127.0.0.1:8080/reset?token=abc"
        try await mailer.send(try message(to: ["Bob <bob@example.com>"], subject: "Reset your password", text: "Open \(link)\n"))
        let entry = try #require(handler.entries.first)
        #expect(handler.entries.count == 1)
        #expect(entry.level == .notice)
        #expect(entry.message.hasPrefix(LogMailer.marker))
        #expect(entry.message.contains("To: Bob <bob@example.com>\nSubject: Reset your password\n\nOpen \(link)\n"))
        #expect(entry.metadata["mail.to"] == "Bob <bob@example.com>")
        #expect(entry.metadata["mail.subject"] == "Reset your password")
    }

    @Test("refuses an invalid message like an SMTP mailer would")
    func refusesInvalidMessages() async throws {
        let handler = RecordingLogHandler()
        let mail = try message(subject: "x\r\nBcc: y@example.com")
        await expectMailError(.invalidMessage) { try await LogMailer(logger: handler.logger(label: "hexabase.test.mail")).send(mail) }
        #expect(handler.entries.isEmpty)
    }
}
