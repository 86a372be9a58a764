import Logging
import Synchronization

/// A log handler that keeps every entry, for tests that read what was logged.
public final class RecordingLogHandler: LogHandler, Sendable {
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let recorded = Mutex<[Entry]>([])

    public init() {}

    /// Everything logged so far, oldest first.
    public var entries: [Entry] { recorded.withLock { $0 } }

    public var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    public var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    public func log(event: LogEvent) {
        let entry = Entry(
            level: event.level, message: "\(event.message)",
            metadata: (event.metadata ?? [:]).mapValues { "\($0)" }
        )
        recorded.withLock { $0.append(entry) }
    }

    /// A logger writing to this handler.
    public func logger(label: String = "hexabase.test") -> Logger {
        Logger(label: label) { _ in self }
    }
}
