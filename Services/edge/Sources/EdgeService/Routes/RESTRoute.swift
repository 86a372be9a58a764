import Hummingbird
import ServiceKit
import SwiftProtobuf

/// One REST route and the RPC behind it. The table of routes (``EdgeRoutes``) is data; the
/// JSON ⇄ protobuf conversion, authentication and error mapping are done once, generically.
public struct RESTRoute: Sendable {
    /// Whether the edge verifies a bearer token before forwarding.
    public enum Authentication: Sendable {
        case none
        case bearer
    }

    public let method: HTTPRequest.Method
    public let path: String
    public let subject: String
    public let authentication: Authentication
    public let successStatus: HTTPResponse.Status
    /// Decodes the JSON body, sets the path parameters, calls the service, renders the reply:
    /// (content type, bytes).
    let call: @Sendable (_ body: [UInt8], _ pathParameters: [String: String], _ client: RPCClient, _ metadata: CallMetadata) async throws -> (String, [UInt8])

    /// A route whose JSON body is the request message and whose JSON reply is the response message.
    public static func rpc<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: HTTPRequest.Method, _ path: String, subject: String,
        request: Request.Type, response: Response.Type,
        authentication: Authentication, successStatus: HTTPResponse.Status = .ok,
        pathParameters: (@Sendable (inout Request, [String: String]) -> Void)? = nil,
        render: (@Sendable (Response) throws -> (String, [UInt8]))? = nil
    ) -> RESTRoute {
        RESTRoute(method: method, path: path, subject: subject, authentication: authentication, successStatus: successStatus) { body, parameters, client, metadata in
            var request = try ProtobufJSON.decode(Request.self, from: body)
            pathParameters?(&request, parameters)
            let response = try await client.call(subject, request, as: Response.self, metadata: metadata)
            if let render { return try render(response) }
            return ("application/json", try ProtobufJSON.encode(response))
        }
    }
}
