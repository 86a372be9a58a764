import Contracts
import Crypto
import Foundation
import ServiceKit

/// Puts records on their way into storage: into the JetStream stream `HXB_LOGS`
/// (``EventStream/logs``), one message per tier and chunk, and returns once JetStream has
/// stored them. From then on they survive a crash of any logging replica.
///
/// Each message's id (`Nats-Msg-Id`) is a hash of its records' ids, so a producer that retries
/// an ingest whose answer it missed is stored once (JetStream drops the repeat within its
/// duplicate window; the store drops a repeated batch id after that).
struct IngestPublisher: Sendable {
    /// Records per message, and the payload size a message stays under (NATS's default max
    /// payload is 1 MiB).
    static let maxRecords = 1000
    static let maxBytes = 800 * 1024

    let publisher: EventPublisher

    /// Publishes normalized records (any tiers) and waits for JetStream's acknowledgments.
    func publish(_ records: [Hexabase_Logs_V1_LogRecord]) async throws {
        let tiers = Dictionary(grouping: records, by: \.tier)
        for tier in tiers.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            for chunk in Self.chunks(tiers[tier] ?? []) {
                var request = Hexabase_Logs_V1_IngestRequest()
                request.records = chunk
                try await publish(body: try request.serializedBytes(), tier: tier, batchID: Self.batchID(chunk))
            }
        }
    }

    /// Publishes an encoded `IngestRequest` whose records are all of `tier` and normalized,
    /// within ``maxRecords`` and ``maxBytes``; `batchID` is ``batchID(_:)`` of its records.
    func publish(body: [UInt8], tier: Hexabase_Logs_V1_Tier, batchID: String) async throws {
        do {
            try await publisher.publish(subject: EventStream.logsSubject(tier), payload: body, messageID: batchID)
        } catch {
            throw ServiceError(.unavailable, "Log storage is not accepting records right now; retry.", cause: error)
        }
    }

    /// `ing-` + SHA-256 of the records' ids, in order.
    static func batchID(_ records: [Hexabase_Logs_V1_LogRecord]) -> String {
        var hasher = SHA256()
        for record in records {
            hasher.update(data: Array(record.id.utf8))
            hasher.update(data: [0])
        }
        return "ing-" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Splits records into messages of at most ``maxRecords`` records and about ``maxBytes``.
    static func chunks(_ records: [Hexabase_Logs_V1_LogRecord]) -> [[Hexabase_Logs_V1_LogRecord]] {
        var chunks: [[Hexabase_Logs_V1_LogRecord]] = []
        var current: [Hexabase_Logs_V1_LogRecord] = []
        var bytes = 0
        for record in records {
            let size = (try? record.serializedBytes() as [UInt8])?.count ?? 0
            if !current.isEmpty, current.count >= maxRecords || bytes + size > maxBytes {
                chunks.append(current)
                current = []
                bytes = 0
            }
            current.append(record)
            bytes += size + 8
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }
}
