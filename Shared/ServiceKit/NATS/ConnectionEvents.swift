import CNATS
import Logging
import Metrics
import Synchronization

/// Receives libnats's connection callbacks (on libnats threads): logs them, keeps the
/// `hxb_nats_connected` gauge and reconnect counter, and wakes whoever waits for the close.
final class ConnectionEvents: Sendable {
    let logger: Logger
    let policy: ReconnectPolicy
    private let state = Mutex(State())
    private let connectedGauge = Gauge(label: "hxb_nats_connected")
    private let reconnects = Counter(label: "hxb_nats_reconnects_total")
    private let disconnects = Counter(label: "hxb_nats_disconnects_total")
    private let asyncErrors = Counter(label: "hxb_nats_async_errors_total")

    private struct State {
        var closing = false
        var closed = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    init(logger: Logger, policy: ReconnectPolicy) {
        self.logger = logger
        self.policy = policy
    }

    func markConnected() { connectedGauge.record(1) }

    /// Marks a requested close, after which a disconnect is expected, not a problem.
    func markClosing() { state.withLock { $0.closing = true } }

    func disconnected() {
        connectedGauge.record(0)
        if state.withLock({ $0.closing }) { return }
        disconnects.increment()
        logger.warning("NATS disconnected; reconnecting")
    }

    func reconnected() {
        connectedGauge.record(1)
        reconnects.increment()
        logger.info("NATS reconnected")
    }

    func asyncError(_ status: natsStatus) {
        asyncErrors.increment()
        // A slow consumer means a subscription's pending limit overflowed and messages were dropped.
        logger.error("NATS asynchronous error", metadata: ["error": "\(String(cString: natsStatus_GetText(status)))"])
    }

    func closed() {
        connectedGauge.record(0)
        logger.info("NATS connection closed")
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func waitUntilClosed() async {
        await withCheckedContinuation { continuation in
            let alreadyClosed = state.withLock { state in
                if state.closed { return true }
                state.waiters.append(continuation)
                return false
            }
            if alreadyClosed { continuation.resume() }
        }
    }
}
