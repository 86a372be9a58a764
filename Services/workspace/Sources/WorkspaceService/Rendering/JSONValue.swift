/// A JSON-like value: the body of a Kubernetes object as the renderer builds it and the YAML and
/// JSON writers print it. Objects are dictionaries; writers print their keys sorted, so the same
/// value always prints the same bytes.
public enum JSONValue: Sendable, Equatable {
    /// A string.
    case string(String)
    /// An integer (the only numbers Kubernetes objects of the platform use).
    case int(Int)
    /// A boolean.
    case bool(Bool)
    /// An ordered list.
    case array([JSONValue])
    /// A map; printed with its keys sorted.
    case object([String: JSONValue])
    /// JSON null.
    case null

    /// The dictionary of an `.object`, nil for any other case.
    public var objectValue: [String: JSONValue]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    /// The text of a `.string`, nil for any other case.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number of an `.int`, nil for any other case.
    public var intValue: Int? {
        if case .int(let number) = self { return number }
        return nil
    }

    /// The element at `key` of an `.object`, nil otherwise.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The value at a path of object keys, e.g. `["status", "readyReplicas"]`.
    public func value(at path: [String]) -> JSONValue? {
        path.reduce(Optional(self)) { current, key in current?[key] }
    }
}

/// Literals, so objects read like the YAML they print as.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements) { _, last in last })
    }
}

extension JSONValue {
    /// A string map (labels, a node selector) as an object.
    public static func strings(_ map: [String: String]) -> JSONValue {
        .object(map.mapValues { .string($0) })
    }

    /// A list of strings as an array.
    public static func strings(_ list: [String]) -> JSONValue {
        .array(list.map { .string($0) })
    }
}
