/// The complete result of one statement: its rows (copied out of libpq, so it is a plain value
/// that can be kept and sent across tasks), column names and affected-row count.
public struct PostgresRows: Sendable, RandomAccessCollection {
    let storage: Storage

    /// The command tag, e.g. `INSERT 0 1` or `SELECT 3`.
    public let commandTag: String
    /// The number of rows inserted, updated, deleted, selected, moved, fetched or copied, as
    /// libpq's `PQcmdTuples` reports it; 0 for other commands.
    public let affectedRows: Int

    /// The column names, in result order.
    public var columns: [String] { storage.columns }

    /// The index of the first row.
    public var startIndex: Int { 0 }
    /// One past the index of the last row.
    public var endIndex: Int { storage.rowCount }

    /// The row at `position`.
    public subscript(position: Int) -> PostgresRow {
        precondition(indices.contains(position), "row index out of range")
        return PostgresRow(storage: storage, row: position)
    }

    init(columns: [String], values: [String?], rowCount: Int, commandTag: String, affectedRows: Int) {
        storage = Storage(columns: columns, values: values, rowCount: rowCount)
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }

    /// Immutable cells shared by the rows of one result.
    final class Storage: Sendable {
        let columns: [String]
        let columnIndexes: [String: Int]
        /// Row-major cells; `nil` is SQL NULL.
        let values: [String?]
        let rowCount: Int

        init(columns: [String], values: [String?], rowCount: Int) {
            self.columns = columns
            // With duplicate names (`SELECT a.id, b.id`) the first column wins, like PQfnumber.
            self.columnIndexes = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            self.values = values
            self.rowCount = rowCount
        }
    }
}
