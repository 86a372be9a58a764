import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line to standard output:
/// `{"ts":…,"level":…,"service":…,"msg":…,"request_id":…,"trace_id":…,…}`.
///
/// Given a ``LogShipper`` (``ProcessMain/bootstrap(service:level:)`` gives it the process's),
/// it also hands a ``SystemLogRecord`` of each line to it for the logging service, unless
/// shipping is suppressed in this task (``LogShipper/isSuppressed``); logging never waits for
/// the shipper's I/O.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    /// Pass ``RequestLogContext/metadataProvider`` so lines carry the request's caller and tenant.
    public var metadataProvider: Logger.MetadataProvider?
    /// Where the lines are shipped, if anywhere; ``ServiceProcess`` runs it on its NATS connection.
    public let shipper: LogShipper?
    private let label: String
    private let sink: @Sendable (String) -> Void

    /// Writes to standard output (and ships through `shipper`).
    public init(
        label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil, shipper: LogShipper? = nil
    ) {
        self.init(label: label, level: level, metadataProvider: metadataProvider, shipper: shipper, sink: Self.standardOutput)
    }

    /// Writes each line to `sink` (tests).
    public init(
        label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil, shipper: LogShipper? = nil,
        sink: @escaping @Sendable (String) -> Void
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.shipper = shipper
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = Self.merge(metadata, metadataProvider, event)
        let time = Date()
        if let line = Self.line(event: event, label: label, metadata: merged, time: time) { sink(line) }
        guard let shipper, shipper.isAccepting, !LogShipper.isSuppressed else { return }
        shipper.enqueue(SystemLogRecord.make(service: shipper.service, label: label, event: event, metadata: merged, time: time))
    }

    /// Writes `line` and a newline to standard output.
    public static let standardOutput: @Sendable (String) -> Void = { line in
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// The metadata of one event: the handler's, then the provider's, then the event's own
    /// (a later one wins on the same key).
    private static func merge(_ metadata: Logger.Metadata, _ provider: Logger.MetadataProvider?, _ event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = provider?.get(), !provided.isEmpty { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        return merged
    }

    /// The JSON line of one event (nil when it cannot be encoded).
    static func line(event: LogEvent, label: String, metadata: Logger.Metadata, time: Date) -> String? {
        var object: [String: Any] = [
            "ts": timestamp(time),
            "level": event.level.rawValue,
            "logger": label,
            "msg": event.message.description,
        ]
        for (key, value) in metadata { object[key] = json(value) }
        if event.level >= .error { object["source"] = "\(event.file):\(event.line)" }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return nil
        }
        return String(data: data, encoding: .utf8)
    }

    private static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let array): return array.map(json)
        case .dictionary(let dictionary): return dictionary.mapValues(json)
        }
    }

    private static func timestamp(_ time: Date) -> String {
        time.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
