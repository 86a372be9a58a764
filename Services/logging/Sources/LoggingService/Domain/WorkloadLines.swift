import Contracts
import Foundation
import ServiceKit

/// Turns what a tenant cluster's log shipper sends into workload records: JSON lines (Vector's
/// `http` sink with `newline_delimited` framing, Fluent Bit's `json_lines`) or one JSON array
/// (Fluent Bit's `json`). Understands the fields of Vector's `kubernetes_logs` source and of
/// Fluent Bit's `kubernetes` filter; other top-level scalars become attributes.
///
/// The project comes from the namespace's `hexabase.ai/project` label (the platform labels
/// every project namespace in a vCluster with it). The caller pins the workspace from the
/// ingestion token, and a query of a project also filters on that workspace, so a label
/// naming another workspace's project reaches nobody else.
struct WorkloadLines {
    struct Parsed {
        var records: [Hexabase_Logs_V1_LogRecord] = []
        var rejected = 0
        var firstError = ""
    }

    static let maxLines = 20_000

    /// `idSeed` makes the records' ids a function of the request (e.g. the token id and a hash
    /// of the body) and the line number, so a shipper resending a body whose answer it lost
    /// sends the same ids, and the batch is stored once.
    static func parse(_ body: [UInt8], now: Date, idSeed: String? = nil) -> Parsed {
        var parsed = Parsed()
        func reject(_ reason: String) {
            if parsed.rejected == 0 { parsed.firstError = reason }
            parsed.rejected += 1
        }
        let firstByte = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        var objects: [(line: Int, value: Any?)] = []
        if firstByte == UInt8(ascii: "[") {
            guard let array = try? JSONSerialization.jsonObject(with: Data(body)) as? [Any] else {
                reject("the body starts with [ but is not a JSON array")
                return parsed
            }
            objects = array.enumerated().map { ($0.offset + 1, $0.element) }
        } else {
            var lineNumber = 0
            for line in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
                lineNumber += 1
                let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
                if trimmed.isEmpty || trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                objects.append((lineNumber, try? JSONSerialization.jsonObject(with: Data(trimmed), options: [.fragmentsAllowed])))
            }
        }
        for (line, value) in objects {
            guard parsed.records.count + parsed.rejected < maxLines else {
                reject("more than \(maxLines) records in one request")
                continue
            }
            guard let object = value as? [String: Any] else {
                reject("record \(line) is not a JSON object")
                continue
            }
            var parsedRecord = record(object, now: now)
            if let idSeed { parsedRecord.id = "log-\(idSeed)-\(line)" }
            parsed.records.append(parsedRecord)
        }
        return parsed
    }

    static func record(_ object: [String: Any], now: Date) -> Hexabase_Logs_V1_LogRecord {
        var record = Hexabase_Logs_V1_LogRecord()
        record.tier = .workload
        record.id = PrefixedID.make("log")
        let kubernetes = object["kubernetes"] as? [String: Any] ?? [:]
        var consumed: Set<String> = ["kubernetes"]
        func take(_ keys: [String]) -> Any? {
            for key in keys { if let value = object[key] { consumed.insert(key); return value } }
            return nil
        }
        record.message = text(take(["message", "log", "msg"])) ?? ""
        record.time = .init(date: time(take(["timestamp", "@timestamp", "time", "date", "ts"])) ?? now)
        record.level = (text(take(["level", "severity", "lvl", "log.level"])).flatMap(LogLevel.init(lenient:)) ?? .info).rawValue
        let namespace = text(kubernetes["pod_namespace"] ?? kubernetes["namespace_name"]) ?? ""
        let pod = text(kubernetes["pod_name"]) ?? ""
        let container = text(kubernetes["container_name"]) ?? ""
        record.service = container
        record.resource = namespace.isEmpty ? pod : "\(namespace)/\(pod)"
        let namespaceLabels = kubernetes["namespace_labels"] as? [String: Any] ?? [:]
        if let project = text(namespaceLabels["hexabase.ai/project"]), PrefixedID.isValid(project, prefix: "prj") {
            record.projectID = project
        }
        var attributes: [String: String] = [:]
        if !namespace.isEmpty { attributes["namespace"] = namespace }
        if !pod.isEmpty { attributes["pod"] = pod }
        if !container.isEmpty { attributes["container"] = container }
        if let node = text(kubernetes["pod_node_name"] ?? kubernetes["host"]) { attributes["node"] = node }
        for (key, value) in object where !consumed.contains(key) {
            guard attributes.count < RecordNormalizer.maxAttributes - 1, let scalar = text(value) else { continue }
            attributes[key] = scalar
        }
        record.attributes = attributes
        return record
    }

    /// A scalar as text (strings as they are, numbers and booleans printed); nil otherwise.
    private static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: return string
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    /// RFC 3339 text (with or without fractions) or seconds since the epoch (Fluent Bit's
    /// `double` date format).
    private static func time(_ value: Any?) -> Date? {
        switch value {
        case let number as NSNumber:
            let seconds = number.doubleValue
            // Beyond year 9999 (or NaN) a timestamp cannot be represented: use the arrival time.
            return seconds.isFinite && seconds > 0 && seconds < Double(Timestamps.validSeconds.upperBound) ? Date(timeIntervalSince1970: seconds) : nil
        case let string as String:
            let date = (try? Date(string, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
                ?? (try? Date(string, strategy: Date.ISO8601FormatStyle()))
            guard let date, date.timeIntervalSince1970 > 0, date.timeIntervalSince1970 < Double(Timestamps.validSeconds.upperBound) else { return nil }
            return date
        default:
            return nil
        }
    }
}
