import CNATS
import Dispatch
import Synchronization

/// Request/reply over one wildcard inbox subscription (`_INBOX.<id>.*`), the way the official
/// NATS clients do it: each request gets a token, and the reply resumes the waiting task.
/// Nothing blocks a thread while waiting; a timer resumes the task when the timeout passes.
final class RequestMux: Sendable {
    private unowned let connection: NATSConnection
    private let prefix: String
    private let subscription: Mutex<NATSSubscription?> = Mutex(nil)
    private let state = Mutex(State())

    // @unchecked: DispatchWorkItem is documented thread-safe for `cancel()`, the only call made
    // on it after it is stored; the continuation is Sendable.
    private struct Pending: @unchecked Sendable {
        let continuation: CheckedContinuation<NATSMessage, any Error>
        let timer: DispatchWorkItem
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
        let subscription = try connection.subscribe(subject: prefix + "*") { [weak self] message in
            guard let self, let token = UInt64(message.subject.dropFirst(prefixLength)) else { return }
            self.resolve(token, with: .success(message))
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
                let timer = DispatchWorkItem { [weak self] in
                    self?.resolve(token, with: .failure(NATSError(NATS_TIMEOUT, "waiting for a reply on \(message.subject)")))
                }
                state.withLock { $0.pending[token] = Pending(continuation: continuation, timer: timer) }
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
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.wholeMilliseconds)), execute: timer)
            }
        } onCancel: {
            resolve(token, with: .failure(CancellationError()))
        }
    }

    private func resolve(_ token: UInt64, with result: Result<NATSMessage, any Error>) {
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: token) }) else { return }
        pending.timer.cancel()
        pending.continuation.resume(with: result)
    }
}
