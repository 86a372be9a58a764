import Foundation
import ServiceKit
import SwiftProtobuf

/// Path and query parameters, set into the request message by name: a parameter is named after
/// a field of the request (its proto name, `organization_id`), and its text is decoded the way
/// proto JSON decodes a string for that field (`"20"` for an int32, an enum's name, …). Each
/// parameter is decoded as a one-field JSON object by SwiftProtobuf, so the generated code's
/// own name map and type rules decide; nothing here knows a message.
extension ProtobufJSON {
    /// The request of a route: the JSON body, then the query parameters, then the path
    /// parameters and the route's fixed fields (last, so nothing overrides them). A query
    /// parameter naming a path parameter or a fixed field is refused, and so is a body field
    /// that gives one of them another value (a tenant id in the body never overrides the path).
    static func request<Message: SwiftProtobuf.Message>(
        _ type: Message.Type, body: [UInt8], path: [String: String], fixed: [String: String] = [:],
        query: [(name: String, value: String)]
    ) throws(ServiceError) -> Message {
        var message = try decode(Message.self, from: body)
        if !path.isEmpty || !fixed.isEmpty { try refuseConflicts(body: body, path: path, fixed: fixed) }
        for (name, values) in grouped(query) {
            if path.keys.contains(where: { fieldKey($0) == fieldKey(name) }) {
                throw ServiceError.invalidField(display(name), "is a path parameter of this operation, not a query parameter")
            }
            if fixed.keys.contains(where: { fieldKey($0) == fieldKey(name) }) {
                throw ServiceError.invalidField(display(name), "is fixed by this operation")
            }
            try setQueryParameter(name, values, into: &message)
        }
        for (name, value) in path.merging(fixed, uniquingKeysWith: { path, _ in path }).sorted(by: { $0.key < $1.key }) {
            guard let part = decodedPart(Message.self, name, value), (try? merge(part, into: &message)) != nil else {
                throw ServiceError(.internalError, "Internal error.", cause: RouteTableError(parameter: name, message: Message.protoMessageName))
            }
        }
        return message
    }

    /// Whether `name` is a field of `Message` that `value` decodes into, as a path parameter or
    /// a fixed field (for the route table's tests).
    static func accepts<Message: SwiftProtobuf.Message>(_ name: String, _ value: String, in type: Message.Type) -> Bool {
        decodedPart(Message.self, name, value) != nil
    }

    private static func setQueryParameter<Message: SwiftProtobuf.Message>(
        _ name: String, _ values: [String], into message: inout Message
    ) throws(ServiceError) {
        // One value: a scalar (as a JSON string, or a bare true/false), or a list of one;
        // several values: a repeated field only.
        var candidates: [Any] = values.count == 1 ? [values[0]] : []
        if values.count == 1, let bool = Bool(values[0]) { candidates.append(bool) }
        candidates.append(values)
        for candidate in candidates {
            if let part = decodedPart(Message.self, name, candidate) {
                do { try merge(part, into: &message) } catch { throw ServiceError(wrapping: error) }
                return
            }
        }
        if case .unknownField? = decodingError(Message.self, name, NSNull()) {
            throw ServiceError(.invalidArgument, "Unknown query parameter `\(display(name))`.")
        }
        if values.count > 1, decodedPart(Message.self, name, values[0]) != nil {
            throw ServiceError.invalidField(display(name), "is given more than once but takes one value")
        }
        if decodedPart(Message.self, name, [String: Any]()) != nil {
            throw ServiceError.invalidField(display(name), "is not a scalar field: set it in a request body")
        }
        throw ServiceError.invalidField(display(name), "has an invalid value")
    }

    /// The message with just `name` set to `value`, or nil when that does not decode.
    private static func decodedPart<Message: SwiftProtobuf.Message>(_ type: Message.Type, _ name: String, _ value: Any) -> Message? {
        guard let json = try? JSONSerialization.data(withJSONObject: [name: value]) else { return nil }
        return try? Message(jsonUTF8Bytes: Array(json), options: decodingOptions)
    }

    private static func decodingError<Message: SwiftProtobuf.Message>(_ type: Message.Type, _ name: String, _ value: Any) -> JSONDecodingError? {
        guard let json = try? JSONSerialization.data(withJSONObject: [name: value]) else { return nil }
        do {
            _ = try Message(jsonUTF8Bytes: Array(json), options: decodingOptions)
            return nil
        } catch {
            return error as? JSONDecodingError
        }
    }

    /// Sets the fields set in `part` (proto3: a binary merge overwrites singular fields, appends
    /// repeated ones).
    private static func merge<Message: SwiftProtobuf.Message>(_ part: Message, into message: inout Message) throws {
        try message.merge(serializedBytes: part.serializedBytes() as [UInt8])
    }

    private static func refuseConflicts(body: [UInt8], path: [String: String], fixed: [String: String]) throws(ServiceError) {
        guard body.contains(where: { $0 == UInt8(ascii: "{") }),
              let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        else { return }
        for (key, value) in object where !(value is NSNull) {
            if let parameter = path.first(where: { fieldKey($0.key) == fieldKey(key) }), (value as? String) != parameter.value {
                throw ServiceError.invalidField(parameter.key, "differs from the path of the request")
            }
            if let field = fixed.first(where: { fieldKey($0.key) == fieldKey(key) }), (value as? String) != field.value {
                throw ServiceError.invalidField(field.key, "is fixed by this operation")
            }
        }
    }

    /// Proto JSON accepts a field's proto name and its lowerCamelCase JSON name; protoc refuses
    /// fields whose names agree once case and underscores are ignored, so this key names one field.
    private static func fieldKey(_ name: String) -> String {
        String(name.lowercased().filter { $0 != "_" })
    }

    /// The query's parameters by name, in order of first appearance.
    private static func grouped(_ query: [(name: String, value: String)]) -> [(String, [String])] {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for (name, value) in query {
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(value)
        }
        return order.map { ($0, values[$0] ?? []) }
    }

    /// A parameter name as safe to echo in a message.
    private static func display(_ name: String) -> String {
        String(name.prefix(64).filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
    }
}

/// A route's path parameter or fixed field that does not decode into its request message (a
/// bug in the table).
struct RouteTableError: Error, CustomStringConvertible {
    let parameter: String
    let message: String
    var description: String { "path parameter or fixed field \(parameter) does not decode into \(message)" }
}
