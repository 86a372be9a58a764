import CNATS
import Contracts

/// The JetStream stream that keeps the platform's events (DESIGN §4:
/// `hxb.events.<service>.<entity>.<verb>`, at least once), so an event published while no
/// consumer runs still reaches every durable consumer later.
///
/// Publishers and consumers both call ``ensure(on:)`` before use; the code is the source of
/// truth for the stream's configuration.
public struct EventStream: Sendable, Equatable {
    /// The stream name (no dots).
    public var name: String
    /// The subjects the stream captures.
    public var subjects: [String]
    /// How long an event is kept (acknowledged or not).
    public var maxAge: Duration
    /// How long the stream remembers message ids to drop a republished event.
    public var duplicateWindow: Duration
    /// Replicas in a clustered JetStream (1 on one machine).
    public var replicas: Int

    /// A stream configuration; file storage, limits retention.
    public init(name: String, subjects: [String], maxAge: Duration, duplicateWindow: Duration, replicas: Int = 1) {
        self.name = name
        self.subjects = subjects
        self.maxAge = maxAge
        self.duplicateWindow = duplicateWindow
        self.replicas = replicas
    }

    /// `HXB_EVENTS` on `hxb.events.>`: kept 7 days, duplicates dropped within 2 minutes.
    public static let events = EventStream(
        name: "HXB_EVENTS", subjects: ["hxb.events.>"], maxAge: .seconds(7 * 24 * 3600), duplicateWindow: .seconds(120)
    )

    /// `HXB_LOGS` on `hxb.logs.ingest.>`: log and audit records on their way into the logging
    /// service's storage (each message a serialized `hexabase.logs.v1.IngestRequest`, its
    /// `Nats-Msg-Id` the batch's id). Kept 7 days, so a logging service that is down for less
    /// loses nothing; duplicates dropped within 2 minutes.
    public static let logs = EventStream(
        name: "HXB_LOGS", subjects: ["hxb.logs.ingest.>"], maxAge: .seconds(7 * 24 * 3600), duplicateWindow: .seconds(120)
    )

    /// The subject on which records of `tier` enter ``logs``: `hxb.logs.ingest.<tier>`
    /// (`system`, `audit`, `workload`).
    public static func logsSubject(_ tier: Hexabase_Logs_V1_Tier) -> String {
        switch tier {
        case .audit: "hxb.logs.ingest.audit"
        case .workload: "hxb.logs.ingest.workload"
        default: "hxb.logs.ingest.system"
        }
    }

    /// Creates the stream, or brings an existing one to this configuration. Idempotent, and
    /// safe when several processes call it at once (the server accepts a create that matches
    /// the existing stream; a differing one is updated).
    public func ensure(on jetStream: JetStream) async throws(NATSError) {
        let context = UncheckedHandle(jetStream.handle)
        try await runBlocking { () throws(NATSError) in
            try withConfiguration { configuration throws(NATSError) in
                var code = jsErrCode(rawValue: 0)
                let added = js_AddStream(nil, context.pointer, configuration, nil, &code)
                if added == NATS_OK { return }
                guard code == JSStreamNameExistErr else {
                    throw NATSError(added, "creating stream \(name)", jetStreamCode: code)
                }
                code = jsErrCode(rawValue: 0)
                let updated = js_UpdateStream(nil, context.pointer, configuration, nil, &code)
                guard updated == NATS_OK else { throw NATSError(updated, "updating stream \(name)", jetStreamCode: code) }
            }
        }
    }

    private func withConfiguration<R>(_ body: (UnsafeMutablePointer<jsStreamConfig>) throws(NATSError) -> R) throws(NATSError) -> R {
        var configuration = jsStreamConfig()
        jsStreamConfig_Init(&configuration)
        configuration.Storage = js_FileStorage
        configuration.Retention = js_LimitsPolicy
        configuration.MaxAge = maxAge.wholeNanoseconds
        configuration.Duplicates = duplicateWindow.wholeNanoseconds
        configuration.Replicas = Int64(replicas)
        let result: Result<R, NATSError> = name.withCString { name in
            withCStringArray(subjects) { subjects in
                configuration.Name = name
                configuration.Subjects = subjects
                configuration.SubjectsLen = Int32(self.subjects.count)
                do throws(NATSError) {
                    return .success(try body(&configuration))
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }
}
