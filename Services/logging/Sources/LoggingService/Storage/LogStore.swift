import Contracts
import Foundation
import ServiceLifecycle

/// A record on its way into storage, with the day it may be deleted (from the retention of
/// its tier and organization when it was ingested).
public struct StoredRecord: Sendable, Equatable {
    public var record: Hexabase_Logs_V1_LogRecord
    /// The record is kept at least until this instant; storage drops it in whole days after.
    public var expiresAt: Date

    public init(record: Hexabase_Logs_V1_LogRecord, expiresAt: Date) {
        self.record = record
        self.expiresAt = expiresAt
    }
}

/// What a live tail read: records after the cursor, oldest first, and where to resume.
public struct TailPage: Sendable, Equatable {
    public var records: [Hexabase_Logs_V1_LogRecord]
    /// The last record's sequence, or the tier's end when none matched (never lower than the
    /// cursor asked for).
    public var cursor: Int64

    public init(records: [Hexabase_Logs_V1_LogRecord], cursor: Int64) {
        self.records = records
        self.cursor = cursor
    }
}

/// Where log records are kept: Postgres (``PostgresLogStore``, the default) or ClickHouse
/// (``ClickHouseLogStore``). The service validates and scopes everything before it gets here;
/// a store binds or escapes every value it is given.
public protocol LogStore: Sendable {
    /// Creates what the store needs (tables) when it is missing; called once at start.
    func prepare() async throws

    /// Background work the store needs while the process runs (run beside the service).
    var workers: [any Service] { get }

    /// Stores `records` (all of one tier) exactly once per `batchID`: a batch seen before is
    /// skipped (an ingest redelivered after a crash). Assigns each record's `sequence`.
    /// Returns the number of records stored now (0 for a repeated batch).
    @discardableResult
    func append(_ records: [StoredRecord], tier: Hexabase_Logs_V1_Tier, batchID: String) async throws -> Int

    /// Stores several batches of one tier in one go, each exactly once by its id; returns the
    /// records stored now. The default stores them one by one.
    @discardableResult
    func append(batches: [StoredBatch], tier: Hexabase_Logs_V1_Tier) async throws -> Int

    /// Does the work of appending `batches` that needs no database (encoding them for it), so
    /// that a caller can do it while the previous append runs. The default does nothing ahead.
    func encode(_ batches: [StoredBatch], tier: Hexabase_Logs_V1_Tier) -> EncodedBatches

    /// Appends batches encoded by ``encode(_:tier:)``, as ``append(batches:tier:)`` does.
    @discardableResult
    func append(_ encoded: EncodedBatches) async throws -> Int

    /// The newest records matching `query` (at most `query.limit`), newest first: by time, then
    /// by sequence.
    func query(_ query: LogQuery) async throws -> [Hexabase_Logs_V1_LogRecord]

    /// Records matching `query` (its paging fields ignored) stored after `sequence`, oldest
    /// first, at most `limit`.
    func tail(_ query: LogQuery, after sequence: Int64, limit: Int) async throws -> TailPage

    /// The tier's current end: the highest sequence stored so far (0 when empty).
    func end(of tier: Hexabase_Logs_V1_Tier) async throws -> Int64

    /// Deletes what expired before `now` (whole days); returns a description of each dropped
    /// unit (partition names, for the log).
    func dropExpired(now: Date) async throws -> [String]

    /// Deletes an organization's records of `tier` that happened before `cutoff` (after the
    /// organization shortened its retention); returns how many.
    func deleteRecords(of organizationID: String, tier: Hexabase_Logs_V1_Tier, before cutoff: Date) async throws -> Int
}

extension LogStore {
    public func prepare() async throws {}

    public var workers: [any Service] { [] }

    @discardableResult
    public func append(batches: [StoredBatch], tier: Hexabase_Logs_V1_Tier) async throws -> Int {
        var stored = 0
        for batch in batches { stored += try await append(batch.records, tier: tier, batchID: batch.id) }
        return stored
    }

    public func encode(_ batches: [StoredBatch], tier: Hexabase_Logs_V1_Tier) -> EncodedBatches {
        EncodedBatches(tier: tier, batches: batches, encoding: nil)
    }

    @discardableResult
    public func append(_ encoded: EncodedBatches) async throws -> Int {
        try await append(batches: encoded.batches, tier: encoded.tier)
    }
}

/// Batches of one tier with what a store prepared for appending them (its own type).
public struct EncodedBatches: Sendable {
    public var tier: Hexabase_Logs_V1_Tier
    public var batches: [StoredBatch]
    public var encoding: (any Sendable)?

    public init(tier: Hexabase_Logs_V1_Tier, batches: [StoredBatch], encoding: (any Sendable)?) {
        self.tier = tier
        self.batches = batches
        self.encoding = encoding
    }
}

/// Records of one tier that arrived together, with the id that makes storing them idempotent.
public struct StoredBatch: Sendable, Equatable {
    public var id: String
    public var records: [StoredRecord]

    public init(id: String, records: [StoredRecord]) {
        self.id = id
        self.records = records
    }
}
