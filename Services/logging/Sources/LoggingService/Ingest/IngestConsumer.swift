import Contracts
import Foundation
import Logging
import ServiceKit

/// Moves ingest batches from the `HXB_LOGS` stream into the store, exactly once: a batch is
/// acknowledged to JetStream only after its transaction committed, and the store skips a batch
/// id it has stored before (a crash between commit and acknowledgment redelivers it).
struct IngestConsumer: Sendable {
    let store: any LogStore
    let retention: RetentionBook
    let signal: AppendSignal
    /// Tells the other replicas' tails (core NATS, best effort).
    let broadcast: @Sendable () -> Void
    let logger: Logger

    /// The durable consumer shared by every replica.
    static func configuration(batch: Int, ackWait: Duration) -> EventConsumer.Configuration {
        EventConsumer.Configuration(
            name: "logging-ingest", subject: "hxb.logs.ingest.>", stream: .logs, batchSize: batch,
            fetchWait: .seconds(1), ackWait: ackWait,
            // Records wait (in the stream) for storage that is down rather than being dropped.
            maxDeliver: 1_000_000, retryDelay: .milliseconds(500), maxRetryDelay: .seconds(30)
        )
    }

    /// Messages stored per transaction. A fetched batch is stored in groups of this many, and
    /// the next group is decoded, normalized and encoded while the previous one is being
    /// written, so this process's work and the database's overlap (groups still commit in order).
    static let groupSize = 8

    /// Stores a fetched batch of messages, one transaction per group and tier.
    @Sendable func handle(_ messages: [NATSMessage]) async throws {
        // At most one group is being written (a child task) while the next one is prepared.
        // If anything fails the whole fetch is delivered again; groups that committed are
        // skipped then by their batch ids.
        let stored = try await withThrowingTaskGroup(of: Int.self) { writes in
            var stored = 0
            for start in stride(from: 0, to: messages.count, by: Self.groupSize) {
                let prepared = try await prepare(Array(messages[start..<min(start + Self.groupSize, messages.count)]))
                if let written = try await writes.next() { stored += written }
                writes.addTask { try await append(prepared) }
            }
            while let written = try await writes.next() { stored += written }
            return stored
        }
        if stored > 0 {
            signal.ring()
            broadcast()
        }
    }

    private func prepare(_ messages: [NATSMessage]) async throws -> [EncodedBatches] {
        var batches: [(id: String, records: [Hexabase_Logs_V1_LogRecord])] = []
        for message in messages {
            do {
                let request = try Hexabase_Logs_V1_IngestRequest(serializedBytes: message.payload)
                batches.append((message.headers["Nats-Msg-Id"] ?? IngestPublisher.batchID(request.records), request.records))
            } catch {
                // Retrying cannot fix it: log it and let it go.
                logger.error("ingest: dropping a message that is not an IngestRequest", metadata: ["subject": "\(message.subject)", "error": "\(error)"])
            }
        }
        return encode(try await storedBatches(batches, now: Date()))
    }

    /// Stores batches of records (normalized again: messages written straight into the stream
    /// by other services' outboxes did not pass the Ingest handler). Returns how many were new.
    func store(_ batches: [(id: String, records: [Hexabase_Logs_V1_LogRecord])], now: Date = Date()) async throws -> Int {
        try await append(encode(try await storedBatches(batches, now: now)))
    }

    /// Each tier's batches encoded for the store (no database work), tiers in a fixed order.
    private func encode(_ byTier: [Hexabase_Logs_V1_Tier: [StoredBatch]]) -> [EncodedBatches] {
        byTier.keys.sorted(by: { $0.rawValue < $1.rawValue }).map { store.encode(byTier[$0] ?? [], tier: $0) }
    }

    /// Writes encoded batches, one transaction per tier; returns how many records were new.
    private func append(_ encoded: [EncodedBatches]) async throws -> Int {
        var stored = 0
        for tier in encoded { stored += try await store.append(tier) }
        return stored
    }

    /// Normalized records with their expiry, grouped by tier; records already past their
    /// retention are left out.
    func storedBatches(_ batches: [(id: String, records: [Hexabase_Logs_V1_LogRecord])], now: Date) async throws -> [Hexabase_Logs_V1_Tier: [StoredBatch]] {
        let normalizer = RecordNormalizer()
        let today = Self.startOfDay(now)
        var byTier: [Hexabase_Logs_V1_Tier: [StoredBatch]] = [:]
        var expired = 0
        var retentionDays: [String: Int] = [:]
        for batch in batches {
            var tiers: [Hexabase_Logs_V1_Tier: [StoredRecord]] = [:]
            for input in batch.records {
                let tier = input.tier == .unspecified ? Hexabase_Logs_V1_Tier.system : input.tier
                let record = normalizer.normalize(input, tier: tier, now: now)
                let key = "\(tier.rawValue)/\(record.organizationID)"
                let days: Int
                if let known = retentionDays[key] {
                    days = known
                } else {
                    days = try await retention.days(tier, organizationID: record.organizationID)
                    retentionDays[key] = days
                }
                let expiresAt = Self.startOfDay(record.time.date).addingTimeInterval(TimeInterval(days) * 86_400)
                // Already past its retention: storing it would only make it expire at once.
                guard expiresAt >= today else {
                    expired += 1
                    continue
                }
                tiers[tier, default: []].append(StoredRecord(record: record, expiresAt: expiresAt))
            }
            for (tier, records) in tiers {
                byTier[tier, default: []].append(StoredBatch(id: "\(batch.id)/\(tier.rawValue)", records: records))
            }
        }
        if expired > 0 { logger.notice("ingest: records older than their retention were not stored", metadata: ["count": "\(expired)"]) }
        return byTier
    }

    static func startOfDay(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
    }
}
