import Contracts
import Foundation
import SwiftProtobuf

/// A log record as a `JSONEachRow` line: written by an insert, read back by a query.
struct ClickHouseRow: Codable {
    var sequence: Int64
    var id: String
    /// Microseconds since 1970 (written as seconds, read as `toUnixTimestamp64Micro(time)`).
    var time: Int64
    var level: UInt8
    var service: String
    var message: String
    var requestID: String
    var traceID: String
    var organizationID: String
    var workspaceID: String
    var projectID: String
    var userID: String
    var actorID: String
    var initiatedBy: String
    var onBehalfOf: String
    var action: String
    var resource: String
    var outcome: String
    var sourceAddress: String
    var attributes: [String: String]
    /// Only written: the insert's deduplication token.
    var batchID: String?
    /// Only written: the day the record may be dropped, in days since 1970.
    var expiresOn: Int64?

    private enum CodingKeys: String, CodingKey {
        case sequence, id, time, level, service, message, attributes, action, resource, outcome
        case timeRead = "time_us", requestID = "request_id", traceID = "trace_id", organizationID = "organization_id"
        case workspaceID = "workspace_id", projectID = "project_id", userID = "user_id", actorID = "actor_id"
        case initiatedBy = "initiated_by", onBehalfOf = "on_behalf_of", sourceAddress = "source_address"
        case batchID = "batch_id", expiresOn = "expires_on"
    }

    /// DateTime64(6)'s range: 1900-01-01 to 2299-12-31 23:59:59.999999.
    static let timeRange: ClosedRange<Int64> = -2_208_988_800_000_000...10_413_791_999_999_999
    /// Date's range in days: 1970-01-01 to 2149-06-06.
    static let dayRange: ClosedRange<Int64> = 0...65535

    /// The row of `stored`; a time or expiry outside ClickHouse's range is clamped to it (a
    /// producer's wrong clock must not make the whole batch fail).
    init(_ stored: StoredRecord, sequence: Int64, batchID: String) {
        let record = stored.record
        self.sequence = sequence
        id = record.id
        time = min(max(record.time.seconds * 1_000_000 + Int64(record.time.nanos / 1000), Self.timeRange.lowerBound), Self.timeRange.upperBound)
        level = UInt8((LogLevel(rawValue: record.level) ?? LogLevel(lenient: record.level) ?? .info).rank)
        service = record.service
        message = record.message
        requestID = record.requestID
        traceID = record.traceID
        organizationID = record.organizationID
        workspaceID = record.workspaceID
        projectID = record.projectID
        userID = record.userID
        actorID = record.actorID
        initiatedBy = record.initiatedBy
        onBehalfOf = record.onBehalfOf
        action = record.action
        resource = record.resource
        outcome = record.outcome
        sourceAddress = record.sourceAddress
        attributes = record.attributes
        self.batchID = batchID
        let day = Self.floorDivide(Timestamps.microseconds(stored.expiresAt), 86_400_000_000)
        expiresOn = min(max(day, Self.dayRange.lowerBound), Self.dayRange.upperBound)
    }

    /// The record of this row, in `tier`.
    func record(tier: Hexabase_Logs_V1_Tier) -> Hexabase_Logs_V1_LogRecord {
        var record = Hexabase_Logs_V1_LogRecord()
        record.id = id
        record.tier = tier
        let seconds = Self.floorDivide(time, 1_000_000)
        record.time = Google_Protobuf_Timestamp(seconds: seconds, nanos: Int32((time - seconds * 1_000_000) * 1000))
        record.level = LogLevel.allCases.indices.contains(Int(level)) ? LogLevel.allCases[Int(level)].rawValue : LogLevel.info.rawValue
        record.service = service
        record.message = message
        record.requestID = requestID
        record.traceID = traceID
        record.organizationID = organizationID
        record.workspaceID = workspaceID
        record.projectID = projectID
        record.userID = userID
        record.actorID = actorID
        record.initiatedBy = initiatedBy
        record.onBehalfOf = onBehalfOf
        record.action = action
        record.resource = resource
        record.outcome = outcome
        record.sourceAddress = sourceAddress
        record.attributes = attributes
        record.sequence = sequence
        return record
    }

