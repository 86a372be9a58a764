import Contracts
import Foundation
@testable import LoggingService
import Testing

@Suite struct WorkloadLinesTests {
    @Test func timesBeyondWhatATimestampHoldsBecomeTheArrivalTime() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let body = """
            {"message":"a","timestamp":1e300}
            {"message":"b","time":"+99999-01-01T00:00:00Z"}
            {"message":"c","date":-5}
            {"message":"d","timestamp":"2026-11-21T10:00:00.5Z"}
            """
        let parsed = WorkloadLines.parse(Array(body.utf8), now: now)
        #expect(parsed.rejected == 0)
        #expect(parsed.records.map(\.time.seconds) == [1_790_000_000, 1_790_000_000, 1_790_000_000, 1_795_255_200])
        // Normalizing a record with any timestamp never traps either.
        var record = Hexabase_Logs_V1_LogRecord()
        record.time.seconds = .max
        let normalized = RecordNormalizer().normalize(record, tier: .workload, now: now)
        #expect(normalized.time.seconds == 1_790_000_000)
    }

    @Test func theSameBodyWithTheSameSeedMakesTheSameIds() {
        let body = Array("{\"message\":\"a\"}\n{\"message\":\"b\"}".utf8)
        let first = WorkloadLines.parse(body, now: Date(), idSeed: "itk-1-abc")
        let again = WorkloadLines.parse(body, now: Date(), idSeed: "itk-1-abc")
        #expect(first.records.map(\.id) == again.records.map(\.id))
        #expect(IngestPublisher.batchID(first.records) == IngestPublisher.batchID(again.records))
        #expect(Set(first.records.map(\.id)).count == 2)
    }

    @Test func nulCharactersAreRemovedAndLongFieldsCut() {
        var record = Hexabase_Logs_V1_LogRecord()
        record.message = "a\u{0}b" + String(repeating: "é", count: 40_000)
        record.service = String(repeating: "s", count: 1000)
        let normalized = RecordNormalizer().normalize(record, tier: .system, now: Date())
        #expect(!normalized.message.utf8.contains(0))
        #expect(normalized.message.hasPrefix("ab"))
        #expect(normalized.message.utf8.count <= RecordNormalizer.maxMessage)
        #expect(normalized.service.utf8.count == RecordNormalizer.maxField)
        #expect(normalized.attributes["truncated"] == "true")
    }
}
