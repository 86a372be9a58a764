/// Prints ``JSONValue`` trees as YAML: block style, keys sorted, two-space indentation, so the
/// same value always prints the same bytes.
///
/// A string is printed plain only when every YAML 1.1 and 1.2 reader (PyYAML, Go's yaml.v2/v3)
/// reads it back as that same string; otherwise it is quoted: words that read as booleans or null
/// (`yes`, `on`, `~`, …), anything that reads as a number, date or time, text containing `: ` or
/// ` #`, text starting with an indicator character, surrounding spaces, empty strings. Multi-line
/// text without control characters becomes a literal block (`|`, `|-`, `|+` keep the final line
/// breaks exactly); text with other control characters is double-quoted with escapes.
public enum YAMLWriter {
    /// One document, ending with a line break.
    public static func document(_ value: JSONValue) -> String {
        var output = ""
        switch value {
        case .object(let fields) where !fields.isEmpty:
            writeMapping(fields, indent: 0, into: &output)
        case .array(let elements) where !elements.isEmpty:
            writeSequence(elements, indent: 0, into: &output)
        default:
            output += inlineScalar(value, indent: 0) + "\n"
        }
        return output
    }

    /// Several documents, each started with `---`.
    public static func documents(_ values: [JSONValue]) -> String {
        values.map { "---\n" + document($0) }.joined()
    }

    private static func writeMapping(_ fields: [String: JSONValue], indent: Int, into output: inout String) {
        let pad = String(repeating: " ", count: indent)
        for key in fields.keys.sorted() {
            let value = fields[key]!
            output += pad + scalar(key) + ":"
            writeValue(value, indent: indent, into: &output)
        }
    }

    private static func writeSequence(_ elements: [JSONValue], indent: Int, into output: inout String) {
        let pad = String(repeating: " ", count: indent)
        for element in elements {
            switch element {
            case .object(let fields) where !fields.isEmpty:
                // The first key goes on the dash's line; the rest line up under it.
                var nested = ""
                writeMapping(fields, indent: indent + 2, into: &nested)
                output += pad + "- " + nested.dropFirst(indent + 2)
            case .array(let inner) where !inner.isEmpty:
                output += pad + "-\n"
                writeSequence(inner, indent: indent + 2, into: &output)
            default:
                output += pad + "-"
                writeValue(element, indent: indent, into: &output)
            }
        }
    }

    /// Writes what follows `key:` or `-`: a nested block on the next lines, or ` scalar\n`.
    private static func writeValue(_ value: JSONValue, indent: Int, into output: inout String) {
        switch value {
        case .object(let fields) where !fields.isEmpty:
            output += "\n"
            writeMapping(fields, indent: indent + 2, into: &output)
        case .array(let elements) where !elements.isEmpty:
            output += "\n"
            writeSequence(elements, indent: indent + 2, into: &output)
        default:
            output += " " + inlineScalar(value, indent: indent + 2) + "\n"
        }
    }

    private static func inlineScalar(_ value: JSONValue, indent: Int) -> String {
        switch value {
        case .string(let text):
            if let block = literalBlock(text, indent: indent) { return block }
            return scalar(text)
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// `|` block for multi-line text; nil when the text is not suitable for one. The caller
    /// appends the final line break.
    private static func literalBlock(_ text: String, indent: Int) -> String? {
        guard text.contains("\n"),
              text.unicodeScalars.allSatisfy({ $0 == "\n" || isPrintableOnOneLine($0) }),
              let first = text.first, first != " ", first != "\n"
        else { return nil }
        var body = Substring(text)
        var trailingBreaks = 0
        while body.last == "\n" {
            body = body.dropLast()
            trailingBreaks += 1
        }
        let header = trailingBreaks == 0 ? "|-" : trailingBreaks == 1 ? "|" : "|+"
        let pad = String(repeating: " ", count: indent)
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : pad + $0 }
        // With `|+`, the extra line breaks are kept as empty lines.
        let keptBreaks = trailingBreaks > 1 ? String(repeating: "\n", count: trailingBreaks - 1) : ""
        return header + "\n" + lines.joined(separator: "\n") + keptBreaks
    }

    /// A string as a plain, single-quoted or double-quoted scalar on one line.
    static func scalar(_ text: String) -> String {
        if isPlainSafe(text) { return text }
        if text.unicodeScalars.allSatisfy(isPrintableOnOneLine) {
            return "'" + text.replacingAll("'", with: "''") + "'"
        }
        return JSONValue.doubleQuoted(text)
    }

    /// YAML's printable set less its line breaks (NEL, LS, PS fold inside quotes) and the BOM.
    static func isPrintableOnOneLine(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0x2027, 0x202A...0xD7FF, 0xE000...0xFEFE, 0xFF00...0xFFFD, 0x10000...: true
        default: false
        }
    }

    private static let reservedWords: Set<String> = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "<<", "=",
        ".inf", "-.inf", "+.inf", ".nan",
    ]
    private static let indicators: Set<Character> = [
        "-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`",
    ]

    private static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last else { return false }
        if indicators.contains(first) || first == " " || last == " " || last == ":" { return false }
        if reservedWords.contains(text.lowercased()) { return false }
        // Document markers at the start of a line.
        if text.hasPrefix("---") || text.hasPrefix("...") { return false }
        if looksNumeric(text) { return false }
        if text.contains(": ") || text.contains(" #") || text.contains("\t") { return false }
        // Only printable ASCII stays plain: anything else is quoted, never misread.
        return text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
    }

    /// Numbers, dates, times and sexagesimals of YAML 1.1 all start with a digit, or with a sign
    /// or dot before one, and use only these characters; such strings are quoted.
    private static func looksNumeric(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        if body.first == "." { body = body.dropFirst() }
        guard let first = body.first, first.isASCII, first.isNumber else { return false }
        let numeric = Set("0123456789abcdefABCDEFxXoObB._:+-eEtTzZ ")
        return text.allSatisfy { numeric.contains($0) }
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var output = ""
        for character in self {
            if character == target { output += replacement } else { output.append(character) }
        }
        return output
    }
}
