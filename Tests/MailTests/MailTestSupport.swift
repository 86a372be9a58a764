import Logging
import Mail
import Synchronization
import Testing

/// Expects `body` to throw a ``MailError`` with `code`, and returns it.
@discardableResult
func expectMailError(
    _ code: MailError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> MailError? {
    let error = await #expect(throws: MailError.self, sourceLocation: sourceLocation) { try await body() }
    #expect(error?.code == code, "got \(error.map(String.init(describing:)) ?? "no error")", sourceLocation: sourceLocation)
    return error
}

/// A message from a fixed sender to `to`.
func message(
    to: [String] = ["alice@example.com"], subject: String = "Hello", text: String = "Hi there.\n", html: String? = nil
) throws -> MailMessage {
    MailMessage(
        from: try MailAddress("no-reply@hexabase.test", displayName: "Hexabase"),
        to: try to.map { try MailAddress(parsing: $0) }, subject: subject, textBody: text, htmlBody: html
    )
}

/// A log handler that keeps every entry, for tests that read what was logged.
final class RecordingLogHandler: LogHandler, Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let recorded = Mutex<[Entry]>([])

    var entries: [Entry] { recorded.withLock { $0 } }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        let entry = Entry(
            level: event.level, message: "\(event.message)",
            metadata: (event.metadata ?? [:]).mapValues { "\($0)" }
        )
        recorded.withLock { $0.append(entry) }
    }

    /// A logger writing to this handler.
    var logger: Logger {
        Logger(label: "hexabase.test.mail") { _ in self }
    }
}
