import Foundation
import Logging

/// The process's swift-log handler (installed by ``ProcessMain/bootstrap(service:level:)``):
/// writes each line to standard output exactly as ``JSONLogHandler`` does, and hands a
/// ``SystemLogRecord`` of it to a ``LogShipper`` for the logging service, unless shipping is
/// suppressed in this task (``LogShipper/isSuppressed``). Logging never waits for the shipper's
/// I/O.
public struct ShippingLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// Where the records go; ``ServiceProcess`` runs it on its NATS connection.
    public let shipper: LogShipper
    private let label: String
    private let sink: @Sendable (String) -> Void

    /// A handler for the logger `label` that ships through `shipper` and writes JSON lines to
    /// `sink` (standard output by default). Pass ``RequestLogContext/metadataProvider`` so lines
    /// carry the request's user and tenant.
    public init(
        label: String, level: Logger.Level = .info, shipper: LogShipper, metadataProvider: Logger.MetadataProvider? = nil,
        sink: @escaping @Sendable (String) -> Void = JSONLogHandler.standardOutput
    ) {
        self.label = label
        self.logLevel = level
        self.shipper = shipper
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = JSONLogHandler.merge(metadata, metadataProvider, event)
        let time = Date()
        if let line = JSONLogHandler.line(event: event, label: label, metadata: merged, time: time) { sink(line) }
        guard shipper.isAccepting, !LogShipper.isSuppressed else { return }
        shipper.enqueue(SystemLogRecord.make(service: shipper.service, label: label, event: event, metadata: merged, time: time))
    }
}
