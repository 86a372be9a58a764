import CLibPQ
import Foundation
import Logging
import Synchronization

/// Owns one libpq `PGconn` and performs blocking calls on it.
///
/// `@unchecked Sendable` because every use of the `PGconn` is serialized, which is what libpq
/// requires ("no two threads manipulate the same PGconn at the same time"): blocking calls run
/// in jobs, one at a time, on the connection's `BlockingThread`; the only other use is
/// ``isQuietlyIdle()``, a few non-blocking status reads the pool makes while it holds the
/// connection between jobs (each job is awaited, so none is running). `statementNames` and
/// `isFinished` are touched by jobs only. ``requestCancel()`` touches only the `PGcancel` object
/// (`cancelPointer`, read and written under `cancelLock`); libpq documents `PQcancel` as safe
/// to call from any thread.
final class LibPQConnection: @unchecked Sendable {
    let pointer: OpaquePointer
    let logger: Logger
    private var statementNames: [String: String] = [:]
    var isFinished = false
    var cancelPointer: OpaquePointer?
    let cancelLock = Mutex(())

    /// The most prepared statements kept per connection; beyond it, statements run unprepared.
    static let preparedStatementLimit = 256

    private init(pointer: OpaquePointer, logger: Logger) {
        self.pointer = pointer
        self.logger = logger
        self.cancelPointer = PQgetCancel(pointer)
    }

    // A safety net only: connections are finished on their own thread when they close.
    deinit { finish() }

    /// Opens a connection and applies the session settings this library relies on.
    static func connect(configuration: PostgresConfiguration, logger: Logger) throws -> LibPQConnection {
        let timeoutSeconds = max(2, (configuration.connectTimeout.roundedUpMilliseconds + 999) / 1000)
        // Keywords are applied in order, so the URL (expanded from `dbname`) overrides the
        // connect timeout, while the encoding and an explicit application name override the URL.
        var parameters = [("connect_timeout", String(timeoutSeconds)), ("dbname", configuration.url)]
        parameters.append(("client_encoding", "UTF8"))
        if let name = configuration.applicationName { parameters.append(("application_name", name)) }
        let pointer = withCStrings(parameters.map(\.0) + [nil]) { keywords in
            withCStrings(parameters.map(\.1) + [nil]) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let pointer else {
            throw DatabaseError(code: .connectionFailure, message: "libpq could not allocate a connection")
        }
        guard PQstatus(pointer) == CONNECTION_OK else {
            let error = DatabaseError(code: .connectionFailure, serverMessage: errorMessage(of: pointer))
            PQfinish(pointer)
            throw error
        }
        let connection = LibPQConnection(pointer: pointer, logger: logger)
        connection.installNoticeReceiver()
        do {
            _ = try connection.simpleQuery(sessionSetup(for: configuration))
        } catch {
            connection.finish()
            throw error
        }
        return connection
    }

    /// The session settings: text formats this library parses, plus the configured schema and
    /// statement timeout.
    static func sessionSetup(for configuration: PostgresConfiguration) -> String {
        var statements = [
            "SET DateStyle TO ISO", "SET TimeZone TO 'UTC'", "SET bytea_output TO hex",
            "SET extra_float_digits TO 1",
        ]
        if let schema = configuration.searchPath {
            statements.append("SET search_path TO \(PostgresQuery.quoteIdentifier(schema))")
        }
        if let timeout = configuration.statementTimeout {
            statements.append("SET statement_timeout TO \(timeout.roundedUpMilliseconds)")
        }
        return statements.joined(separator: "; ")
    }

    /// Runs one statement with text-format parameters; with `prepared`, prepares it once per
    /// connection (keyed by SQL text) and executes the prepared statement.
    func execute(_ sql: String, binds: [String?], prepared: Bool) throws -> PostgresRows {
        guard !sql.utf8.contains(0), !binds.contains(where: { $0?.utf8.contains(0) ?? false }) else {
            throw DatabaseError(code: .invalidQuery, message: "the statement or a bind value contains a NUL character")
        }
        let statement = prepared ? try preparedStatementName(for: sql, parameterCount: binds.count) : nil
        let result = Self.withCStrings(binds) { values in
            if let statement {
                PQexecPrepared(pointer, statement, Int32(values.count), values, nil, nil, 0)
            } else {
                PQexecParams(pointer, sql, Int32(values.count), nil, values, nil, nil, 0)
            }
        }
        return try rows(from: result)
    }

    /// Runs one or more `;`-separated statements without parameters; returns the last result.
    func simpleQuery(_ sql: String) throws -> PostgresRows {
        guard !sql.utf8.contains(0) else {
            throw DatabaseError(code: .invalidQuery, message: "the statement contains a NUL character")
        }
        return try rows(from: PQexec(pointer, sql))
    }

    private func preparedStatementName(for sql: String, parameterCount: Int) throws -> String? {
        if let name = statementNames[sql] { return name }
        guard statementNames.count < Self.preparedStatementLimit else { return nil }
        let name = "hxb_\(statementNames.count + 1)"
        _ = try rows(from: PQprepare(pointer, name, sql, Int32(parameterCount), nil))
        statementNames[sql] = name
        return name
    }

    /// Copies a result into ``PostgresRows`` and clears it, or throws the error it carries.
    func rows(from result: OpaquePointer?) throws -> PostgresRows {
        guard let result else { throw connectionError() }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return Self.makeRows(result)
        case let status where status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH:
            abandonCopy(status)
            throw DatabaseError(code: .invalidQuery, message: "COPY must run through copyIn or copyOut")
        default:
            throw error(from: result)
        }
    }

    private static func makeRows(_ result: OpaquePointer) -> PostgresRows {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var values: [String?] = []
        values.reserveCapacity(Int(rowCount) * Int(columnCount))
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let bytes = UnsafeRawBufferPointer(
                        start: PQgetvalue(result, row, column),
                        count: Int(PQgetlength(result, row, column))
                    )
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        return PostgresRows(
            columns: columns,
            values: values,
            rowCount: Int(rowCount),
            commandTag: String(cString: PQcmdStatus(result)),
            affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0
        )
    }

    /// Calls `body` with C copies of `strings` (`nil` stays a null pointer), freed afterwards.
    static func withCStrings<Result>(
        _ strings: [String?],
        _ body: ([UnsafePointer<CChar>?]) throws -> Result
    ) rethrows -> Result {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { string in
            string.map { string in
                guard let copy = strdup(string) else { fatalError("out of memory copying a C string") }
                return copy
            }
        }
        defer { copies.forEach { free($0) } }
        return try body(copies.map { $0.map { UnsafePointer($0) } })
    }
}
