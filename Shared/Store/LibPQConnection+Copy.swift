import CLibPQ
import Foundation

extension LibPQConnection {
    /// Sends `COPY ... FROM STDIN` or `COPY ... TO STDOUT` and checks the server entered the
    /// expected copy state.
    func beginCopy(_ sql: String, expecting expected: ExecStatusType) throws {
        guard !sql.utf8.contains(0) else {
            throw DatabaseError(code: .invalidQuery, message: "the statement contains a NUL character")
        }
        guard let result = PQexec(pointer, sql) else { throw connectionError() }
        let status = PQresultStatus(result)
        if status == expected {
            PQclear(result)
            return
        }
        defer { PQclear(result) }
        switch status {
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            abandonCopy(status)
            throw DatabaseError(code: .invalidQuery, message: "the COPY runs in the other direction")
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            throw DatabaseError(code: .invalidQuery, message: "the statement is not a COPY")
        default:
            throw error(from: result)
        }
    }

    /// Sends COPY FROM STDIN data; libpq buffers it and flushes as needed.
    func putCopyData(_ data: Data) throws {
        // PQputCopyData takes an `int` length: send very large chunks in pieces.
        let pieceSize = 1 << 20
        var offset = data.startIndex
        while offset < data.endIndex {
            let end = data.index(offset, offsetBy: pieceSize, limitedBy: data.endIndex) ?? data.endIndex
            let sent = data[offset..<end].withUnsafeBytes { bytes in
                PQputCopyData(pointer, bytes.bindMemory(to: CChar.self).baseAddress, Int32(bytes.count))
            }
            guard sent == 1 else { throw connectionError() }
            offset = end
        }
    }

    /// Ends COPY FROM STDIN and returns the number of rows copied. With an `abortReason` the
    /// server fails the COPY instead, and the resulting error is thrown.
    func endCopyIn(abortReason: String?) throws -> Int {
        let sent = abortReason.map { PQputCopyEnd(pointer, $0) } ?? PQputCopyEnd(pointer, nil)
        guard sent == 1 else { throw connectionError() }
        return try finalCopyResult()
    }

    /// Reads up to `limit` rows of COPY TO STDOUT, without their line terminator. When the copy
    /// has ended, checks its final status and reports `isComplete`.
    func readCopyRows(limit: Int) throws -> (rows: [String], isComplete: Bool) {
        var rows: [String] = []
        while rows.count < limit {
            var buffer: UnsafeMutablePointer<CChar>? = nil
            let length = PQgetCopyData(pointer, &buffer, 0)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                var count = Int(length)
                if buffer[count - 1] == 0x0A { count -= 1 }
                rows.append(String(decoding: UnsafeRawBufferPointer(start: buffer, count: count), as: UTF8.self))
            } else if length == -1 {
                _ = try finalCopyResult()
                return (rows, true)
            } else {
                throw connectionError()
            }
        }
        return (rows, false)
    }

    /// Stops a COPY TO STDOUT early: asks the server to cancel it and discards what arrives.
    func abandonCopyOut() {
        abandonCopy(PGRES_COPY_OUT)
    }

    /// Takes the connection out of a copy state it should not be in, discarding data and errors.
    func abandonCopy(_ status: ExecStatusType) {
        switch status {
        case PGRES_COPY_IN:
            _ = PQputCopyEnd(pointer, "copy abandoned by the client")
        case PGRES_COPY_OUT:
            requestCancel()
            var buffer: UnsafeMutablePointer<CChar>? = nil
            while PQgetCopyData(pointer, &buffer, 0) > 0 {
                PQfreemem(buffer)
                buffer = nil
            }
        default:
            // COPY BOTH is replication only; the connection is discarded when it is returned.
            return
        }
        _ = try? finalCopyResult()
    }

    /// Collects the results that end a COPY; returns the copied row count or throws its error.
    private func finalCopyResult() throws -> Int {
        var outcome: Result<Int, DatabaseError>?
        while let result = PQgetResult(pointer) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if outcome == nil {
                if status == PGRES_COMMAND_OK {
                    outcome = .success(Int(String(cString: PQcmdTuples(result))) ?? 0)
                } else {
                    outcome = .failure(error(from: result))
                }
            }
            // Still in a copy state: the protocol is out of step. Stop reading; the connection
            // is found not idle and discarded when it is returned to the pool.
            if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH { break }
        }
        guard let outcome else { throw connectionError() }
        return try outcome.get()
    }
}
