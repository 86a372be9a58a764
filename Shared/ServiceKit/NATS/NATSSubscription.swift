import CNATS
import Synchronization

/// An asynchronous libnats subscription whose messages go to a Swift closure.
///
/// The closure runs on the subscription's libnats delivery thread. ``drain()`` stops the
/// interest, lets already-received messages reach the closure, and returns when it is done.
public final class NATSSubscription: @unchecked Sendable {
    // @unchecked: `handle` is a natsSubscription*, which libnats documents as thread-safe.
    private let handle: OpaquePointer
    private let box: Box
    /// The subject this subscription listens on.
    public let subject: String
    /// Its queue group, if any.
    public let queue: String?

    final class Box: Sendable {
        let handler: @Sendable (NATSMessage) -> Void
        let reclaimer: MessageReclaimer
        private let state = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
        init(handler: @escaping @Sendable (NATSMessage) -> Void, reclaimer: MessageReclaimer) {
            self.handler = handler
            self.reclaimer = reclaimer
        }

        func complete() {
            let waiters = state.withLock { state in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }

        func waitForCompletion() async {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state in
                    if state.done { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        }
    }

    init(connection: NATSConnection, subject: String, queue: String?, handler: @escaping @Sendable (NATSMessage) -> Void) throws(NATSError) {
        let box = Box(handler: handler, reclaimer: connection.reclaimer)
        // One retain for libnats, released by the completion callback after the last delivery.
        let pointer = Unmanaged.passRetained(box).toOpaque()
        let onMessage: natsMsgHandler = { _, _, message, closure in
            guard let message, let closure else { return }
            let box = Unmanaged<Box>.fromOpaque(closure).takeUnretainedValue()
            let copy = NATSMessage(copying: message)
            box.reclaimer.destroy(message)
            box.handler(copy)
        }
        var created: OpaquePointer?
        let status: natsStatus
        if let queue {
            status = natsConnection_QueueSubscribe(&created, connection.handle, subject, queue, onMessage, pointer)
        } else {
            status = natsConnection_Subscribe(&created, connection.handle, subject, onMessage, pointer)
        }
        guard status == NATS_OK, let created else {
            Unmanaged<Box>.fromOpaque(pointer).release()
            throw NATSError(status, "subscribing to \(subject)")
        }
        let completion = natsSubscription_SetOnCompleteCB(created, { closure in
            let unmanaged = Unmanaged<Box>.fromOpaque(closure!)
            unmanaged.takeUnretainedValue().complete()
            unmanaged.release()
        }, pointer)
        guard completion == NATS_OK else {
            natsSubscription_Unsubscribe(created)
            natsSubscription_Destroy(created)
            // The box is leaked on purpose: a delivery may still be running on it.
            throw NATSError(completion, "setting the completion callback of \(subject)")
        }
        // Generous limits: back-pressure holds messages here, and overflow is a logged slow-consumer error.
        natsSubscription_SetPendingLimits(created, 100_000, 256 * 1024 * 1024)
        self.handle = created
        self.box = box
        self.subject = subject
        self.queue = queue
    }

    deinit {
        natsSubscription_Destroy(handle)
    }

    /// Stops receiving, delivers what was already received, and returns when the last delivery
    /// finished (or, past `timeout`, when libnats gave up and dropped the rest).
    public func drain(timeout: Duration = .seconds(30)) async {
        if natsSubscription_DrainTimeout(handle, timeout.wholeMilliseconds) != NATS_OK {
            natsSubscription_Unsubscribe(handle)
        }
        await box.waitForCompletion()
    }

    /// Stops receiving at once; messages not yet delivered are dropped.
    public func unsubscribe() {
        natsSubscription_Unsubscribe(handle)
    }

    /// Messages received but not yet handed to the closure.
    public var pendingCount: Int {
        var messages: Int32 = 0
        var bytes: Int32 = 0
        natsSubscription_GetPending(handle, &messages, &bytes)
        return Int(messages)
    }
}
