import Foundation

/// The headers an RPC call carries (DESIGN §4): token, trace context, request id, deadline.
public struct CallMetadata: Sendable {
    /// The full `Authorization` header value, e.g. `Bearer eyJ…`.
    public var authorization: String?
    public var trace: TraceContext?
    public var requestID: String?
    /// Absolute deadline; the call's timeout never extends past it.
    public var deadline: ContinuousClock.Instant?
    /// Further headers, e.g. ``RPCHeader/clientAddress`` set by the edge.
    public var extraHeaders: [String: String]

    public init(
        authorization: String? = nil, trace: TraceContext? = nil,
        requestID: String? = nil, deadline: ContinuousClock.Instant? = nil,
        extraHeaders: [String: String] = [:]
    ) {
        self.authorization = authorization
        self.trace = trace
        self.requestID = requestID
        self.deadline = deadline
        self.extraHeaders = extraHeaders
    }

    /// Metadata with a bearer token.
    public static func bearer(_ token: String) -> CallMetadata {
        CallMetadata(authorization: "Bearer " + token)
    }

    /// Renders the headers for a call that gives up at `deadline`.
    func headers(deadline: ContinuousClock.Instant) -> [String: String] {
        var headers = extraHeaders
        headers.reserveCapacity(extraHeaders.count + 4)
        headers[RPCHeader.deadline] = String(DeadlineClock.unixMilliseconds(of: deadline))
        headers[RPCHeader.traceParent] = (trace ?? TraceContext()).traceParent
        headers[RPCHeader.requestID] = requestID ?? RequestID.make()
        if let authorization { headers[RPCHeader.authorization] = authorization }
        return headers
    }
}

/// Converts between the process-local monotonic clock and the Unix-millisecond deadlines sent
/// between processes.
enum DeadlineClock {
    static func unixMilliseconds(of instant: ContinuousClock.Instant) -> Int64 {
        let remaining = ContinuousClock.now.duration(to: instant)
        return Int64(Date().timeIntervalSince1970 * 1000) + remaining.wholeMilliseconds
    }

    static func instant(unixMilliseconds: Int64) -> ContinuousClock.Instant {
        let remaining = unixMilliseconds - Int64(Date().timeIntervalSince1970 * 1000)
        return ContinuousClock.now.advanced(by: .milliseconds(remaining))
    }
}

/// Request ids: 32 random lowercase hex characters.
public enum RequestID {
    public static func make() -> String {
        RandomHex.make(bytes: 16)
    }
}
