import CNATS
import Dispatch
import Synchronization

/// Request/reply over one wildcard inbox subscription (`_INBOX.<id>.*`), the way the official
/// NATS clients do it: each request gets a token, and the reply resumes the waiting task.
/// Nothing blocks a thread while waiting; a shared ``DeadlineReaper`` fails requests whose
/// timeout passed.
final class RequestMux: Sendable {
    private unowned let connection: NATSConnection
    private let prefix: String
    private let subscription: Mutex<NATSSubscription?> = Mutex(nil)
    private let state = Mutex(State())

    private let reaper = DeadlineReaper()

    private struct Pending: Sendable {
        let continuation: CheckedContinuation<NATSMessage, any Error>
        var timer: DeadlineReaper.Token?
    }

    private struct State {
        var nextToken: UInt64 = 0
        var pending: [UInt64: Pending] = [:]
    }

    init(connection: NATSConnection) throws(NATSError) {
        var inbox: UnsafeMutablePointer<natsInbox>?
        let status = natsInbox_Create(&inbox)
        guard status == NATS_OK, let inbox else { throw NATSError(status, "creating an inbox") }
        prefix = String(cString: inbox) + "."
        natsInbox_Destroy(inbox)
        self.connection = connection
        let prefixLength = prefix.count
        // The executor, not the connection: a late reply may arrive while the connection deinits.
        let executor = connection.executor
        let subscription = try connection.subscribe(subject: prefix + "*") { [weak self] message in
            guard let self, let token = UInt64(message.subject.dropFirst(prefixLength)) else { return }
            // A caller that prefers the connection's executor continues right here.
            executor.runInline { self.resolve(token, with: .success(message)) }
        }
        self.subscription.withLock { $0 = subscription }
    }

    func request(_ message: NATSMessage, timeout: Duration) async throws -> NATSMessage {
        let token = state.withLock { state in
            state.nextToken &+= 1
            return state.nextToken
        }
        var message = message
        message.reply = prefix + String(token)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                state.withLock { $0.pending[token] = Pending(continuation: continuation, timer: nil) }
                let subject = message.subject
                let timer = reaper.register(deadline: .now + timeout) { [weak self] in
                    self?.resolve(token, with: .failure(NATSError(NATS_TIMEOUT, "waiting for a reply on \(subject)")))
                }
                let stillPending = state.withLock { state -> Bool in
                    guard state.pending[token] != nil else { return false }
                    state.pending[token]?.timer = timer
                    return true
                }
                if !stillPending { reaper.cancel(timer) }
                if Task.isCancelled {
                    resolve(token, with: .failure(CancellationError()))
                    return
                }
                do {
                    try connection.publish(message)
                } catch {
                    resolve(token, with: .failure(error))
                    return
                }
            }
        } onCancel: {
            resolve(token, with: .failure(CancellationError()))
        }
    }

    private func resolve(_ token: UInt64, with result: Result<NATSMessage, any Error>) {
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: token) }) else { return }
        if let timer = pending.timer { reaper.cancel(timer) }
        pending.continuation.resume(with: result)
    }
}
