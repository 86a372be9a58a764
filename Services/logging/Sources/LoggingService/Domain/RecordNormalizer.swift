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
        /// The field cleaned, or nil when it is fine as it is. Setting a field of a message copies
        /// its storage, so fields are only set when they change (most records need nothing).
        func cleaned(_ value: String, _ limit: Int) -> String? {
            let hasNUL = value.utf8.contains(0)
            let tooLong = value.utf8.count > limit
            guard hasNUL || tooLong else { return nil }
            var value = value
            if hasNUL { value = value.replacingOccurrences(of: "\0", with: "") }
            if value.utf8.count > limit {
                truncated = true
                value = Self.prefix(value, bytes: limit)
            }
            return value
        }
        if record.tier != tier { record.tier = tier }
        if record.sequence != 0 { record.sequence = 0 }
        if let id = cleaned(record.id, 64) { record.id = id }
        if record.id.isEmpty { record.id = PrefixedID.make("log") }
        let latest = now.addingTimeInterval(Self.futureSkew)
        if !record.hasTime || !Timestamps.isValid(record.time) || record.time.seconds <= 0 {
            record.time = .init(date: now)
        } else if record.time.date > latest {
            record.time = .init(date: latest)
        }
        let level = (LogLevel(lenient: record.level) ?? .info).rawValue
        if record.level != level { record.level = level }
        if let message = cleaned(record.message, Self.maxMessage) { record.message = message }
        if let value = cleaned(record.service, Self.maxField) { record.service = value }
        if let value = cleaned(record.requestID, Self.maxField) { record.requestID = value }
        if let value = cleaned(record.traceID, Self.maxField) { record.traceID = value }
        if let value = cleaned(record.organizationID, Self.maxField) { record.organizationID = value }
        if let value = cleaned(record.workspaceID, Self.maxField) { record.workspaceID = value }
        if let value = cleaned(record.projectID, Self.maxField) { record.projectID = value }
        if let value = cleaned(record.userID, Self.maxField) { record.userID = value }
        if let value = cleaned(record.actorID, Self.maxField) { record.actorID = value }
        if let value = cleaned(record.initiatedBy, Self.maxField) { record.initiatedBy = value }
        if let value = cleaned(record.onBehalfOf, Self.maxField) { record.onBehalfOf = value }
        if let value = cleaned(record.action, Self.maxField) { record.action = value }
        if let value = cleaned(record.resource, Self.maxField) { record.resource = value }
        if let value = cleaned(record.outcome, Self.maxField) { record.outcome = value }
        if let value = cleaned(record.sourceAddress, Self.maxField) { record.sourceAddress = value }
        if !record.attributes.isEmpty, record.attributes.count > Self.maxAttributes || record.attributes.contains(where: { key, value in
            key.isEmpty || cleaned(key, Self.maxAttributeKey) != nil || cleaned(value, Self.maxAttributeValue) != nil
        }) {
            var attributes: [String: String] = [:]
            for key in record.attributes.keys.sorted() {
                guard attributes.count < Self.maxAttributes else {
                    truncated = true
                    break
                }
                let cleanKey = cleaned(key, Self.maxAttributeKey) ?? key
                guard !cleanKey.isEmpty else { continue }
                let value = record.attributes[key] ?? ""
                attributes[cleanKey] = cleaned(value, Self.maxAttributeValue) ?? value
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
