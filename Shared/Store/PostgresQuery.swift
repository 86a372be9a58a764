/// A SQL statement whose interpolated values travel as bind parameters, never as SQL text.
///
/// ```swift
/// let query: PostgresQuery = "SELECT id FROM users WHERE email = \(email) AND org = \(orgID)"
/// // sql: "SELECT id FROM users WHERE email = $1 AND org = $2", binds: [email, orgID]
/// ```
///
/// Only code-chosen fragments enter the SQL text: `\(unescaped:)` for trusted SQL, and
/// `\(identifier:)` for a table or column name, which is quoted. Another `PostgresQuery`
/// can be interpolated or appended; its parameters are renumbered.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation {
    /// SQL text between the parameters: `segments[0] $1 segments[1] $2 ...`.
    private var segments: [String]
    /// The text form of each parameter (`nil` is SQL NULL), in `$1...$n` order.
    public private(set) var binds: [String?]

    /// An empty query, to be built with ``append(_:)``.
    public init() {
        segments = [""]
        binds = []
    }

    /// A query made of trusted SQL text without parameters (for instance a constant).
    public init(unsafeSQL sql: String) {
        segments = [sql]
        binds = []
    }

    /// Creates a query from a literal without interpolations.
    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    /// Creates a query from an interpolated literal.
    public init(stringInterpolation: StringInterpolation) {
        self = stringInterpolation.query
    }

    /// The SQL text with `$1...$n` placeholders, as sent to the server.
    public var sql: String {
        var text = segments[0]
        for (index, segment) in segments.dropFirst().enumerated() {
            text += "$\(index + 1)"
            text += segment
        }
        return text
    }

    /// Appends trusted SQL text.
    public mutating func append(unsafeSQL sql: String) {
        segments[segments.count - 1] += sql
    }

    /// Appends a value as the next bind parameter.
    public mutating func append(bind value: some PostgresEncodable) {
        binds.append(value.postgresText)
        segments.append("")
    }

    /// Appends another query; its parameters are renumbered after this query's.
    public mutating func append(_ other: PostgresQuery) {
        segments[segments.count - 1] += other.segments[0]
        segments.append(contentsOf: other.segments.dropFirst())
        binds.append(contentsOf: other.binds)
    }

    /// Quotes an identifier (schema, table, column) for use in SQL text: wraps it in double
    /// quotes and doubles any double quote inside, so any name is safe and case is kept.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// Builds a ``PostgresQuery`` from a string literal with interpolations.
    public struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var query = PostgresQuery()

        /// Reserves nothing; part of the interpolation protocol.
        public init(literalCapacity: Int, interpolationCount: Int) {}

        /// Appends literal SQL text.
        public mutating func appendLiteral(_ literal: String) {
            query.append(unsafeSQL: literal)
        }

        /// Appends a value as a bind parameter (`$n`); `nil` becomes SQL NULL.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            query.append(bind: value)
        }

        /// Appends an optional value as a bind parameter (`$n`); `nil` becomes SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            query.append(bind: value)
        }

        /// Appends a query fragment, renumbering its parameters.
        public mutating func appendInterpolation(_ fragment: PostgresQuery) {
            query.append(fragment)
        }

        /// Appends trusted SQL text verbatim. Never pass user input here.
        public mutating func appendInterpolation(unescaped sql: String) {
            query.append(unsafeSQL: sql)
        }

        /// Appends a quoted identifier (schema, table or column name).
        public mutating func appendInterpolation(identifier name: String) {
            query.append(unsafeSQL: PostgresQuery.quoteIdentifier(name))
        }
    }
}

extension String {
    /// Replaces every occurrence of one Unicode scalar. Works on scalars, not characters: a
    /// quote followed by a combining mark is one `Character` but still a quote byte on the wire.
    func replacingAll(_ target: Unicode.Scalar, with replacement: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar == target {
                result.append(contentsOf: replacement.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
