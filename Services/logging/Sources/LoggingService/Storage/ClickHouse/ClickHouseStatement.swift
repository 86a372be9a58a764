/// SQL for ClickHouse's HTTP interface with every value bound as a query parameter: the text
/// holds only fixed fragments and `{pN:Type}` placeholders, and each value travels as a
/// `param_pN` URL parameter, which the server parses as a value of that type and never as SQL.
struct ClickHouseStatement: Sendable {
    /// The longest value accepted, in UTF-8 bytes: the parameters travel in the URL (ClickHouse
    /// reads at most `http_max_uri_size`, 1 MiB by default), and no stored field is this long.
    static let maximumValueBytes = 4096

    /// The SQL text: fixed fragments and placeholders only.
    private(set) var sql: String
    /// `param_<name>=<value>` fields, values already in ClickHouse's "escaped" format.
    private(set) var parameters: [(name: String, value: String)] = []

    init(_ sql: String = "") {
        self.sql = sql
    }

    /// Appends a fixed fragment of SQL (never a value).
    mutating func append(_ fragment: String) {
        sql += fragment
    }

    /// The placeholder of a new `String` parameter holding `value`.
    mutating func bind(_ value: String) throws(ClickHouseError) -> String {
        guard value.utf8.count <= Self.maximumValueBytes else {
            throw ClickHouseError(.invalidQuery, "a filter value is longer than \(Self.maximumValueBytes) bytes")
        }
        return placeholder(type: "String", value: Self.escaped(value))
    }

    /// The placeholder of a new `Int64` parameter holding `value`.
    mutating func bind(_ value: Int64) -> String {
        placeholder(type: "Int64", value: String(value))
    }

    /// The placeholder of a new parameter of an unsigned type (`UInt8`, `UInt32`) holding `value`.
    mutating func bind(_ value: UInt32, as type: String) -> String {
        placeholder(type: type, value: String(value))
    }

    /// The URL fields to send: one `param_<name>` per bound value.
    var urlFields: [(name: String, value: String)] {
        parameters.map { ("param_" + $0.name, $0.value) }
    }

    private mutating func placeholder(type: String, value: String) -> String {
        let name = "p\(parameters.count)"
        parameters.append((name, value))
        return "{\(name):\(type)}"
    }

    /// `value` in the "escaped" (TabSeparated) format in which ClickHouse parses query parameter
    /// values: a backslash starts an escape sequence and a raw tab or line feed ends the value, so
    /// those are escaped; everything else stands for itself.
    static func escaped(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else { return value }
        var result = ""
        result.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\t": result += "\\t"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\0": result += "\\0"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
