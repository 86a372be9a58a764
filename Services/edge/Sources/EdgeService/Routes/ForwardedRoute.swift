import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// A path (or path prefix) whose HTTP requests go whole to a service that owns an HTTP
/// protocol of its own, as ``Hexabase_Common_V1_HTTPRequest`` over NATS; the service's
/// ``Hexabase_Common_V1_HTTPResponse`` is written back as it is. The OIDC provider's endpoints
/// (form posts, redirects, cookies, HTML pages, OAuth error bodies) go this way.
public struct ForwardedRoute: Sendable {
    /// `/oauth2/**` for a prefix, or an exact path.
    public let path: String
    public let subject: String
    public let methods: [HTTPRequest.Method]

    public init(path: String, subject: String, methods: [HTTPRequest.Method] = [.get, .post]) {
        self.path = path
        self.subject = subject
        self.methods = methods
    }

    /// Response headers that belong to one hop and are set by the edge's own HTTP server.
    static let hopByHop: Set<String> = ["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te", "trailer"]

    func forward(_ request: Request, metadata: CallMetadata, clientAddress: String?, client: RPCClient, maxBodyBytes: Int) async throws -> Response {
        var message = Hexabase_Common_V1_HTTPRequest()
        message.method = request.method.rawValue
        message.path = request.uri.path
        message.rawQuery = request.uri.query ?? ""
        message.headers = request.headers.map { field in
            var header = Hexabase_Common_V1_HTTPHeader()
            header.name = field.name.canonicalName
            header.value = field.value
            return header
        }
        message.clientAddress = clientAddress ?? ""
        if request.method == .post {
            message.body = Data(try await request.body.collect(upTo: maxBodyBytes).readableBytesView)
        }
        let reply = try await client.call(subject, message, as: Hexabase_Common_V1_HTTPResponse.self, metadata: metadata)
        var headers = HTTPFields()
        for header in reply.headers where !Self.hopByHop.contains(header.name.lowercased()) {
            guard let name = HTTPField.Name(header.name) else { continue }
            headers.append(HTTPField(name: name, value: header.value))
        }
        let status = (100...599).contains(reply.status) ? Int(reply.status) : 502
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
