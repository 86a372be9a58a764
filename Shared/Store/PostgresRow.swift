/// One row of a ``PostgresRows`` result, decoded column by column into Swift types.
public struct PostgresRow: Sendable {
    let storage: PostgresRows.Storage
    let row: Int

    /// The column names, in result order.
    public var columns: [String] { storage.columns }

    /// The raw text of a column (`nil` for SQL NULL), as Postgres printed it.
    public func text(at index: Int) throws -> String? {
        guard storage.columns.indices.contains(index) else {
            throw DatabaseError(code: .decoding, message: "the result has no column at index \(index)")
        }
        return storage.values[row * storage.columns.count + index]
    }

    /// Decodes the column named `column` (exact, case-sensitive name as in the result).
    ///
    /// Throws a ``DatabaseError`` with code `.decoding` naming the column when there is no
    /// such column, when the value is NULL and `T` is not optional, or when the value is not a
    /// valid `T`. The error never contains the value itself.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column: String) throws -> T {
        guard let index = storage.columnIndexes[column] else {
            throw DatabaseError(code: .decoding, message: "the result has no column \"\(column)\"", column: column)
        }
        return try decode(type, at: index)
    }

    /// Decodes the column at `index` (0-based), with the same errors as
    /// ``decode(_:column:)``.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        let text = try self.text(at: index)
        let name = storage.columns[index]
        do {
            return try T.decode(postgresText: text)
        } catch PostgresDecodingFailure.unexpectedNull {
            throw DatabaseError(
                code: .decoding,
                message: "column \"\(name)\" is NULL but \(T.self) is not optional",
                column: name
            )
        } catch {
            throw DatabaseError(
                code: .decoding,
                message: "column \"\(name)\" does not hold a valid \(T.self)",
                column: name,
                underlying: error
            )
        }
    }
}
