import CLibPQ
import Foundation

extension PostgresConnection {
    /// Streams rows into `COPY ... FROM STDIN` (text or CSV format, as the statement says) and
    /// returns the number of rows copied.
    ///
    /// Each element of `rows` is one line in the COPY format, without its line terminator (see
    /// ``CopyText`` for the text format). Lines are sent in chunks of about 64 KiB. The server
    /// checks the data; a bad line fails the whole COPY, and nothing is inserted.
    nonisolated(nonsending)
    public func copyIn(_ sql: String, rows: some Sequence<String>) async throws -> Int {
        try await copyIn(sql) { send in
            var chunk = Data()
            chunk.reserveCapacity(Self.copyChunkSize + 1024)
            for row in rows {
                chunk.append(contentsOf: row.utf8)
                chunk.append(0x0A)
                if chunk.count >= Self.copyChunkSize {
                    try await send(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty { try await send(chunk) }
        }
    }

    /// Streams raw COPY data (any chunking, lines may span chunks) into `COPY ... FROM STDIN` and
    /// returns the number of rows copied.
    nonisolated(nonsending)
    public func copyIn(_ sql: String, chunks: some Sequence<Data>) async throws -> Int {
        try await copyIn(sql) { send in
            for chunk in chunks where !chunk.isEmpty { try await send(chunk) }
        }
    }

    /// Runs `COPY ... TO STDOUT` and returns every row as one line without its terminator.
    /// For large exports prefer ``copyOut(_:batchSize:_:)``.
    public func copyOut(_ sql: String) async throws -> [String] {
        var lines: [String] = []
        _ = try await copyOut(sql) { lines.append(contentsOf: $0) }
        return lines
    }

    /// Runs `COPY ... TO STDOUT`, handing rows to `body` in batches of at most `batchSize` lines
    /// (without terminators), and returns the number of rows. If `body` throws or the task is
    /// cancelled, the COPY is cancelled on the server and the error is rethrown.
    nonisolated(nonsending)
    public func copyOut(
        _ sql: String,
        batchSize: Int = 1000,
        _ body: nonisolated(nonsending) ([String]) async throws -> Void
    ) async throws -> Int {
        let limit = max(1, batchSize)
        try await perform { try $0.beginCopy(sql, expecting: PGRES_COPY_OUT) }
        var total = 0
        while true {
            let batch = try await perform(cancellable: false) { try $0.readCopyRows(limit: limit) }
            total += batch.rows.count
            do {
                if !batch.rows.isEmpty { try await body(batch.rows) }
                if batch.isComplete { return total }
                try Task.checkCancellation()
            } catch {
                try? await perform(cancellable: false) { $0.abandonCopyOut() }
                throw error
            }
        }
    }

    static let copyChunkSize = 64 * 1024

    /// Starts COPY FROM STDIN, lets `feed` send data, then ends the COPY. If `feed` throws or
    /// the task is cancelled, the COPY is aborted on the server and the error is rethrown.
    nonisolated(nonsending)
    private func copyIn(
        _ sql: String,
        feed: nonisolated(nonsending) (_ send: (Data) async throws -> Void) async throws -> Void
    ) async throws -> Int {
        try await perform { try $0.beginCopy(sql, expecting: PGRES_COPY_IN) }
        do {
            try await feed { chunk in
                try Task.checkCancellation()
                try await self.perform(cancellable: false) { try $0.putCopyData(chunk) }
            }
            try Task.checkCancellation()
        } catch {
            _ = try? await perform(cancellable: false) { try $0.endCopyIn(abortReason: "aborted by the client") }
            throw error
        }
        return try await perform(cancellable: false) { try $0.endCopyIn(abortReason: nil) }
    }
}
