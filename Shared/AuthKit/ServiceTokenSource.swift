import Contracts
import ServiceKit
import Synchronization

/// A service's own access token (DESIGN §5: calls without a user, from schedules and
/// background jobs), obtained from auth with the client-credentials grant over NATS
/// (`hxb.auth.v1.GetServiceToken`).
///
/// The token is cached until `refreshMargin` (60 s by default, at most half its lifetime)
/// before it expires. Concurrent callers that find no valid token share one request to auth;
/// when that request fails they all get its error, and the next call tries again.
public final class ServiceTokenSource: Sendable {
    private struct State {
        var token: String?
        var refreshAt: ContinuousClock.Instant = .now
        var fetching = false
        var waiters: [CheckedContinuation<Result<String, ServiceError>?, Never>] = []
    }

    private let client: RPCClient
    private let clientID: String
    private let clientSecret: String
    private let refreshMargin: Duration
    private let state = Mutex(State())

    /// A source for the confidential client `clientID` (configured in auth as a service client).
    public init(client: RPCClient, clientID: String, clientSecret: String, refreshMargin: Duration = .seconds(60)) {
        self.client = client
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.refreshMargin = refreshMargin
    }

    /// A valid access token, from the cache or fresh from auth.
    ///
    /// Throws auth's ``ServiceError`` (401 for wrong credentials, 503/504 when auth is
    /// unreachable).
    public func token() async throws(ServiceError) -> String {
        while true {
            enum Step { case cached(String), fetch, wait }
            let step: Step = state.withLock { state in
                if let token = state.token, ContinuousClock.now < state.refreshAt { return .cached(token) }
                if state.fetching { return .wait }
                state.fetching = true
                return .fetch
            }
            switch step {
            case .cached(let token):
                return token
            case .fetch:
                return try await fetch()
            case .wait:
                let shared = await withCheckedContinuation { continuation in
                    let waiting = state.withLock { state in
                        guard state.fetching else { return false }
                        state.waiters.append(continuation)
                        return true
                    }
                    if !waiting { continuation.resume(returning: nil) }
                }
                // nil: the fetch ended before we waited, or its caller was cancelled: look
                // again (the cache, or a fetch of our own).
                if let shared { return try shared.get() }
            }
        }
    }

    /// Call metadata with `Authorization: Bearer <token>`.
    public func metadata() async throws(ServiceError) -> CallMetadata {
        .bearer(try await token())
    }

    /// Forgets the cached token, e.g. after a call was refused with 401 because auth revoked it.
    public func invalidate() {
        state.withLock { $0.token = nil }
    }

    private func fetch() async throws(ServiceError) -> String {
        var request = Hexabase_Auth_V1_GetServiceTokenRequest()
        request.clientID = clientID
        request.clientSecret = clientSecret
        let started = ContinuousClock.now
        let result: Result<String, ServiceError>
        do throws(ServiceError) {
            let response = try await client.call(
                "hxb.auth.v1.GetServiceToken", request, as: Hexabase_Auth_V1_GetServiceTokenResponse.self
            )
            guard !response.accessToken.isEmpty, response.expiresIn > 0 else {
                throw ServiceError(.internalError, "The auth service returned no usable service token.")
            }
            let lifetime = Duration.seconds(Int(response.expiresIn))
            let refreshAt = started + lifetime - min(refreshMargin, lifetime / 2)
            state.withLock { state in
                state.token = response.accessToken
                state.refreshAt = refreshAt
            }
            result = .success(response.accessToken)
        } catch {
            result = .failure(error)
        }
        // A cancelled caller's failure is not the others' answer: they try again themselves.
        let shared: Result<String, ServiceError>? = Task.isCancelled && (try? result.get()) == nil ? nil : result
        let waiters = state.withLock { state in
            state.fetching = false
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: shared) }
        return try result.get()
    }
}
