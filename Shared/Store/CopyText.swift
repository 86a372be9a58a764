/// Builds and splits lines of Postgres's COPY text format: fields separated by tabs, `\N` for
/// NULL, and backslash escapes for backslash, tab, newline and carriage return.
public enum CopyText {
    /// One COPY line (without terminator) from field texts; `nil` is NULL. Pair it with
    /// `PostgresEncodable.postgresText` to copy typed values.
    public static func line(_ fields: [String?]) -> String {
        var line = String.UnicodeScalarView()
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append("\t") }
            guard let field else {
                line.append(contentsOf: "\\N".unicodeScalars)
                continue
            }
            for scalar in field.unicodeScalars {
                switch scalar {
                case "\\": line.append(contentsOf: "\\\\".unicodeScalars)
                case "\t": line.append(contentsOf: "\\t".unicodeScalars)
                case "\n": line.append(contentsOf: "\\n".unicodeScalars)
                case "\r": line.append(contentsOf: "\\r".unicodeScalars)
                default: line.append(scalar)
                }
            }
        }
        return String(line)
    }

    /// The fields of a COPY text line (as returned by `copyOut`); `nil` is NULL.
    public static func fields(of line: String) -> [String?] {
        var fields: [String?] = []
        var current = String.UnicodeScalarView()
        var isNull = false
        var iterator = line.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            switch scalar {
            case "\t":
                fields.append(isNull ? nil : String(current))
                current = String.UnicodeScalarView()
                isNull = false
            case "\\":
                guard let escaped = iterator.next() else { continue }
                switch escaped {
                case "N": isNull = true
                case "t": current.append("\t")
                case "n": current.append("\n")
                case "r": current.append("\r")
                case "b": current.append("\u{08}")
                case "f": current.append("\u{0C}")
                case "v": current.append("\u{0B}")
                default: current.append(escaped)
                }
            default:
                current.append(scalar)
            }
        }
        fields.append(isNull ? nil : String(current))
        return fields
    }
}