    init(from decoder: any Swift.Decoder) throws {
        let row = try decoder.container(keyedBy: CodingKeys.self)
        sequence = try row.decodeInt64(.sequence)
        time = try row.decodeInt64(.timeRead)
        id = try row.decode(String.self, forKey: .id)
        level = try row.decode(UInt8.self, forKey: .level)
        service = try row.decode(String.self, forKey: .service)
        message = try row.decode(String.self, forKey: .message)
        requestID = try row.decode(String.self, forKey: .requestID)
        traceID = try row.decode(String.self, forKey: .traceID)
        organizationID = try row.decode(String.self, forKey: .organizationID)
        workspaceID = try row.decode(String.self, forKey: .workspaceID)
        projectID = try row.decode(String.self, forKey: .projectID)
        userID = try row.decode(String.self, forKey: .userID)
        actorID = try row.decode(String.self, forKey: .actorID)
        initiatedBy = try row.decode(String.self, forKey: .initiatedBy)
        onBehalfOf = try row.decode(String.self, forKey: .onBehalfOf)
        action = try row.decode(String.self, forKey: .action)
        resource = try row.decode(String.self, forKey: .resource)
        outcome = try row.decode(String.self, forKey: .outcome)
        sourceAddress = try row.decode(String.self, forKey: .sourceAddress)
        attributes = try row.decode([String: String].self, forKey: .attributes)
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var row = encoder.container(keyedBy: CodingKeys.self)
        try row.encode(sequence, forKey: .sequence)
        try row.encodeIfPresent(batchID, forKey: .batchID)
        try row.encode(id, forKey: .id)
        // Seconds as an exact decimal number: DateTime64 reads it to the microsecond, in UTC.
        try row.encode(Decimal(time) / 1_000_000, forKey: .time)
        // Date reads a number as days since 1970-01-01.
        try row.encodeIfPresent(expiresOn, forKey: .expiresOn)
        try row.encode(level, forKey: .level)
        try row.encode(service, forKey: .service)
        try row.encode(message, forKey: .message)
        try row.encode(requestID, forKey: .requestID)
        try row.encode(traceID, forKey: .traceID)
        try row.encode(organizationID, forKey: .organizationID)
        try row.encode(workspaceID, forKey: .workspaceID)
        try row.encode(projectID, forKey: .projectID)
        try row.encode(userID, forKey: .userID)
        try row.encode(actorID, forKey: .actorID)
        try row.encode(initiatedBy, forKey: .initiatedBy)
        try row.encode(onBehalfOf, forKey: .onBehalfOf)
        try row.encode(action, forKey: .action)
        try row.encode(resource, forKey: .resource)
        try row.encode(outcome, forKey: .outcome)
        try row.encode(sourceAddress, forKey: .sourceAddress)
        try row.encode(attributes, forKey: .attributes)
    }

    /// `JSONEachRow` lines of `records`, numbered from `firstSequence`.
    static func insertBody(_ records: ArraySlice<StoredRecord>, firstSequence: Int64, batchID: String) throws -> [UInt8] {
        let encoder = JSONEncoder()
        var body: [UInt8] = []
        for (offset, stored) in records.enumerated() {
            body += try encoder.encode(ClickHouseRow(stored, sequence: firstSequence + Int64(offset), batchID: batchID))
            body.append(UInt8(ascii: "\n"))
        }
        return body
    }

    /// The rows of a `JSONEachRow` answer, as records of `tier`.
    static func records(in body: [UInt8], tier: Hexabase_Logs_V1_Tier) throws -> [Hexabase_Logs_V1_LogRecord] {
        let decoder = JSONDecoder()
        return try body.split(separator: UInt8(ascii: "\n")).map { line in
            try decoder.decode(ClickHouseRow.self, from: Data(line)).record(tier: tier)
        }
    }

    /// `value / divisor`, rounded toward negative infinity.
    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

extension KeyedDecodingContainer {
    /// A 64-bit integer as ClickHouse writes it in JSON: quoted unless
    /// `output_format_json_quote_64bit_integers` is 0.
    func decodeInt64(_ key: Key) throws -> Int64 {
        if let number = try? decode(Int64.self, forKey: key) { return number }
        guard let number = Int64(try decode(String.self, forKey: key)) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not a 64-bit integer")
        }
        return number
    }
}
