import Hummingbird
import ServiceKit
import SwiftProtobuf

/// One REST route and the RPC behind it. The table of routes (``EdgeRoutes``) is data; the
/// JSON ⇄ protobuf conversion, path and query parameters, authentication and error mapping
/// are done once, generically.
///
/// Path parameters are named after fields of the request message (`{organization_id}`) and
/// set into them; GET and DELETE routes also take query parameters named after scalar fields
/// (`?page_size=20&page_token=…`). Fixed fields are set by the route itself, like path
/// parameters that do not appear in the path (the tier of a log route): no query parameter or
/// body field can change them. See ``ProtobufJSON/request(_:body:path:fixed:query:)``.
public struct RESTRoute: Sendable {
    /// Whether and how the edge authenticates the caller before forwarding.
    public enum Authentication: Sendable {
        case none
        /// A JWT access token, verified by the edge and forwarded as `Authorization`.
        case bearer
        /// A workspace's log ingestion token (`hxi_…`), sent as `Bearer` or as the password of
        /// HTTP Basic. It is no JWT: the edge only extracts it (``Input/credential``) for the
        /// route to put into its request, and never forwards it as `Authorization`.
        case ingestionToken
    }

    /// How the edge reads a request body.
    public enum BodyFormat: Sendable, Equatable {
        /// JSON (a `Content-Type` other than `application/json` is refused) up to the edge's
        /// `maxBodyBytes`, decoded into the request message; read for POST, PUT, PATCH, DELETE.
        case json
        /// Any bytes, handed to the route as they are once a `Content-Encoding: gzip` is undone;
        /// more than `maxBytes` before or after decompression is a 413.
        case opaque(maxBytes: Int)
    }

    /// What the edge took from one HTTP request.
    struct Input: Sendable {
        var body: [UInt8] = []
        /// Percent-decoded path parameters, by name.
        var pathParameters: [String: String] = [:]
        /// Query parameters in order, repeated names included.
        var query: [(name: String, value: String)] = []
        /// The request's headers (e.g. `Last-Event-ID`).
        var headers: HTTPFields = [:]
        /// The credential of an ``Authentication/ingestionToken`` route.
        var credential: String?
    }

    /// A reply other than the response message as JSON: another format, or a stream.
    public struct Rendering: Sendable {
        /// Writes a streamed body; the edge finishes the response afterwards.
        public typealias Stream = @Sendable (_ writer: inout any ResponseBodyWriter) async throws -> Void

        enum Body: Sendable {
            case bytes([UInt8])
            case stream(Stream)
        }

        public var contentType: String
        /// Extra response headers (e.g. `Content-Disposition`).
        public var headers: HTTPFields
        let body: Body

        public init(contentType: String, bytes: [UInt8], headers: HTTPFields = [:]) {
            self.contentType = contentType
            self.headers = headers
            body = .bytes(bytes)
        }

        /// A body written while the response is sent (the status and headers are gone by then:
        /// an error must be reported inside the stream's own format). The stream is cancelled
        /// when the client closes the connection.
        public init(contentType: String, headers: HTTPFields = [:], stream: @escaping Stream) {
            self.contentType = contentType
            self.headers = headers
            body = .stream(stream)
        }

        /// The message as the REST API's JSON.
        static func json(_ message: some SwiftProtobuf.Message) throws -> Rendering {
            Rendering(contentType: "application/json", bytes: try ProtobufJSON.encode(message))
        }
    }

    public let method: HTTPRequest.Method
    public let path: String
    public let subject: String
    public let authentication: Authentication
    public let successStatus: HTTPResponse.Status
    /// How the request body is read (JSON for every route but workload log ingestion).
    public let bodyFormat: BodyFormat
    /// Fields the route sets itself (proto name → proto JSON text, as for a path parameter).
    public let fixedFields: [String: String]
    /// Builds the request message, calls the service, renders the reply.
    let call: @Sendable (_ input: Input, _ rpc: RouteCall) async throws -> Rendering
    /// Whether `name` is a field of the request message that `value` decodes into (for the
    /// route table's tests).
    let requestAccepts: @Sendable (_ name: String, _ value: String) -> Bool

    /// The `{name}` segments of ``path``.
    var pathParameterNames: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }

    /// A route whose JSON body (with path and query parameters and the fixed fields) is the
    /// request message and whose JSON reply is the response message, unless `render` renders it
    /// otherwise.
    public static func rpc<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: HTTPRequest.Method, _ path: String, subject: String,
        request: Request.Type, response: Response.Type,
        authentication: Authentication, successStatus: HTTPResponse.Status = .ok, fixed: [String: String] = [:],
        render: (@Sendable (Request, Response) throws -> Rendering)? = nil
    ) -> RESTRoute {
        .custom(method, path, subject: subject, request: request, authentication: authentication, successStatus: successStatus, fixed: fixed) { request, _, rpc in
            let response = try await rpc.call(subject, request, as: Response.self)
            return try render?(request, response) ?? .json(response)
        }
    }

    /// A route that builds `Request` from the HTTP request like ``rpc(_:_:subject:request:response:authentication:successStatus:fixed:render:)``
    /// and then does what `respond` says (several calls, a stream, …). Query parameters named
    /// in `ownQueryParameters` are no fields: they are left to `respond` in `input.query`.
    static func custom<Request: SwiftProtobuf.Message>(
        _ method: HTTPRequest.Method, _ path: String, subject: String, request: Request.Type,
        authentication: Authentication, successStatus: HTTPResponse.Status = .ok, bodyFormat: BodyFormat = .json,
        fixed: [String: String] = [:], ownQueryParameters: Set<String> = [],
        respond: @escaping @Sendable (_ request: Request, _ input: Input, _ rpc: RouteCall) async throws -> Rendering
    ) -> RESTRoute {
        // GET and DELETE take query parameters; the others take a body.
        let takesQuery = method == .get || method == .delete
        return RESTRoute(
            method: method, path: path, subject: subject, authentication: authentication, successStatus: successStatus,
            bodyFormat: bodyFormat, fixedFields: fixed,
            call: { input, rpc in
                if !takesQuery, !input.query.isEmpty {
                    throw ServiceError(.invalidArgument, "This operation takes no query parameters.")
                }
                let request = try ProtobufJSON.request(
                    Request.self, body: bodyFormat == .json ? input.body : [], path: input.pathParameters, fixed: fixed,
                    query: input.query.filter { !ownQueryParameters.contains($0.name) }
                )
                return try await respond(request, input, rpc)
            },
            requestAccepts: { ProtobufJSON.accepts($0, $1, in: Request.self) }
        )
    }
}
