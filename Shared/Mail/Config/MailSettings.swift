import Configuration
import Logging

/// The mail settings of a process, read from configuration, and the mailer they call for.
///
/// Keys (environment: `HXB_MAIL_SMTP_URL`, …; flags: `--mail-smtp-url`, …):
///
/// | key | default | meaning |
/// |---|---|---|
/// | `mail.from` | `Hexabase <no-reply@localhost>` | the sender of every mail (set it in production) |
/// | `mail.smtp.url` | empty | `smtp://host:port[/ehlo-name]` or `smtps://host:port`; empty logs mail instead (``LogMailer``) |
/// | `mail.smtp.username` | none | SMTP AUTH user; none sends without AUTH |
/// | `mail.smtp.password` | none | SMTP AUTH password (secret) |
/// | `mail.smtp.tls` | `required`; `none` for `smtp://` on loopback | `none`, `opportunistic` or `required` STARTTLS |
/// | `mail.smtp.ca.file` | system store | PEM CA bundle to verify the server with |
/// | `mail.smtp.connect.timeout.seconds` | 10 | TCP + TLS connect timeout |
/// | `mail.smtp.timeout.seconds` | 30 | timeout of a whole send |
/// | `mail.smtp.max.concurrent` | 4 | sends running at once per process |
public struct MailSettings: Sendable {
    /// The default of `mail.from`: valid, but a real deployment sets its own domain.
    public static let defaultFrom = "Hexabase <no-reply@localhost>"

    /// The sender that services put in `From:`.
    public var from: MailAddress
    /// The SMTP server; nil when mail goes to the log.
    public var smtp: SMTPConfiguration?

    /// Creates settings from values.
    public init(from: MailAddress, smtp: SMTPConfiguration? = nil) {
        self.from = from
        self.smtp = smtp
    }

    /// Reads the keys of the table above; throws ``MailError/Code/invalidConfiguration`` for a
    /// value that cannot work (bad sender, URL or TLS policy), so a process fails at start
    /// rather than at its first mail.
    public init(reading config: ConfigReader) throws(MailError) {
        let fromText = config.string(forKey: "mail.from", default: Self.defaultFrom)
        do {
            from = try MailAddress(parsing: fromText)
        } catch {
            throw .invalidConfiguration("mail.from is not a valid sender: \(error.message)")
        }
        let url = config.string(forKey: "mail.smtp.url", default: "").trimmingSpaces
        guard !url.isEmpty else {
            smtp = nil
            return
        }
        var policy: SMTPConfiguration.TLSPolicy?
        if let tls = config.string(forKey: "mail.smtp.tls"), !tls.isEmpty {
            guard let known = SMTPConfiguration.TLSPolicy(rawValue: tls.lowercased()) else {
                throw .invalidConfiguration("mail.smtp.tls must be none, opportunistic or required")
            }
            policy = known
        }
        let username = config.string(forKey: "mail.smtp.username")
        smtp = try SMTPConfiguration(
            url: url,
            username: (username?.isEmpty ?? true) ? nil : username,
            password: config.string(forKey: "mail.smtp.password", isSecret: true),
            tls: policy,
            caFile: config.string(forKey: "mail.smtp.ca.file").flatMap { $0.isEmpty ? nil : $0 },
            connectTimeout: .seconds(config.int(forKey: "mail.smtp.connect.timeout.seconds", default: 10)),
            timeout: .seconds(config.int(forKey: "mail.smtp.timeout.seconds", default: 30)),
            maxConcurrentSends: config.int(forKey: "mail.smtp.max.concurrent", default: 4)
        )
    }

    /// An ``SMTPMailer`` when an SMTP URL is set, otherwise a ``LogMailer`` (said in the log).
    public func makeMailer(logger: Logger) -> any Mailer {
        guard let smtp else {
            logger.notice("mail.smtp.url is empty: mails are written to the log, not sent")
            return LogMailer(logger: logger)
        }
        return SMTPMailer(configuration: smtp, logger: logger)
    }
}
