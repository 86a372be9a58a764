/// Exponential backoff with jitter for (re)connecting: attempt n waits
/// `min(base · 2^(n-1), max)`, plus up to 20 % random jitter so replicas do not reconnect in step.
struct ReconnectPolicy: Sendable {
    let baseDelay: Duration
    let maxDelay: Duration
    let drainTimeout: Duration

    init(_ configuration: NATSConfiguration) {
        baseDelay = configuration.reconnectBaseDelay
        maxDelay = configuration.maxReconnectDelay
        drainTimeout = configuration.drainTimeout
    }

    init(baseDelay: Duration, maxDelay: Duration, drainTimeout: Duration = .seconds(30)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.drainTimeout = drainTimeout
    }

    /// The delay before the next attempt, after `attempts` failed ones (1-based).
    func delay(afterAttempts attempts: Int, jitter: Double = Double.random(in: 0...0.2)) -> Duration {
        let exponent = min(max(attempts - 1, 0), 30)
        let base = baseDelay * (1 << exponent)
        let capped = base > maxDelay ? maxDelay : base
        return capped + capped * jitter
    }
}
