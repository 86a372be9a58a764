import SwiftProtobuf

/// One RPC method of a service: subject `hxb.<service>.v1.<name>`, protobuf in and out.
public struct Endpoint: Sendable {
    /// The method name, e.g. `SignUp`.
    public let name: String
    /// ADR-32 endpoint metadata (shown by `$SRV.INFO`).
    public let metadata: [String: String]
    let handle: @Sendable ([UInt8], RequestContext) async throws -> [UInt8]

    /// An endpoint with typed request and response messages. A body that does not decode as
    /// `Request` is answered with a 400 before the handler runs.
    public static func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ name: String,
        _ request: Request.Type = Request.self,
        metadata: [String: String] = [:],
        handler: @escaping @Sendable (Request, RequestContext) async throws -> Response
    ) -> Endpoint {
        unaryWithBody(name, request, metadata: metadata) { request, _, context in try await handler(request, context) }
    }

    /// Like ``unary(_:_:metadata:handler:)``, for a handler that also needs the request's
    /// bytes as received (to forward them unchanged instead of encoding the request again).
    public static func unaryWithBody<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ name: String,
        _ request: Request.Type = Request.self,
        metadata: [String: String] = [:],
        handler: @escaping @Sendable (Request, [UInt8], RequestContext) async throws -> Response
    ) -> Endpoint {
        var metadata = metadata
        metadata["request"] = Request.protoMessageName
        metadata["response"] = Response.protoMessageName
        return Endpoint(name: name, metadata: metadata) { bytes, context in
            let request: Request
            do {
                request = try Request(serializedBytes: bytes)
            } catch {
                throw ServiceError(.invalidArgument, "The request body is not a valid \(Request.protoMessageName) message.")
            }
            return try await handler(request, bytes, context).serializedBytes()
        }
    }

    /// An endpoint on raw bytes (for payloads that are not protobuf).
    public init(name: String, metadata: [String: String] = [:], handle: @escaping @Sendable ([UInt8], RequestContext) async throws -> [UInt8]) {
        self.name = name
        self.metadata = metadata
        self.handle = handle
    }
}

/// Identifies a service for subjects and the NATS service API (ADR-32).
public struct ServiceDescription: Sendable {
    /// ADR-32 name, also the subject segment: `hxb.<name>.v1.*`. Letters, digits, `-`, `_`.
    public let name: String
    /// Semantic version of the service.
    public let version: String
    public let description: String
    /// The API version segment of the subjects.
    public let apiVersion: String
    public let metadata: [String: String]

    public init(name: String, version: String, description: String, apiVersion: String = "v1", metadata: [String: String] = [:]) {
        self.name = name
        self.version = version
        self.description = description
        self.apiVersion = apiVersion
        self.metadata = metadata
    }

    /// The subject of a method: `hxb.<service>.<apiVersion>.<method>`.
    public func subject(for method: String) -> String {
        "hxb.\(name).\(apiVersion).\(method)"
    }
}
