import Foundation

extension JSONValue {
    /// Compact JSON with keys sorted: the same value always gives the same bytes.
    public var jsonText: String {
        var output = ""
        writeJSON(into: &output)
        return output
    }

    private func writeJSON(into output: inout String) {
        switch self {
        case .string(let text): output += Self.doubleQuoted(text)
        case .int(let number): output += String(number)
        case .bool(let flag): output += flag ? "true" : "false"
        case .null: output += "null"
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.writeJSON(into: &output)
            }
            output += "]"
        case .object(let fields):
            output += "{"
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                output += Self.doubleQuoted(key)
                output += ":"
                fields[key]!.writeJSON(into: &output)
            }
            output += "}"
        }
    }

    /// A double-quoted string that is both a JSON string and a YAML double-quoted scalar:
    /// quotes, backslashes, line breaks and every character YAML does not print on one line
    /// are escaped (all of those are below U+10000, so `\uXXXX` serves both).
    static func doubleQuoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where !YAMLWriter.isPrintableOnOneLine(scalar):
                let digits = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    /// Parses JSON text (an API server's answer); nil when it is not JSON.
    public init?(jsonText data: [UInt8]) {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(data), options: [.fragmentsAllowed]),
              let value = JSONValue(foundation: parsed)
        else { return nil }
        self = value
    }

    /// Converts what `JSONSerialization` returns.
    init?(foundation value: Any) {
        switch value {
        case let text as String: self = .string(text)
        case let number as NSNumber:
            // JSONSerialization returns booleans as NSNumbers of ObjC type "c" on every platform.
            if String(cString: number.objCType) == "c" {
                self = .bool(number.boolValue)
            } else {
                self = .int(number.intValue)
            }
        case let list as [Any]:
            var elements: [JSONValue] = []
            for element in list {
                guard let converted = JSONValue(foundation: element) else { return nil }
                elements.append(converted)
            }
            self = .array(elements)
        case let map as [String: Any]:
            var fields: [String: JSONValue] = [:]
            for (key, element) in map {
                guard let converted = JSONValue(foundation: element) else { return nil }
                fields[key] = converted
            }
            self = .object(fields)
        case is NSNull: self = .null
        default: return nil
        }
    }
}
