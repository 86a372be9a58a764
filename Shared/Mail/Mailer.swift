/// Something that delivers e-mail: ``SMTPMailer`` through an SMTP server, ``LogMailer`` to the
/// log for local runs. Services take `any Mailer` in their initializers, so tests and local
/// runs can swap the transport.
public protocol Mailer: Sendable {
    /// Delivers `message` to every recipient, or throws a ``MailError`` (and
    /// `CancellationError` when the task is cancelled first).
    ///
    /// A message that returns normally was accepted by the next hop (the SMTP server, or the
    /// log); it says nothing about the final delivery.
    func send(_ message: MailMessage) async throws
}
