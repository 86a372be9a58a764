import Contracts
import Foundation

/// Entry points for `hxb-bench`'s CPU probe of the ingest path (no behaviour of their own).
public enum LoggingProbeHooks {
    public static func normalize(_ record: Hexabase_Logs_V1_LogRecord, now: Date) -> Hexabase_Logs_V1_LogRecord {
        RecordNormalizer().normalize(record, tier: record.tier, now: now)
    }

    public static func chunkAndHash(_ records: [Hexabase_Logs_V1_LogRecord]) -> Int {
        IngestPublisher.chunks(records).map(IngestPublisher.batchID).count
    }
}
