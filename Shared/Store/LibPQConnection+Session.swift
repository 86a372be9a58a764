import CLibPQ
import Foundation
import Logging

extension LibPQConnection {
    /// Whether the session is idle, healthy, and has received nothing from the server. Only
    /// non-blocking reads (status fields and a zero-timeout `poll`), so the pool calls it inline
    /// on every lease and return; when it says `false`, ``prepareForReuse()`` decides on the
    /// connection's thread.
    func isQuietlyIdle() -> Bool {
        guard PQstatus(pointer) == CONNECTION_OK, PQtransactionStatus(pointer) == PQTRANS_IDLE else {
            return false
        }
        let socket = PQsocket(pointer)
        guard socket >= 0 else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// Whether the session can serve another lease. Reads whatever the server sent while the
    /// connection sat idle, so a server-side close (restart, idle timeout) is noticed here
    /// rather than by the next query; rolls back a transaction a caller left open.
    func prepareForReuse() -> Bool {
        guard PQstatus(pointer) == CONNECTION_OK, drainIdleInput() else { return false }
        switch PQtransactionStatus(pointer) {
        case PQTRANS_IDLE:
            return true
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            if let result = PQexec(pointer, "ROLLBACK") { PQclear(result) }
            return PQstatus(pointer) == CONNECTION_OK && PQtransactionStatus(pointer) == PQTRANS_IDLE
        default:
            return false
        }
    }

    /// Reads what the server sent to an idle session, without blocking; `false` when the server
    /// closed it. A terminated backend sends an error and then closes the socket: the first read
    /// returns the message, and only a later one sees the end of the stream, hence the loop.
    private func drainIdleInput() -> Bool {
        let socket = PQsocket(pointer)
        guard socket >= 0 else { return false }
        for _ in 0..<8 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return true }
            guard PQconsumeInput(pointer) == 1, PQstatus(pointer) == CONNECTION_OK else { return false }
        }
        return PQstatus(pointer) == CONNECTION_OK
    }

    /// Asks the server to cancel the statement running on this connection. Safe from any thread;
    /// blocks while it sends the request, so call it off the cooperative pool.
    func requestCancel() {
        cancelLock.withLock { _ in
            guard let cancelPointer else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            if PQcancel(cancelPointer, &buffer, Int32(buffer.count)) == 0 {
                let reason = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                logger.debug("postgres cancel request failed", metadata: ["error": "\(reason)"])
            }
        }
    }

    /// Closes the session and frees libpq's memory; later calls do nothing.
    func finish() {
        guard !isFinished else { return }
        isFinished = true
        cancelLock.withLock { _ in
            if let cancelPointer { PQfreeCancel(cancelPointer) }
            cancelPointer = nil
        }
        PQfinish(pointer)
    }

    /// The error for a call that returned no result: a broken connection, or libpq's message.
    func connectionError() -> DatabaseError {
        let code: DatabaseError.Code = PQstatus(pointer) == CONNECTION_OK ? .other : .connectionFailure
        return DatabaseError(code: code, serverMessage: Self.errorMessage(of: pointer))
    }

    /// The error a failed result carries, mapped from its SQLSTATE. Errors libpq generates
    /// itself (a lost connection) have no SQLSTATE; the connection status tells them apart.
    func error(from result: OpaquePointer) -> DatabaseError {
        let sqlState = Self.field(result, "C")
        let code: DatabaseError.Code
        if let sqlState {
            code = DatabaseError.Code(sqlState: sqlState)
        } else {
            code = PQstatus(pointer) == CONNECTION_OK ? .other : .connectionFailure
        }
        var message = PQresultErrorMessage(result).map { String(cString: $0) } ?? ""
        while message.last?.isWhitespace == true { message.removeLast() }
        return DatabaseError(
            code: code,
            sqlState: sqlState,
            constraint: Self.field(result, "n"),
            column: Self.field(result, "c"),
            serverMessage: message.isEmpty ? Self.errorMessage(of: pointer) : message
        )
    }

    /// One diagnostic field of an error result (`PG_DIAG_*`, given by its one-letter code).
    static func field(_ result: OpaquePointer, _ code: Unicode.Scalar) -> String? {
        PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
    }

    static func errorMessage(of pointer: OpaquePointer) -> String {
        var message = String(cString: PQerrorMessage(pointer))
        while message.last?.isWhitespace == true { message.removeLast() }
        return message
    }

    /// Sends server notices (`NOTICE: relation already exists, skipping`, ...) to the debug log
    /// instead of libpq's default, standard error.
    func installNoticeReceiver() {
        let context = Unmanaged.passUnretained(self).toOpaque()
        // The receiver runs during libpq calls on this connection, so `self` is still alive:
        // `finish()` (after which libpq calls it no more) runs before deinitialization.
        _ = PQsetNoticeReceiver(pointer, { context, result in
            guard let context, let result else { return }
            let connection = Unmanaged<LibPQConnection>.fromOpaque(context).takeUnretainedValue()
            connection.logger.debug(
                "postgres notice",
                metadata: [
                    "severity": "\(LibPQConnection.field(result, "V") ?? "")",
                    "message": "\(LibPQConnection.field(result, "M") ?? "")",
                ]
            )
        }, context)
    }
}
