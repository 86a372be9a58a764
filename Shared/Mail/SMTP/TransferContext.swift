import Synchronization

/// What libcurl's read callback of one transfer reaches through its `void *` argument: the
/// bytes still to upload.
///
/// The upload position is touched only by the read callback, on the transfer's own thread; it
/// is atomic so that the context can be `Sendable` and built before that thread starts.
final class TransferContext: Sendable {
    private let payload: [UInt8]
    private let position = Atomic<Int>(0)

    init(payload: [UInt8]) {
        self.payload = payload
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
