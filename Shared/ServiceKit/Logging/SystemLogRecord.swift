import Contracts
import Foundation
import Logging
import SwiftProtobuf

/// How a log line becomes a system-tier record of the logging service (`hexabase.logs.v1.LogRecord`,
/// tier `TIER_SYSTEM`): a fresh `log-<UUIDv7>` id, the line's time, level (swift-log's raw value)
/// and message; `request_id`, `trace_id`, `user_id`, `organization_id`, `workspace_id` and
/// `project_id` from the metadata keys of ``LogMetadataKey``; every other metadata value
/// flattened into `attributes` (nested dictionaries as dotted keys, arrays as `[a, b]`), with
/// the logger's label as `logger` and, from `error` up, the source location as `source`.
/// Long values are cut and at most ``maxAttributes`` attributes are kept (in key order).
public enum SystemLogRecord {
    /// The longest message shipped, in characters.
    public static let maxMessageLength = 8_192
    /// The most attributes of one record (the contract's limit).
    public static let maxAttributes = 64
    /// The longest attribute key and value, in characters.
    public static let maxAttributeKeyLength = 128
    public static let maxAttributeValueLength = 1_024
    /// The longest id field (request, trace, user and tenant ids).
    public static let maxIDLength = 128

    /// The record of one log line of `service`.
    public static func make(
        service: String, label: String, event: LogEvent, metadata: Logger.Metadata, time: Date
    ) -> Hexabase_Logs_V1_LogRecord {
        var record = Hexabase_Logs_V1_LogRecord()
        record.id = PrefixedID.make("log", now: time)
        record.tier = .system
        record.time = Google_Protobuf_Timestamp(date: time)
        record.level = event.level.rawValue
        record.service = service
        record.message = String(event.message.description.prefix(maxMessageLength))
        var attributes: [(String, String)] = [("logger", label)]
        if event.level >= .error { attributes.append(("source", "\(event.file):\(event.line)")) }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            switch key {
            case LogMetadataKey.requestID: record.requestID = id(value)
            case LogMetadataKey.traceID: record.traceID = id(value)
            case LogMetadataKey.userID: record.userID = id(value)
            case LogMetadataKey.organizationID: record.organizationID = id(value)
            case LogMetadataKey.workspaceID: record.workspaceID = id(value)
            case LogMetadataKey.projectID: record.projectID = id(value)
            case LogMetadataKey.service: continue
            default: flatten(value, key: key, into: &attributes)
            }
        }
        record.attributes = limitedAttributes(attributes)
        return record
    }

    /// The first ``maxAttributes`` of `pairs` as a record's attributes, keys and values cut to
    /// their limits.
    public static func limitedAttributes(_ pairs: [(String, String)]) -> [String: String] {
        var attributes: [String: String] = [:]
        for (key, value) in pairs.prefix(maxAttributes) {
            attributes[String(key.prefix(maxAttributeKeyLength))] = String(value.prefix(maxAttributeValueLength))
        }
        return attributes
    }

    private static func id(_ value: Logger.MetadataValue) -> String {
        String(text(value).prefix(maxIDLength))
    }

    private static func flatten(_ value: Logger.MetadataValue, key: String, into attributes: inout [(String, String)]) {
        guard attributes.count < maxAttributes else { return }
        if case .dictionary(let dictionary) = value {
            for (inner, nested) in dictionary.sorted(by: { $0.key < $1.key }) {
                flatten(nested, key: key + "." + inner, into: &attributes)
            }
        } else {
            attributes.append((key, text(value)))
        }
    }

    private static func text(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let array): return "[" + array.map(text).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            return "{" + dictionary.sorted(by: { $0.key < $1.key }).map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}
