import Contracts
import Foundation
import ServiceKit

/// Makes an incoming record safe to store: an id, a time within reason, a known level, no NUL
/// characters (Postgres text cannot hold them), every field within its length, and at most
/// ``maxAttributes`` attributes. Nothing is refused for being long: it is cut, and the record
/// says so in its `truncated` attribute.
struct RecordNormalizer: Sendable {
    static let maxMessage = 32 * 1024
    static let maxField = 256
    static let maxAttributes = 64
    static let maxAttributeKey = 128
    static let maxAttributeValue = 2048
    /// How far ahead of the service's clock a record's time may be.
    static let futureSkew: TimeInterval = 3600

    func normalize(_ input: Hexabase_Logs_V1_LogRecord, tier: Hexabase_Logs_V1_Tier, now: Date) -> Hexabase_Logs_V1_LogRecord {
        var record = input
        var truncated = false
        func clean(_ value: String, _ limit: Int) -> String {
            var value = value
            if value.utf8.contains(0) { value = value.replacingOccurrences(of: "\0", with: "") }
            if value.utf8.count > limit {
                truncated = true
                value = Self.prefix(value, bytes: limit)
            }
            return value
        }
        record.tier = tier
        record.sequence = 0
        record.id = clean(record.id, 64)
        if record.id.isEmpty { record.id = PrefixedID.make("log") }
        let latest = now.addingTimeInterval(Self.futureSkew)
        if !record.hasTime || !Timestamps.isValid(record.time) || record.time.seconds <= 0 {
            record.time = .init(date: now)
        } else if record.time.date > latest {
            record.time = .init(date: latest)
        }
        record.level = (LogLevel(lenient: record.level) ?? .info).rawValue
        record.message = clean(record.message, Self.maxMessage)
        record.service = clean(record.service, Self.maxField)
        record.requestID = clean(record.requestID, Self.maxField)
        record.traceID = clean(record.traceID, Self.maxField)
        record.organizationID = clean(record.organizationID, Self.maxField)
        record.workspaceID = clean(record.workspaceID, Self.maxField)
        record.projectID = clean(record.projectID, Self.maxField)
        record.userID = clean(record.userID, Self.maxField)
        record.actorID = clean(record.actorID, Self.maxField)
        record.initiatedBy = clean(record.initiatedBy, Self.maxField)
        record.onBehalfOf = clean(record.onBehalfOf, Self.maxField)
        record.action = clean(record.action, Self.maxField)
        record.resource = clean(record.resource, Self.maxField)
        record.outcome = clean(record.outcome, Self.maxField)
        record.sourceAddress = clean(record.sourceAddress, Self.maxField)
        if !record.attributes.isEmpty {
            var attributes: [String: String] = [:]
            for key in record.attributes.keys.sorted() {
                guard attributes.count < Self.maxAttributes else {
                    truncated = true
                    break
                }
                let cleanKey = clean(key, Self.maxAttributeKey)
                guard !cleanKey.isEmpty else { continue }
                attributes[cleanKey] = clean(record.attributes[key] ?? "", Self.maxAttributeValue)
            }
            record.attributes = attributes
        }
        if truncated { record.attributes["truncated"] = "true" }
        return record
    }

    /// The longest prefix of `value` within `bytes` UTF-8 bytes (`value` is longer) that ends
    /// on a Unicode scalar.
    static func prefix(_ value: String, bytes: Int) -> String {
        var end = value.utf8.index(value.utf8.startIndex, offsetBy: bytes)
        while end.samePosition(in: value.unicodeScalars) == nil {
            end = value.utf8.index(before: end)
        }
        return String(value.unicodeScalars[..<end])
    }
}
