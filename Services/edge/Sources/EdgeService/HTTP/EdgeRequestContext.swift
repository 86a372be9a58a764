import Hummingbird
import NIOCore

/// The per-request context of the edge: Hummingbird's core storage plus the peer address
/// (forwarded to services for audit records).
public struct EdgeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The request id answered in `Hxb-Request-Id` and forwarded to services.
    public var requestID: String = ""

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
