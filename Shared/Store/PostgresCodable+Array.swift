extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// A one-dimensional array literal, `{"a","b",NULL}`: every element quoted and escaped,
    /// `nil` elements as `NULL`. Use it with `= ANY(\(ids))` or to fill an array column.
    /// Nested Swift arrays are not multi-dimensional Postgres arrays.
    public var postgresText: String? {
        var text = "{"
        for (index, element) in enumerated() {
            if index > 0 { text += "," }
            guard let elementText = element.postgresText else {
                text += "NULL"
                continue
            }
            text += "\""
            text += elementText.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
            text += "\""
        }
        return text + "}"
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// Decodes a one-dimensional array (`{1,2,NULL}`, `{"a b","c\"d"}`); each element is
    /// decoded as `Element`, so NULL elements need an optional element type.
    public static func decode(postgresText text: String?) throws -> [Element] {
        guard let elements = PostgresArrayLiteral.elements(of: try requireValue(text)) else {
            throw PostgresDecodingFailure.invalidValue
        }
        return try elements.map { try Element.decode(postgresText: $0) }
    }
}

/// Parses the text output of a one-dimensional Postgres array.
enum PostgresArrayLiteral {
    private static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    private static let comma = UInt8(ascii: ","), space = UInt8(ascii: " ")

    /// The elements, `nil` for NULL; `nil` overall when the text is not a 1-D array literal.
    static func elements(of text: String) -> [String?]? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.first == openBrace, bytes.last == closeBrace else { return nil }
        if bytes.count == 2 { return [] }
        var elements: [String?] = []
        var index = 1
        let end = bytes.count - 1
        while true {
            var element: [UInt8] = []
            var quoted = false
            if bytes[index] == quote {
                quoted = true
                index += 1
                while index < end, bytes[index] != quote {
                    if bytes[index] == backslash { index += 1 }
                    guard index < end else { return nil }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < end else { return nil }
                index += 1  // closing quote
            } else {
                while index < end, bytes[index] != comma {
                    // A nested brace means a multi-dimensional array, which is not supported.
                    guard bytes[index] != openBrace, bytes[index] != quote else { return nil }
                    if bytes[index] == backslash { index += 1 }
                    guard index < end else { return nil }
                    element.append(bytes[index])
                    index += 1
                }
                while element.last == space { element.removeLast() }
                guard !element.isEmpty else { return nil }
            }
            let value = String(decoding: element, as: UTF8.self)
            elements.append(!quoted && value.uppercased() == "NULL" ? nil : value)
            if index == end { return elements }
            guard bytes[index] == comma else { return nil }
            index += 1
            guard index < end else { return nil }
        }
    }
}
