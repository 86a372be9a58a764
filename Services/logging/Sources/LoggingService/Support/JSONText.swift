/// Writes small JSON documents without JSONSerialization (on the ingest path, per record).
enum JSONText {
    /// `{"key":"value",…}` with keys sorted.
    static func object(_ values: [String: String]) -> String {
        var text = "{"
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            string(key, into: &text)
            text += ":"
            string(values[key] ?? "", into: &text)
        }
        return text + "}"
    }

    /// Appends `value` as a JSON string literal.
    static func string(_ value: String, into text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
