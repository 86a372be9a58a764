/// Reads the YAML that kubeconfig files are written in: block mappings and sequences (indented
/// or not), plain and quoted one-line scalars, comments, `[]` and `{}`; JSON text too. Every
/// scalar is read as a string. Anything else (anchors, block scalars, flow collections with
/// content) is refused rather than misread.
enum SimpleYAMLReader {
    struct Unsupported: Error {
        let line: Int
    }

    private struct Line {
        let number: Int
        let indent: Int
        var text: Substring
    }

    /// The value of the first document.
    static func parse(_ text: String) throws -> JSONValue? {
        if text.drop(while: \.isWhitespace).first == "{" {
            return JSONValue(jsonText: Array(text.utf8))
        }
        var lines: [Line] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = stripComment(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            let indent = content.prefix { $0 == " " }.count
            let body = content.dropFirst(indent)
            if body.allSatisfy(\.isWhitespace) || body == "---" { continue }
            if body.hasPrefix("...") { break }
            lines.append(Line(number: index + 1, indent: indent, text: body))
        }
        guard let first = lines.first else { return nil }
        var position = 0
        let value = try parseBlock(&lines, &position, indent: first.indent)
        guard position == lines.count else { throw Unsupported(line: lines[position].number) }
        return value
    }

    private static func parseBlock(_ lines: inout [Line], _ position: inout Int, indent: Int) throws -> JSONValue {
        isSequenceItem(lines[position].text)
            ? try parseSequence(&lines, &position, indent: indent)
            : try parseMapping(&lines, &position, indent: indent)
    }

    private static func parseSequence(_ lines: inout [Line], _ position: inout Int, indent: Int) throws -> JSONValue {
        var elements: [JSONValue] = []
        while position < lines.count, lines[position].indent == indent, isSequenceItem(lines[position].text) {
            let line = lines[position]
            let rest = line.text.dropFirst().drop { $0 == " " }
            if rest.isEmpty {
                position += 1
                guard position < lines.count, lines[position].indent > indent else {
                    elements.append(.null)
                    continue
                }
                elements.append(try parseBlock(&lines, &position, indent: lines[position].indent))
            } else if isSequenceItem(rest) || keyAndValue(rest) != nil {
                // `- key: value`: the item is a mapping (or sequence) starting on this line.
                let innerIndent = indent + (line.text.count - rest.count)
                lines[position] = Line(number: line.number, indent: innerIndent, text: rest)
                elements.append(try parseBlock(&lines, &position, indent: innerIndent))
            } else {
                elements.append(try scalar(rest, line: line.number))
                position += 1
            }
        }
        return .array(elements)
    }

    private static func parseMapping(_ lines: inout [Line], _ position: inout Int, indent: Int) throws -> JSONValue {
        var fields: [String: JSONValue] = [:]
        while position < lines.count, lines[position].indent == indent, !isSequenceItem(lines[position].text) {
            let line = lines[position]
            guard let (key, value) = keyAndValue(line.text) else { throw Unsupported(line: line.number) }
            position += 1
            if !value.isEmpty {
                fields[key] = try scalar(value, line: line.number)
            } else if position < lines.count, lines[position].indent > indent
                || (lines[position].indent == indent && isSequenceItem(lines[position].text))
            {
                fields[key] = try parseBlock(&lines, &position, indent: lines[position].indent)
            } else {
                fields[key] = .null
            }
        }
        if position < lines.count, lines[position].indent > indent { throw Unsupported(line: lines[position].number) }
        return .object(fields)
    }

    private static func isSequenceItem(_ text: Substring) -> Bool {
        text == "-" || text.hasPrefix("- ")
    }

    /// `key: value` or `key:`, the key plain or quoted.
    private static func keyAndValue(_ text: Substring) -> (String, Substring)? {
        var keyEnd: Substring.Index
        if let quote = text.first, quote == "\"" || quote == "'" {
            guard let close = text.dropFirst().firstIndex(of: quote) else { return nil }
            keyEnd = text.index(after: close)
            guard text[keyEnd...].hasPrefix(":") else { return nil }
        } else {
            guard let colon = text.firstRange(of: ": ")?.lowerBound ?? (text.hasSuffix(":") ? text.index(before: text.endIndex) : nil)
            else { return nil }
            keyEnd = colon
        }
        guard let key = try? scalar(text[..<keyEnd], line: 0).stringValue else { return nil }
        let value = text[text.index(after: keyEnd)...].drop { $0 == " " }
        return (key, value)
    }

    private static func scalar(_ text: Substring, line: Int) throws -> JSONValue {
        let trimmed = text.trimmingSuffix(" ")
        switch trimmed.first {
        case "'":
            guard trimmed.count >= 2, trimmed.last == "'" else { throw Unsupported(line: line) }
            return .string(String(trimmed.dropFirst().dropLast()).replacing("''", with: "'"))
        case "\"":
            guard trimmed.count >= 2, trimmed.last == "\"", let decoded = JSONValue(jsonText: Array(trimmed.utf8)) else {
                throw Unsupported(line: line)
            }
            return decoded
        case "[", "{":
            if trimmed == "[]" { return .array([]) }
            if trimmed == "{}" { return .object([:]) }
            throw Unsupported(line: line)
        case "&", "*", "!", "|", ">":
            throw Unsupported(line: line)
        default:
            return .string(String(trimmed))
        }
    }

    /// Drops a `#` comment that starts the line or follows a space, outside quotes.
    private static func stripComment(_ text: Substring) -> Substring {
        var quote: Character?
        var previous: Character = " "
        for index in text.indices {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"", previous == " " || previous == ":" || previous == "-" {
                quote = character
            } else if character == "#", previous == " " {
                return text[..<index]
            }
            previous = character
        }
        return text
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ character: Character) -> Substring {
        var result = self
        while result.last == character { result = result.dropLast() }
        return result
    }
}
