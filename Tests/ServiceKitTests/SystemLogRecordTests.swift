import Contracts
import Foundation
import Logging
import ServiceKit
import Testing

/// How a log line becomes a system record (no I/O).
@Suite("System log records")
struct SystemLogRecordTests {
    static func event(_ level: Logger.Level = .info, _ message: String = "hello") -> LogEvent {
        LogEvent(level: level, message: "\(message)", metadata: nil, source: nil, file: "ServiceKit/Where.swift", function: "f()", line: 42)
    }

    @Test("request, trace, user and tenant ids become fields; the service key is dropped; the rest are flattened attributes")
    func mapsFields() {
        let metadata: Logger.Metadata = [
            "request_id": "req-1", "trace_id": "abc", "user_id": "usr-1", "organization_id": "org-1", "workspace_id": "ws-1",
            "project_id": "prj-1", "service": "auth", "client_id": "workspace", "count": .stringConvertible(3),
            "outer": ["inner": ["deep": "x"], "list": ["a", "b"]],
        ]
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        let record = SystemLogRecord.make(service: "auth", label: "hxb-auth", event: Self.event(.warning), metadata: metadata, time: time)
        #expect(record.tier == .system)
        #expect(PrefixedID.isValid(record.id, prefix: "log"))
        #expect(record.time.seconds == 1_700_000_000)
        #expect(record.level == "warning")
        #expect(record.service == "auth")
        #expect(record.message == "hello")
        #expect([record.requestID, record.traceID, record.userID] == ["req-1", "abc", "usr-1"])
        #expect([record.organizationID, record.workspaceID, record.projectID] == ["org-1", "ws-1", "prj-1"])
        #expect(record.attributes == [
            "logger": "hxb-auth", "client_id": "workspace", "count": "3", "outer.inner.deep": "x", "outer.list": "[a, b]",
        ])
    }

    @Test("from error up the source location is an attribute")
    func errorsCarryTheirSource() {
        let record = SystemLogRecord.make(service: "s", label: "l", event: Self.event(.error), metadata: [:], time: Date())
        #expect(record.attributes["source"] == "ServiceKit/Where.swift:42")
    }

    @Test("long messages and values are cut, and at most 64 attributes are kept")
    func limits() {
        var metadata: Logger.Metadata = ["long": .string(String(repeating: "v", count: 5_000))]
        for index in 0..<100 { metadata[String(format: "k%03d", index)] = "\(index)" }
        let record = SystemLogRecord.make(
            service: "s", label: "l", event: Self.event(.info, String(repeating: "m", count: 20_000)), metadata: metadata, time: Date()
        )
        #expect(record.message.count == SystemLogRecord.maxMessageLength)
        #expect(record.attributes.count == SystemLogRecord.maxAttributes)
        #expect(record.attributes["logger"] == "l")
        #expect(record.attributes["k000"] == "0")
        #expect(record.attributes["long"] == nil, "sorted after the k… keys, beyond the limit")
        let cut = SystemLogRecord.limitedAttributes([("long", String(repeating: "v", count: 5_000))])
        #expect(cut["long"]?.count == SystemLogRecord.maxAttributeValueLength)
    }

    @Test("log.ship.* keys configure the shipper")
    func readsConfiguration() async throws {
        let config = try await ConfigurationLoader.load(arguments: ["test"], environment: [
            "HXB_LOG_SHIP_ENABLED": "false", "HXB_LOG_SHIP_BUFFER": "123", "HXB_LOG_SHIP_BATCH": "5000",
            "HXB_LOG_SHIP_INTERVAL_MS": "250", "HXB_LOG_SHIP_FLUSH_TIMEOUT_MS": "700",
        ])
        let settings = ServiceSettings(reading: config, service: "test", defaultOpsPort: 0)
        #expect(!settings.logShipping.enabled)
        #expect(settings.logShipping.capacity == 123)
        #expect(settings.logShipping.batchSize == 1_000, "capped at the contract's 1,000")
        #expect(settings.logShipping.interval == .milliseconds(250))
        #expect(settings.logShipping.flushTimeout == .milliseconds(700))
        #expect(settings.logShipping.sendTimeout == .seconds(5))
        #expect(ServiceSettings().logShipping == LogShipper.Configuration())
        #expect(LogShipper.Configuration().enabled && LogShipper.Configuration().capacity == 10_000)
    }
}
