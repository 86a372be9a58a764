import Synchronization

/// What libcurl's callbacks of one transfer reach through their `void *` argument: the bytes
/// still to upload and whether the sending task was cancelled.
///
/// The upload position is touched only by the read callback, on the transfer's own thread;
/// the cancellation flag is atomic because the task's cancellation handler sets it from
/// elsewhere.
final class TransferContext: Sendable {
    private let payload: [UInt8]
    private let position = Atomic<Int>(0)
    private let cancelled = Atomic<Bool>(false)

    init(payload: [UInt8]) {
        self.payload = payload
    }

    /// Asks the transfer to stop at libcurl's next progress call.
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    var isCancelled: Bool {
        cancelled.load(ordering: .relaxed)
    }

    /// Copies the next bytes (at most `capacity`) into `buffer`; 0 at the end of the message.
    func read(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        let start = position.load(ordering: .relaxed)
        let count = min(capacity, payload.count - start)
        guard count > 0 else { return 0 }
        payload.withUnsafeBytes { bytes in
            buffer.copyMemory(from: bytes.baseAddress! + start, byteCount: count)
        }
        position.store(start + count, ordering: .relaxed)
        return count
    }
}
