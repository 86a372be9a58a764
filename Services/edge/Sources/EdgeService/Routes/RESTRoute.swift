import Hummingbird
import ServiceKit
import SwiftProtobuf

/// One REST route and the RPC behind it. The table of routes (``EdgeRoutes``) is data; the
/// JSON ⇄ protobuf conversion, path and query parameters, authentication and error mapping
/// are done once, generically.
///
/// Path parameters are named after fields of the request message (`{organization_id}`) and
/// set into them; GET and DELETE routes also take query parameters named after scalar fields
/// (`?page_size=20&page_token=…`). See ``ProtobufJSON/request(_:body:path:query:)``.
public struct RESTRoute: Sendable {
    /// Whether the edge verifies a bearer token before forwarding.
    public enum Authentication: Sendable {
        case none
        case bearer
    }

    /// What the edge took from one HTTP request.
    struct Input: Sendable {
        var body: [UInt8] = []
        /// Percent-decoded path parameters, by name.
        var pathParameters: [String: String] = [:]
        /// Query parameters in order, repeated names included.
        var query: [(name: String, value: String)] = []
    }

    /// A reply body other than the response message as JSON.
    public struct Rendering: Sendable {
        public var contentType: String
        public var bytes: [UInt8]
        /// Extra response headers (e.g. `Content-Disposition`).
        public var headers: HTTPFields

        public init(contentType: String, bytes: [UInt8], headers: HTTPFields = [:]) {
            self.contentType = contentType
            self.bytes = bytes
            self.headers = headers
        }
    }

    public let method: HTTPRequest.Method
    public let path: String
    public let subject: String
    public let authentication: Authentication
    public let successStatus: HTTPResponse.Status
    /// Builds the request message, calls the service, renders the reply.
    let call: @Sendable (_ input: Input, _ client: RPCClient, _ metadata: CallMetadata) async throws -> Rendering
    /// Whether `name` is a field of the request message (for the route table's tests).
    let requestHasField: @Sendable (_ name: String) -> Bool

    /// The `{name}` segments of ``path``.
    var pathParameterNames: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }

    /// A route whose JSON body (with path and query parameters) is the request message and whose
    /// JSON reply is the response message, unless `render` renders it otherwise.
    public static func rpc<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: HTTPRequest.Method, _ path: String, subject: String,
        request: Request.Type, response: Response.Type,
        authentication: Authentication, successStatus: HTTPResponse.Status = .ok,
        render: (@Sendable (Request, Response) throws -> Rendering)? = nil
    ) -> RESTRoute {
        // GET and DELETE take query parameters; the others take a body.
        let takesQuery = method == .get || method == .delete
        return RESTRoute(
            method: method, path: path, subject: subject, authentication: authentication, successStatus: successStatus,
            call: { input, client, metadata in
                if !takesQuery, !input.query.isEmpty {
                    throw ServiceError(.invalidArgument, "This operation takes no query parameters.")
                }
                let request = try ProtobufJSON.request(Request.self, body: input.body, path: input.pathParameters, query: input.query)
                let response = try await client.call(subject, request, as: Response.self, metadata: metadata)
                if let render { return try render(request, response) }
                return Rendering(contentType: "application/json", bytes: try ProtobufJSON.encode(response))
            },
            requestHasField: { ProtobufJSON.acceptsPathParameter($0, in: Request.self) }
        )
    }
}
