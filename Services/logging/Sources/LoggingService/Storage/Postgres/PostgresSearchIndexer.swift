import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Moves the words of newly stored records into the word index, on its own connection, so that
/// appends do not wait for it.
///
/// A GIN index with `fastupdate` (the default) takes new entries into a pending list, and the
/// backend whose insert overflows the list merges the whole list into the index. That merge is
/// about half of an append's database work, and an append holds its tier's lock. Appends
/// therefore raise the list's limit for their own transaction (``pendingListLimitKB``), and this
/// worker merges the lists of the partitions just written (`gin_clean_pending_list`) in a
/// second backend, on another core, while the next append runs. When it falls behind, the limit
/// still bounds the list: the append that overflows it merges, as before.
///
/// Searches read the pending list too, so records are searchable as soon as they commit.
public final class PostgresSearchIndexer: Service, Sendable {
    /// The pending list limit appends use (kB): a few appends' worth of words.
    static let pendingListLimitKB = 16 * 1024

    private let pool: PostgresPool
    private let logger: Logger
    /// Partitions written since the last merge.
    private let written = Mutex<Set<String>>([])
    /// Pending pages merged so far (tests watch it).
    private let merged = Atomic<Int>(0)
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    init(pool: PostgresPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Pending pages this worker has merged since it started.
    var pagesMerged: Int { merged.load(ordering: .relaxed) }

    /// Notes that records went into `partitions`: their word index has entries to merge.
    func wrote(_ partitions: some Sequence<String>) {
        written.withLock { $0.formUnion(partitions) }
        ring.yield()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in self.doorbell {
                do {
                    try await self.mergeWritten()
                } catch is CancellationError {
                    return
                } catch {
                    // Tried again after the next append; meanwhile an append that fills a list merges it.
                    self.logger.warning("merging new words into the search index failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Merges the pending lists of the partitions written since the last call; returns the
    /// number of pending pages merged.
    @discardableResult
    func mergeWritten() async throws -> Int {
        let partitions = written.withLock { partitions in
            defer { partitions.removeAll() }
            return partitions
        }
        guard !partitions.isEmpty else { return 0 }
        do {
            let pages = try await Self.merge(partitions: partitions.sorted(), pool: pool)
            merged.add(pages, ordering: .relaxed)
            return pages
        } catch {
            // Merged with the next partitions written.
            written.withLock { $0.formUnion(partitions) }
            throw error
        }
    }

    /// Merges the pending lists of the word indexes of `partitions` (names in the service's
    /// schema; a partition dropped meanwhile is skipped); returns the pending pages merged.
    static func merge(partitions: [String], pool: PostgresPool) async throws -> Int {
        let rows = try await pool.query("""
            SELECT coalesce(sum(gin_clean_pending_list(i.indexrelid)), 0)::bigint AS pages
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
            WHERE a.amname = 'gin' AND i.indrelid IN (SELECT to_regclass(p) FROM unnest(\(partitions)::text[]) AS p)
            """)
        return Int(try rows.first?.decode(Int64.self, column: "pages") ?? 0)
    }
}
