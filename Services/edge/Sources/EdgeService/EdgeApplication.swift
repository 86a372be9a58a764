import AuthKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceKit

/// Builds the public HTTP application of the edge: the REST routes of ``EdgeRoutes``,
/// `/healthz` and `/readyz`, behind ``EdgeResponder``.
public struct EdgeApplicationBuilder: Sendable {
    public let configuration: EdgeConfiguration
    public let client: RPCClient
    public let verifier: TokenVerifier
    public let logger: Logger

    public init(configuration: EdgeConfiguration, client: RPCClient, verifier: TokenVerifier, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.verifier = verifier
        self.logger = logger
    }

    /// The responder with every route (used by the server and by router-level tests).
    public func makeResponder() -> some HTTPResponder<EdgeRequestContext> {
        let router = Router(context: EdgeRequestContext.self)
        router.get("/healthz") { _, _ in OperationsServer.jsonResponse(.ok, ["status": "ok"]) }
        router.get("/readyz") { _, _ in
            let checks = await pingServices()
            let ready = checks.values.allSatisfy { $0 == "ok" }
            return OperationsServer.jsonResponse(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not_ready", "checks": checks])
        }
        for route in EdgeRoutes.all {
            router.on(RouterPath(route.path), method: route.method) { request, context in
                try await handle(route, request: request, context: context)
            }
        }
        for route in EdgeRoutes.forwarded {
            for method in route.methods {
                router.on(RouterPath(route.path), method: method) { request, context in
                    try await route.forward(
                        request, metadata: callMetadata(request, context: context), clientAddress: context.remoteAddress?.ipAddress,
                        client: client, maxBodyBytes: configuration.maxBodyBytes
                    )
                }
            }
        }
        return EdgeResponder(wrapped: router.buildResponder(), logger: logger)
    }

    /// The HTTP server as a ServiceLifecycle service; `onPort` receives the bound port.
    public func makeApplication(onPort: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            responder: makeResponder(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hxb-edge"),
            onServerRunning: { channel in onPort(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Trace, request id, deadline, client address and user agent for the call behind a request.
    private func callMetadata(_ request: Request, context: EdgeRequestContext) -> CallMetadata {
        var metadata = CallMetadata(
            trace: request.headers[.traceParent].flatMap(TraceContext.init(traceParent:))?.child() ?? TraceContext(),
            requestID: context.requestID,
            deadline: .now + configuration.requestTimeout
        )
        if let address = context.remoteAddress?.ipAddress { metadata.extraHeaders[RPCHeader.clientAddress] = address }
        if let agent = request.headers[.userAgent] { metadata.extraHeaders[RPCHeader.userAgent] = String(agent.prefix(512)) }
        return metadata
    }

    private func handle(_ route: RESTRoute, request: Request, context: EdgeRequestContext) async throws -> Response {
        var metadata = callMetadata(request, context: context)
        var input = RESTRoute.Input()
        switch route.authentication {
        case .none:
            break
        case .bearer:
            let token = try AuthorizationHeader.bearerToken(request.headers)
            _ = try await verifier.verify(token)
            metadata.authorization = "Bearer " + token
        case .ingestionToken:
            input.credential = try AuthorizationHeader.ingestionToken(request.headers)
        }
        switch route.bodyFormat {
        case .json:
            if request.method == .post || request.method == .put || request.method == .patch || request.method == .delete {
                if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
                    throw ServiceError(.invalidArgument, "Content-Type must be application/json.")
                }
                let buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
                input.body = Array(buffer.readableBytesView)
            }
        case .opaque(let maxBytes):
            let buffer = try await request.body.collect(upTo: maxBytes)
            input.body = try ContentDecoding.decode(Array(buffer.readableBytesView), encoding: request.headers[.contentEncoding], maxBytes: maxBytes)
        }
        for (name, value) in context.parameters {
            input.pathParameters[String(name)] = String(value).removingPercentEncoding ?? String(value)
        }
        input.query = request.uri.queryParameters.map { name, value in
            (name: String(name).removingPercentEncoding ?? String(name), value: String(value))
        }
        input.headers = request.headers
        var logger = logger
        logger[metadataKey: "request_id"] = "\(context.requestID)"
        let rpc = RouteCall(client: client, metadata: metadata, timeout: configuration.requestTimeout, logger: logger)
        let rendering = try await route.call(input, rpc)
        var headers = rendering.headers
        headers[.contentType] = rendering.contentType
        switch rendering.body {
        case .bytes(let bytes):
            return Response(status: route.successStatus, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let stream):
            return Response(status: route.successStatus, headers: headers, body: ResponseBody { writer in
                // A stream may outlive its client (a tail waits for records): it is cancelled
                // as soon as the client closes the connection.
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    try await stream(&writer)
                }
                try await writer.finish(nil)
            })
        }
    }

    /// `$SRV.PING.<service>` for every required service: "ok", "no responders" or "timeout".
    func pingServices() async -> [String: String] {
        await withTaskGroup(of: (String, String).self) { group in
            for service in configuration.requiredServices {
                group.addTask {
                    do throws(ServiceError) {
                        _ = try await client.callRaw("$SRV.PING.\(EdgeConfiguration.serviceName(of: service))", payload: [], timeout: .seconds(1))
                        return (service, "ok")
                    } catch {
                        return (service, error.reason == .noResponders ? "no responders" : error.reason == .timeout ? "timeout" : "unavailable")
                    }
                }
            }
            var results: [String: String] = [:]
            for await (service, status) in group { results[service] = status }
            return results
        }
    }
}

extension HTTPField.Name {
    static let traceParent = HTTPField.Name("traceparent")!
}
