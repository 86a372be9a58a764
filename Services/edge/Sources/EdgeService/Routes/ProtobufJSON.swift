import Foundation
import ServiceKit
import SwiftProtobuf

/// JSON ⇄ protobuf for the REST API, done once for every route: proto field names
/// (snake_case) on output, both spellings accepted on input, unknown fields refused.
enum ProtobufJSON {
    static func decode<Message: SwiftProtobuf.Message>(_ type: Message.Type, from body: [UInt8]) throws(ServiceError) -> Message {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return Message() }
        do {
            return try Message(jsonUTF8Bytes: body, options: decodingOptions)
        } catch let error as SwiftProtobuf.JSONDecodingError {
            throw ServiceError(.invalidArgument, "The request body is not valid JSON for this operation (\(Self.describe(error))).")
        } catch {
            throw ServiceError(.invalidArgument, "The request body is not valid JSON for this operation.")
        }
    }

    static func encode(_ message: some SwiftProtobuf.Message) throws -> [UInt8] {
        try message.jsonUTF8Bytes(options: encodingOptions)
    }

    static let decodingOptions: JSONDecodingOptions = {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = false
        options.messageDepthLimit = 32
        return options
    }()

    private static let encodingOptions: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        return options
    }()

    /// A short, safe description of what was wrong (never echoes the body).
    private static func describe(_ error: SwiftProtobuf.JSONDecodingError) -> String {
        switch error {
        case .unknownField(let name): "unknown field \(name.prefix(64))"
        case .truncated: "truncated input"
        case .malformedNumber, .numberRange: "a number is malformed or out of range"
        case .malformedString, .invalidUTF8: "a string is malformed"
        case .messageDepthLimit: "nested too deeply"
        default: "malformed JSON"
        }
    }
}
