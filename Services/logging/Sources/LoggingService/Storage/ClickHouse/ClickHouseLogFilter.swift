import Foundation

/// The conditions of a ``LogQuery`` in ClickHouse SQL: fixed column names and operators, each
/// value bound as a parameter of the statement.
///
/// Text search requires every word of `text` (``LogWords``) to be a whole token of the message,
/// ignoring case: `hasToken(lowerUTF8(message), lowerUTF8(word))` per word, which the table's token
/// bloom filter index serves. ClickHouse splits text into tokens the way ``LogWords`` does, so
/// this matches the records Postgres's word index finds. A text without any word matches nothing.
enum ClickHouseLogFilter {
    /// The most words a text search may have.
    static let maximumWords = 32

    /// The conditions for `query`'s scope and filters (not its cursor or limit), their values
    /// bound in `statement`; nil when the query can match nothing.
    static func conditions(for query: LogQuery, in statement: inout ClickHouseStatement) throws(ClickHouseError) -> [String]? {
        var conditions: [String] = []
        func equal(_ column: String, _ value: String?) throws(ClickHouseError) {
            guard let value else { return }
            conditions.append("\(column) = \(try statement.bind(value))")
        }
        func tenant(_ column: String, _ id: String) throws(ClickHouseError) {
            // Absent tenant ids are stored as '': an empty id would select every record without one.
            guard !id.isEmpty else { throw ClickHouseError(.invalidQuery, "the query's scope names an empty \(column)") }
            try equal(column, id)
        }
        switch query.scope {
        case .platform:
            break
        case .organization(let organization):
            try tenant("organization_id", organization)
        case .workspace(let workspace):
            try tenant("workspace_id", workspace)
        case .project(let workspace, let project):
            try tenant("workspace_id", workspace)
            try tenant("project_id", project)
        }
        if let since = query.since {
            conditions.append("time >= \(instant(since, in: &statement))")
        }
        if let until = query.until {
            conditions.append("time < \(instant(until, in: &statement))")
        }
        if let level = query.minimumLevel {
            conditions.append("level >= \(statement.bind(UInt32(level.rank), as: "UInt8"))")
        }
        try equal("service", query.service)
        try equal("resource", query.resource)
        try equal("actor_id", query.actorID)
        try equal("action", query.action)
        try equal("outcome", query.outcome)
        try equal("request_id", query.requestID)
        if let text = query.text {
            guard text.utf8.count <= ClickHouseStatement.maximumValueBytes else {
                throw ClickHouseError(.invalidQuery, "the text search is longer than \(ClickHouseStatement.maximumValueBytes) bytes")
            }
            let words = LogWords.words(in: text)
            guard !words.isEmpty else { return nil }
            guard words.count <= maximumWords else {
                throw ClickHouseError(.invalidQuery, "the text search has more than \(maximumWords) words")
            }
            for word in words {
                conditions.append("hasToken(lowerUTF8(message), lowerUTF8(\(try statement.bind(word))))")
            }
        }
        return conditions
    }

    /// The condition "strictly older than `cursor`" in the newest-first order (time, then
    /// sequence), written so that the sort key's `time` prunes.
    static func olderThan(_ cursor: LogCursor, in statement: inout ClickHouseStatement) -> String {
        let time = instant(cursor.time, in: &statement)
        return "time <= \(time) AND (time < \(time) OR sequence < \(statement.bind(cursor.sequence)))"
    }

    /// A bound instant, to the microsecond.
    static func instant(_ date: Date, in statement: inout ClickHouseStatement) -> String {
        "fromUnixTimestamp64Micro(\(statement.bind(Timestamps.microseconds(date))), 'UTC')"
    }
}
