import Configuration
import Logging
import Mail
import Testing

@Suite("MailSettings")
struct MailSettingsTests {
    private func settings(_ values: [AbsoluteConfigKey: ConfigValue]) throws(MailError) -> MailSettings {
        try MailSettings(reading: ConfigReader(provider: InMemoryProvider(values: values)))
    }

    @Test("without an SMTP URL, mail goes to the log from the default sender")
    func defaultsToLogMailer() throws {
        let settings = try settings([:])
        #expect(settings.smtp == nil)
        #expect(settings.from == (try MailAddress(parsing: MailSettings.defaultFrom)))
        #expect(settings.makeMailer(logger: Logger(label: "test")) is LogMailer)
    }

    @Test("reads every SMTP key")
    func readsSMTPKeys() throws {
        let settings = try settings([
            "mail.from": "Ops <ops@example.com>", "mail.smtp.url": "smtp://mail.example.com:587",
            "mail.smtp.username": "ops", "mail.smtp.password": "s3cret", "mail.smtp.tls": "opportunistic",
            "mail.smtp.ca.file": "/etc/ca.pem", "mail.smtp.timeout.seconds": 12,
            "mail.smtp.connect.timeout.seconds": 3, "mail.smtp.max.concurrent": 2,
        ])
        let smtp = try #require(settings.smtp)
        #expect(settings.from.address == "ops@example.com" && settings.from.displayName == "Ops")
        #expect(smtp.url == "smtp://mail.example.com:587")
        #expect(smtp.username == "ops" && smtp.password == "s3cret")
        #expect(smtp.tls == .opportunistic && smtp.caFile == "/etc/ca.pem")
        #expect(smtp.timeout == .seconds(12) && smtp.connectTimeout == .seconds(3) && smtp.maxConcurrentSends == 2)
        #expect(settings.makeMailer(logger: Logger(label: "test")) is SMTPMailer)
        #expect(!"\(smtp)".contains("s3cret"))
    }

    @Test("requires TLS by default, except for smtp:// on the loopback interface", arguments: [
        ("smtp://mail.example.com:587", SMTPConfiguration.TLSPolicy.required),
        ("smtps://mail.example.com", .required),
        ("smtp://127.0.0.1:2525", .none),
        ("smtp://localhost", .none),
        ("smtp://[::1]:25", .none),
        ("smtp://127.example.com", .required),
    ])
    func defaultTLSPolicy(url: String, expected: SMTPConfiguration.TLSPolicy) throws {
        #expect(try settings(["mail.smtp.url": .init(stringLiteral: url)]).smtp?.tls == expected)
    }

    @Test("refuses values that cannot work", arguments: [
        ["mail.smtp.url": "http://mail.example.com"],
        ["mail.smtp.url": "smtp://user:pass@mail.example.com"],
        ["mail.smtp.url": "smtps://mail.example.com", "mail.smtp.tls": "none"],
        ["mail.smtp.url": "smtp://mail.example.com", "mail.smtp.tls": "sometimes"],
        ["mail.smtp.url": "smtp://mail.example.com", "mail.smtp.timeout.seconds": 0],
        ["mail.from": "not an address"],
        ["mail.from": "Eve <eve@example.com>\r\nBcc: x@example.com"],
    ] as [[AbsoluteConfigKey: ConfigValue]])
    func refusesUnusableValues(_ values: [AbsoluteConfigKey: ConfigValue]) async {
        await expectMailError(.invalidConfiguration) { _ = try settings(values) }
    }
}
